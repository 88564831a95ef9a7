import { describe, expect, it } from 'vitest';
import { findImportCycles, runtimeImports, type ImportEdge } from './import-cycles.ts';

// Import cycles across project files: static, re-export and dynamic import() edges count; type-only
// imports are erased and do not.

function cycles(files: Record<string, string>) {
  const exists = (path: string) => path in files;
  const graph = new Map<string, ImportEdge[]>(Object.entries(files).map(([file, source]) => [file, runtimeImports(file, source, exists)]));
  return findImportCycles(graph);
}

describe('import cycles', () => {
  it('reports the old forwarder cycle: dynamic imports both ways (command.ts ↔ main.ts)', () => {
    const found = cycles({
      'forwarder/main.ts': "import { x } from './config.ts';\nexport async function startForwarder() {}\nif (process.argv[1]) {\n  void import('./command.ts').then((m) => m.run());\n}\n",
      'forwarder/command.ts': "import { parse } from './config.ts';\nexport async function run() {\n  const { startForwarder } = await import('./main.ts');\n}\n",
      'forwarder/config.ts': 'export const x = 1;',
    });
    expect(found).toEqual([{
      file: 'forwarder/main.ts',
      line: 4,
      specifier: './command.ts',
      rule: 'import cycle: forwarder/command.ts → forwarder/main.ts → forwarder/command.ts',
    }]);
  });

  it('reports a static cycle through three files once, naming each, and a re-export closes one too', () => {
    const found = cycles({
      'a.ts': "import { b } from './b.ts';",
      'b.ts': "export { c } from './sub/c.ts';",
      'sub/c.ts': "import * as a from '../a.ts';",
      'd.ts': "import { a } from './a.ts';", // imports into the cycle, is not part of it
    });
    expect(found.map((v) => v.rule)).toEqual(['import cycle: a.ts → b.ts → sub/c.ts → a.ts']);
    expect(found[0]).toMatchObject({ file: 'sub/c.ts', line: 1, specifier: '../a.ts' });
  });

  it('reports separate cycles separately, and a file that imports itself', () => {
    const found = cycles({
      'a.ts': "import './b.ts';",
      'b.ts': "import './a.ts';",
      'x.ts': "import './y.ts';",
      'y.ts': "import './x.ts';",
      'self.ts': "import { me } from './self.ts';",
    });
    expect(found.map((v) => v.rule).sort()).toEqual([
      'import cycle: a.ts → b.ts → a.ts',
      'import cycle: self.ts → self.ts',
      'import cycle: x.ts → y.ts → x.ts',
    ]);
  });

  it('ignores type-only imports and exports (erased), but counts `import { type X }` (kept under verbatimModuleSyntax)', () => {
    expect(cycles({
      'a.ts': "import type { B } from './b.ts';\nexport type { B2 } from './b.ts';",
      'b.ts': "import { a } from './a.ts';",
    })).toEqual([]);
    expect(cycles({
      'a.ts': "import { type B } from './b.ts';",
      'b.ts': "import { a } from './a.ts';",
    })).toHaveLength(1);
  });

  it('ignores packages, imports of files outside the set, and import-looking text in comments and strings', () => {
    expect(cycles({
      'a.ts': "import { z } from 'zod';\nimport './missing.ts';\n// import './b.ts';\nconst s = \"import('./b.ts')\";",
      'b.ts': "import './a.ts';",
    })).toEqual([]);
  });

  it('resolves a folder to its index.ts and .js specifiers to .ts files', () => {
    expect(cycles({
      'a.ts': "import { v } from './vpsie';",
      'vpsie/index.ts': "export { a } from '../a.js';",
    }).map((v) => v.rule)).toEqual(['import cycle: a.ts → vpsie/index.ts → a.ts']);
  });

  it('finds nothing in a tree without cycles', () => {
    expect(cycles({
      'bin.ts': "import { run } from './cli.ts';",
      'cli.ts': "import { start } from './main.ts';\nconst lazy = () => import('./config.ts');",
      'main.ts': "import { c } from './config.ts';",
      'config.ts': '',
    })).toEqual([]);
  });
});
