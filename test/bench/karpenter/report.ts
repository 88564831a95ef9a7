import type { Burst } from './bursts.ts';
import type { RunResult } from './measure.ts';
import type { Optimum } from './optimum.ts';

// The issue's table (the first run of each burst and system), the same-fleet check over every run,
// and the figures test/bench/run.ts judges (targets of issue #22, for this project only).

/** As test/bench/run.ts reads it: `target` an upper bound unless atLeast/atMost says otherwise. */
export interface Figure { name: string; value: number; unit: string; target?: number; ok?: boolean; atLeast?: boolean; atMost?: boolean }

type Results = Map<string, Map<string, RunResult[]>>;
const OURS = 'this project';
const KARPENTER = 'Karpenter';

const s = (v: number | undefined, digits = 1) => (v === undefined || Number.isNaN(v) ? '—' : v.toFixed(digits));
const vsOptimum = (r: RunResult, o: Optimum) => ((r.pricePerHour / o.pricePerHour - 1) * 100);

export function printTable(bursts: Burst[], optimum: Map<string, Optimum>, results: Results, say: (line: string) => void): void {
  const header = '| burst | system | first create s | all Running s | nodes | fleet $/h | vs optimum | scale-down s | RSS MiB | CPU s |';
  const lines = [header, '|---|---|---|---|---|---|---|---|---|---|'];
  for (const burst of bursts) {
    const o = optimum.get(burst.name)!;
    lines.push(`| ${burst.name} | exact optimum | | | ${o.nodes} | ${o.pricePerHour.toFixed(3)} | 0 % | | | |`);
    for (const [system, perBurst] of results) {
      const r = perBurst.get(burst.name)?.[0];
      if (!r) {
        lines.push(`| ${burst.name} | ${system} | failed | | | | | | | |`);
        continue;
      }
      const down = r.scaleDownS === undefined ? `not finished: ${r.nodesLeftAfterScaleDown} left` : `${s(r.scaleDownS)} for ${r.nodes} nodes`;
      lines.push(`| ${burst.name} | ${system} | ${s(r.firstCreateS)} | ${s(r.allRunningS)} | ${r.nodes} | ${r.pricePerHour.toFixed(3)} | ${vsOptimum(r, o) >= 0 ? '+' : ''}${s(vsOptimum(r, o))} % | ${down} | ${s(r.peakRssMiB, 0)} | ${s(r.cpuSeconds)} |`);
    }
  }
  lines.push('', 'same fleet over every run (fleet fingerprints):');
  for (const burst of bursts) {
    for (const [system, perBurst] of results) {
      const runs = perBurst.get(burst.name) ?? [];
      const distinct = new Set(runs.map((r) => r.fingerprint)).size;
      lines.push(`  ${burst.name} ${system}: ${distinct === 1 && runs.length > 1 ? 'same' : `${distinct} different`} over ${runs.length} runs`);
      runs.forEach((r, i) => lines.push(`    run ${i + 1}: ${r.fingerprint}  $${r.pricePerHour.toFixed(3)}/h${r.abortedDrains === undefined ? '' : `, aborted drains so far ${r.abortedDrains}`}, scale-down ${r.scaleDownS === undefined ? `not finished (${r.nodesLeftAfterScaleDown} left)` : `${s(r.scaleDownS)} s`}${r.notes.length > 0 ? `; ${r.notes.join(', ')}` : ''}`));
    }
  }
  process.stdout.write(`\n${lines.join('\n')}\n\n`);
  say('table printed');
}

export function targetFigures(bursts: Burst[], optimum: Map<string, Optimum>, results: Results): Figure[] {
  const figures: Figure[] = [];
  const atMost = (name: string, value: number, unit: string, target: number): Figure => ({ name, value: Number(value.toFixed(2)), unit, target, atMost: true, ok: value <= target });
  for (const burst of bursts) {
    const o = optimum.get(burst.name)!;
    const ours = results.get(OURS)?.get(burst.name) ?? [];
    const theirs = results.get(KARPENTER)?.get(burst.name) ?? [];
    const first = ours[0];
    if (!first) {
      if (results.has(OURS)) figures.push({ name: `${burst.name}: this project ran`, value: 0, unit: 'runs', target: 1, atLeast: true, ok: false });
      continue;
    }
    // Judged on the worst run, not the first: a target met once in three is not met.
    const worst = (f: (r: (typeof ours)[number]) => number) => Math.max(...ours.map(f));
    figures.push(atMost(`${burst.name}: cost vs optimum (worst run)`, worst((r) => vsOptimum(r, o)), '%', 5));
    if (theirs[0]) figures.push(atMost(`${burst.name}: nodes / Karpenter's (worst run)`, worst((r) => r.nodes) / theirs[0].nodes, 'x', 1.5));
    figures.push(atMost(`${burst.name}: distinct fleets over ${ours.length} runs`, new Set(ours.map((r) => r.fingerprint)).size, 'fleets', 1));
    figures.push(atMost(`${burst.name}: first create (worst run)`, worst((r) => r.firstCreateS ?? Number.POSITIVE_INFINITY), 's', 2));
    figures.push(atMost(`${burst.name}: nodes left after scale-down (worst run)`, Math.max(...ours.map((r) => r.nodesLeftAfterScaleDown)), 'nodes', 0));
    figures.push(atMost(`${burst.name}: aborted drains`, Math.max(...ours.map((r) => r.abortedDrains ?? 0)), 'drains', 0));
    if (first.scaleDownS !== undefined) figures.push({ name: `${burst.name}: scale-down this project`, value: first.scaleDownS, unit: 's' });
    if (theirs[0]?.scaleDownS !== undefined) figures.push({ name: `${burst.name}: scale-down Karpenter`, value: theirs[0].scaleDownS, unit: 's' });
  }
  return figures;
}
