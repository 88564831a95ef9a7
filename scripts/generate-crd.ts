// Writes the NodeGroup CRD generated from the zod schema; `--check` exits 1 if the file is stale.
import { readFile, writeFile, mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CRD_FILE, renderNodeGroupCrd } from '../shared/crd.ts';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const file = join(root, CRD_FILE);
const text = renderNodeGroupCrd();

if (process.argv.includes('--check')) {
  const current = await readFile(file, 'utf8').catch(() => '');
  if (current !== text) {
    process.stderr.write(`${CRD_FILE} is out of date: run npx tsx scripts/generate-crd.ts\n`);
    process.exit(1);
  }
  process.stdout.write(`${CRD_FILE} is up to date\n`);
} else {
  await mkdir(dirname(file), { recursive: true });
  await writeFile(file, text);
  process.stdout.write(`wrote ${CRD_FILE}\n`);
}
