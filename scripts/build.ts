// `npm run build`: esbuild bundles of the two deployables.
//   functions/lambda.ts → dist/functions/lambda.mjs   (AWS Lambda, Node 20)
//   forwarder/main.ts   → dist/forwarder/main.mjs     (the in-cluster agent's image)
// ESM, minified, with source maps; a banner defines `require` (and __filename/__dirname) because
// some CommonJS dependencies call them and an ESM bundle has neither.
import { build, type Metafile } from 'esbuild';
import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');

const BUNDLES = [
  { name: 'functions', entry: 'functions/lambda.ts', outfile: 'dist/functions/lambda.mjs' },
  { name: 'forwarder', entry: 'forwarder/main.ts', outfile: 'dist/forwarder/main.mjs' },
] as const;

const BANNER = [
  "import { createRequire as __vpsieCreateRequire } from 'node:module';",
  "import { fileURLToPath as __vpsieFileURLToPath } from 'node:url';",
  "import { dirname as __vpsieDirname } from 'node:path';",
  'const require = __vpsieCreateRequire(import.meta.url);',
  'const __filename = __vpsieFileURLToPath(import.meta.url);',
  'const __dirname = __vpsieDirname(__filename);',
].join('\n');

const kib = (bytes: number) => `${(bytes / 1024).toFixed(1)} KiB`;

/** Bytes in the output per package (or "(project)"), largest first. */
function largestInputs(metafile: Metafile, outfile: string, count = 6): string[] {
  const output = metafile.outputs[outfile];
  const byPackage = new Map<string, number>();
  for (const [path, { bytesInOutput }] of Object.entries(output?.inputs ?? {})) {
    const match = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(path);
    const key = match?.[1] ?? '(project)';
    byPackage.set(key, (byPackage.get(key) ?? 0) + bytesInOutput);
  }
  return [...byPackage.entries()].sort((a, b) => b[1] - a[1]).slice(0, count).map(([name, bytes]) => `${name} ${kib(bytes)}`);
}

const only = process.argv.slice(2).filter((a) => !a.startsWith('-'));
const selected = BUNDLES.filter((b) => only.length === 0 || only.includes(b.name));
if (selected.length === 0) {
  process.stderr.write(`build: unknown bundle ${only.join(', ')}; choose from ${BUNDLES.map((b) => b.name).join(', ')}\n`);
  process.exit(2);
}
const missing = selected.filter((b) => !existsSync(join(ROOT, b.entry)));
if (missing.length > 0) {
  for (const b of missing) process.stderr.write(`build: entry ${b.entry} (${b.name}) does not exist\n`);
  process.exit(1);
}

for (const bundle of selected) {
  const outfile = join(ROOT, bundle.outfile);
  await rm(dirname(outfile), { recursive: true, force: true });
  const started = performance.now();
  const result = await build({
    entryPoints: [join(ROOT, bundle.entry)],
    outfile,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'esm',
    minify: true,
    sourcemap: 'linked',
    // Keep class and function names: errors are told apart by `name` in logs.
    keepNames: true,
    legalComments: 'none',
    banner: { js: BANNER },
    metafile: true,
    logLevel: 'warning',
    absWorkingDir: ROOT,
  });
  const key = bundle.outfile;
  const bytes = result.metafile.outputs[key]?.bytes ?? 0;
  const ms = Math.round(performance.now() - started);
  process.stdout.write(`build: ${bundle.outfile} ${kib(bytes)} (${ms} ms)\n        largest: ${largestInputs(result.metafile, key).join(', ')}\n`);
}
