// `npm run build [functions|forwarder]`: esbuild bundles of the two deployables into dist/
// (definitions in bundles.ts).
import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { BUNDLES, buildBundle, largestInputs, ROOT } from './bundles.ts';

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
  const { bytes, metafile } = await buildBundle(bundle.name, outfile);
  const ms = Math.round(performance.now() - started);
  process.stdout.write(`build: ${bundle.outfile} ${(bytes / 1024).toFixed(1)} KiB (${ms} ms)\n        largest: ${largestInputs(metafile).join(', ')}\n`);
}
