import { describe, expect, it } from 'vitest';
import { checkImports, formatViolation } from './import-rules.ts';

const rules = (file: string, source: string) => checkImports(file, source).map((v) => v.rule);

describe('import rules', () => {
  it('catches shared/ importing a half, with file:line', () => {
    const source = "import { z } from 'zod';\n\nimport { plan } from '../functions/planning/plan.ts';\n";
    const [violation, ...rest] = checkImports('shared/snapshot.ts', source);
    expect(rest).toEqual([]);
    expect(formatViolation(violation!)).toBe("shared/snapshot.ts:3: import '../functions/planning/plan.ts': shared/ imports nothing from forwarder/, functions/, cli/ or scripts/");
    expect(rules('shared/x.ts', "export { a } from '../forwarder/a.ts';")).toHaveLength(1);
    expect(rules('shared/compact/x.ts', "const m = await import('../../cli/main.ts');")).toHaveLength(1);
  });

  it('keeps the planning core on shared/ and itself, without I/O packages or a logger', () => {
    expect(rules('functions/planning/scale-up.ts', "import { x } from './context.ts';\nimport type { Snapshot } from '../../shared/snapshot.ts';\nimport { createHash } from 'node:crypto';")).toEqual([]);
    expect(rules('functions/planning/scale-up.ts', "import { table } from '../state/table.ts';")).toEqual(['functions/planning/ imports only shared/ and functions/planning/']);
    expect(rules('functions/planning/scale-up.ts', "import { readFile } from 'node:fs/promises';")).toHaveLength(1);
    expect(rules('functions/planning/scale-up.ts', "import pino from 'pino';")).toHaveLength(1);
    expect(rules('functions/planning/scale-up.ts', "import { createLogger } from '../../shared/logger.ts';")).toHaveLength(1);
  });

  it('keeps the halves apart', () => {
    expect(rules('forwarder/main.ts', "import { app } from '../functions/app.ts';")).toEqual(['forwarder/ never imports functions/']);
    expect(rules('functions/app.ts', "import type { X } from '../forwarder/x.ts';")).toEqual(['functions/ never imports forwarder/']);
    expect(rules('forwarder/x.test.ts', "import { app } from '../functions/app.ts';")).toHaveLength(1);
  });

  it('keeps fakes out of shipped code, but lets tests beside the code use them', () => {
    expect(rules('forwarder/vpsie/client.ts', "import { sim } from '../../test/vpsie-sim/app.ts';")).toHaveLength(1);
    expect(rules('forwarder/vpsie/client.test.ts', "import { sim } from '../../test/vpsie-sim/app.ts';")).toEqual([]);
    expect(rules('functions/planning/plan.test.ts', "import { b } from '../../test/fixtures/builders.ts';\nimport { it } from 'vitest';")).toEqual([]);
  });

  it('lets test/, cli/ and scripts/ import anything', () => {
    const source = "import '../functions/app.ts';\nimport '../forwarder/main.ts';\nimport '../shared/x.ts';";
    for (const file of ['test/e2e.ts', 'cli/main.ts', 'scripts/build.ts']) expect(rules(file, source)).toEqual([]);
  });

  it('ignores import-looking text in comments and strings', () => {
    expect(rules('shared/x.ts', "// import { a } from '../functions/a.ts';\nconst s = \"from '../forwarder/b.ts'\";")).toEqual([]);
  });
});
