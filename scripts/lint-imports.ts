// `npm run lint`: checks every .ts file's imports against the architecture's rules (import-rules.ts)
// and forbids import cycles across them (import-cycles.ts). Prints each violation as file:line and
// exits 1 if there is any.
import { readdir, readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { findImportCycles, runtimeImports, type ImportEdge } from './import-cycles.ts';
import { checkImports, formatViolation, projectPath, type Violation } from './import-rules.ts';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const SKIP = new Set(['node_modules', 'dist', '.git', '.serverless', 'coverage', '.vpsie-autoscaler']);

async function* typeScriptFiles(dir: string): AsyncGenerator<string> {
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    if (SKIP.has(entry.name)) continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) yield* typeScriptFiles(path);
    else if (entry.isFile() && entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts')) yield path;
  }
}

const sources = new Map<string, string>();
for await (const path of typeScriptFiles(ROOT)) sources.set(projectPath(ROOT, path), await readFile(path, 'utf8'));
const files = sources.size;
const violations: Violation[] = [];
const graph = new Map<string, ImportEdge[]>();
for (const [file, source] of sources) {
  violations.push(...checkImports(file, source));
  graph.set(file, runtimeImports(file, source, (target) => sources.has(target)));
}
violations.push(...findImportCycles(graph));
for (const v of violations) process.stderr.write(`${formatViolation(v)}\n`);
process.stdout.write(`lint: ${files} files checked, ${violations.length} import violation${violations.length === 1 ? '' : 's'}\n`);
process.exitCode = violations.length > 0 ? 1 : 0;
