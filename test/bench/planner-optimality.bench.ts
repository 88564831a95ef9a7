import { plan } from '../../functions/planning/plan.ts';
import { buildSnapshot, emptyState, NO_RESERVATIONS, nodeGroup, offering, pendingPods, shape, testPolicy } from '../fixtures/planning-builders.ts';

// How far the scale-up's choice is from the cheapest possible on small mixed workloads: random
// cases (2–3 offerings, 2–3 pod shapes, up to 12 pods, one group), the optimum by exhaustive search
// over node counts per offering with an exact bin-packing check. Prints the share of cases solved
// optimally, the mean and the worst cost ratio. (Uniform pods are always optimal: tested in
// functions/planning/scale-up.property.test.ts.)

const say = (line: string) => process.stderr.write(`planner optimality: ${line}\n`);

function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Pod { cpu: number; memMiB: number }
interface Off { cpu: number; memGiB: number; price: number }

/** Exact: can these pods be packed onto these nodes? (DFS, identical bins deduplicated.) */
function packs(pods: Pod[], nodes: Off[]): boolean {
  const bins = nodes.map((n) => ({ cpu: n.cpu * 1000, mem: n.memGiB * 1024 }));
  const order = [...pods].sort((a, b) => b.cpu - a.cpu || b.memMiB - a.memMiB);
  const dfs = (j: number): boolean => {
    if (j === order.length) return true;
    const p = order[j]!;
    const seen = new Set<string>();
    for (const b of bins) {
      const key = `${b.cpu},${b.mem}`;
      if (seen.has(key) || b.cpu < p.cpu || b.mem < p.memMiB) continue;
      seen.add(key);
      b.cpu -= p.cpu;
      b.mem -= p.memMiB;
      const ok = dfs(j + 1);
      b.cpu += p.cpu;
      b.mem += p.memMiB;
      if (ok) return true;
    }
    return false;
  };
  return dfs(0);
}

function optimum(pods: Pod[], offs: Off[]): number {
  let best = Infinity;
  const counts = offs.map(() => 0);
  const visit = (i: number): void => {
    if (i === offs.length) {
      const cost = counts.reduce((s, k, j) => s + k * offs[j]!.price, 0);
      if (cost < best && packs(pods, counts.flatMap((k, j) => Array<Off>(k).fill(offs[j]!)))) best = cost;
      return;
    }
    for (let k = 0; k <= pods.length; k++) {
      counts[i] = k;
      visit(i + 1);
    }
    counts[i] = 0;
  };
  visit(0);
  return best;
}

export async function run(): Promise<{ name: string; value: number; unit: string }[]> {
  const rnd = random(7);
  const int = (lo: number, hi: number) => lo + Math.floor(rnd() * (hi - lo + 1));
  const ratios: number[] = [];
  for (let trial = 0; trial < 300; trial++) {
    const offs: Off[] = Array.from({ length: int(2, 3) }, () => ({ cpu: int(1, 8), memGiB: int(1, 16), price: int(1, 40) }));
    const shapes = Array.from({ length: int(2, 3) }, () => ({ cpu: int(1, 30) * 100, memMiB: int(1, 40) * 256, count: int(1, 4) }));
    const pods = shapes.flatMap((s) => Array<Pod>(s.count).fill(s));
    if (!pods.every((p) => offs.some((o) => o.cpu * 1000 >= p.cpu && o.memGiB * 1024 >= p.memMiB))) continue;
    const best = optimum(pods, offs);
    const snapshot = buildSnapshot({
      offerings: offs.map((o, i) => offering(`o${i}`, o.cpu, o.memGiB * 1024, o.price)),
      groups: [nodeGroup('g', { offeringIDs: offs.map((_, i) => `o${i}`), kubelet: NO_RESERVATIONS })],
      pods: shapes.flatMap((s, i) => pendingPods(`s${i}`, shape({ cpu: `${s.cpu}m`, memory: `${s.memMiB}Mi` }), s.count)),
    });
    const result = plan(snapshot, emptyState(), testPolicy(), 1_000_000);
    if (result.unschedulable.length === 0) ratios.push(result.monthlyCostDelta / best);
  }
  const optimal = ratios.filter((r) => r <= 1 + 1e-9).length;
  const mean = ratios.reduce((s, r) => s + r, 0) / ratios.length;
  const worst = Math.max(...ratios);
  say(`${ratios.length} small mixed cases: ${optimal} optimal (${Math.round((100 * optimal) / ratios.length)} %), mean cost ratio ${mean.toFixed(3)}, worst ${worst.toFixed(2)}`);
  return [
    { name: 'planner optimal share (small mixed)', value: Math.round((1000 * optimal) / ratios.length) / 10, unit: '%' },
    { name: 'planner mean cost ratio (small mixed)', value: Math.round(mean * 1000) / 1000, unit: 'x' },
    { name: 'planner worst cost ratio (small mixed)', value: Math.round(worst * 100) / 100, unit: 'x' },
  ];
}
