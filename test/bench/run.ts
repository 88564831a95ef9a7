import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

// `npm run bench`: imports every test/bench/*.bench.ts and awaits its `run()`. A bench prints its own
// progress; figures it returns ({ name, value, unit, target?, ok? }[]) are summarised at the end.
// Exit code 1 when a figure misses its target (benchmarks print figures; tests never time things).

/** `target` is an upper bound (<) unless `atLeast` (≥) or `atMost` (≤) says otherwise. */
interface Figure { name: string; value: number; unit: string; target?: number; ok?: boolean; atLeast?: boolean; atMost?: boolean }

const dir = import.meta.dirname;
const only = process.argv.slice(2);
// Benches in sub-folders are listed here: karpenter/ builds Karpenter from Go modules (docs/benchmark-karpenter.md).
const SUBFOLDER_BENCHES = ['karpenter/karpenter.bench.ts'];
const files = [...readdirSync(dir), ...SUBFOLDER_BENCHES].filter((f) => f.endsWith('.bench.ts') && (only.length === 0 || only.some((o) => f.includes(o)))).sort();
const figures: Figure[] = [];
for (const file of files) {
  const mod = (await import(pathToFileURL(join(dir, file)).href)) as { run?: () => Promise<unknown> };
  if (typeof mod.run !== 'function') {
    process.stderr.write(`bench: ${file} exports no run()\n`);
    process.exitCode = 1;
    continue;
  }
  const result = await mod.run();
  if (Array.isArray(result)) figures.push(...(result as Figure[]));
}
if (figures.length > 0) {
  const width = Math.max(...figures.map((f) => f.name.length));
  process.stdout.write('\nbenchmark figures\n');
  for (const f of figures) {
    const bound = f.atLeast ? '>=' : f.atMost ? '<=' : '<';
    const target = f.target === undefined ? '' : `  target ${bound} ${f.target} ${f.unit}  ${f.ok ? 'ok' : 'MISSED'}`;
    process.stdout.write(`  ${f.name.padEnd(width)}  ${String(f.value).padStart(9)} ${f.unit}${target}\n`);
  }
  if (figures.some((f) => f.ok === false)) process.exitCode = 1;
}
