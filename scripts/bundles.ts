// The two deployables' esbuild bundles, defined once: `npm run build` writes them to dist/, and the
// forwarder benchmark measures the same bundle the image runs.
//   functions/lambda.ts → dist/functions/lambda.mjs   (AWS Lambda, Node 20)
//   forwarder/bin.ts    → dist/forwarder/main.mjs     (the in-cluster agent's image; bin.ts runs the CLI)
// ESM, minified, with source maps; a banner defines `require` (and __filename/__dirname) because
// some CommonJS dependencies call them and an ESM bundle has neither.
import { build, type Metafile } from 'esbuild';
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');

export const BUNDLES = [
  { name: 'functions', entry: 'functions/lambda.ts', outfile: 'dist/functions/lambda.mjs' },
  { name: 'forwarder', entry: 'forwarder/bin.ts', outfile: 'dist/forwarder/main.mjs' },
] as const;

export type BundleName = (typeof BUNDLES)[number]['name'];

const BANNER = [
  "import { createRequire as __vpsieCreateRequire } from 'node:module';",
  "import { fileURLToPath as __vpsieFileURLToPath } from 'node:url';",
  "import { dirname as __vpsieDirname } from 'node:path';",
  'const require = __vpsieCreateRequire(import.meta.url);',
  'const __filename = __vpsieFileURLToPath(import.meta.url);',
  'const __dirname = __vpsieDirname(__filename);',
].join('\n');

export class BundleError extends Error {
  override name = 'BundleError';
}

/** Builds one bundle into `outfile` (absolute; default: its place under dist/). */
export async function buildBundle(name: BundleName, outfile?: string): Promise<{ outfile: string; bytes: number; metafile: Metafile }> {
  const bundle = BUNDLES.find((b) => b.name === name)!;
  const target = outfile ?? join(ROOT, bundle.outfile);
  const result = await build({
    entryPoints: [join(ROOT, bundle.entry)],
    outfile: target,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'esm',
    minify: true,
    sourcemap: 'linked',
    // IMPORTANT: ASCII only. One character beyond Latin-1 anywhere in the file makes V8 keep the whole
    // source as UTF-16: twice the memory (+1.1 MiB for the forwarder, measured). esbuild escapes
    // strings and identifiers but leaves regular-expression literals alone, hence assertAscii (stricter
    // than Latin-1, and simpler to keep).
    charset: 'ascii',
    // Keep class and function names: errors are told apart by `name` in logs, and the forwarder's
    // stack traces stay readable without --enable-source-maps (which costs ~14 MiB of RSS).
    keepNames: true,
    legalComments: 'none',
    banner: { js: BANNER },
    metafile: true,
    logLevel: 'warning',
    absWorkingDir: ROOT,
  });
  const code = await readFile(target);
  assertAscii(name, code);
  return { outfile: target, bytes: code.length, metafile: result.metafile };
}

/** Throws, showing where, if the bundle holds a byte beyond ASCII. */
export function assertAscii(name: string, code: Uint8Array): void {
  const offset = code.findIndex((byte) => byte > 0x7f);
  if (offset < 0) return;
  const around = Buffer.from(code.subarray(Math.max(0, offset - 40), offset + 20)).toString('utf8');
  throw new BundleError(`${name} bundle: non-ASCII character at byte ${offset}, which makes V8 keep the source as UTF-16 (write it as a \\u escape in the source): ...${around}...`);
}

/** Bytes in the output per package (or "(project)"), largest first. */
export function largestInputs(metafile: Metafile, count = 6): string[] {
  const output = Object.values(metafile.outputs).find((o) => o.entryPoint !== undefined);
  const byPackage = new Map<string, number>();
  for (const [path, { bytesInOutput }] of Object.entries(output?.inputs ?? {})) {
    const match = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(path);
    const key = match?.[1] ?? '(project)';
    byPackage.set(key, (byPackage.get(key) ?? 0) + bytesInOutput);
  }
  return [...byPackage.entries()].sort((a, b) => b[1] - a[1]).slice(0, count).map(([pkg, bytes]) => `${pkg} ${(bytes / 1024).toFixed(1)} KiB`);
}
