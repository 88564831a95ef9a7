import os from 'node:os';
import { plan } from '../../functions/planning/plan.ts';
import { configurationBound, exactFleet, integerCapacityBound } from './configuration-bound.ts';
import { buildSnapshot, emptyState, NO_RESERVATIONS, nodeGroup, offering, pendingPods, shape, testPolicy } from '../fixtures/planning-builders.ts';

// How far the scale-up's choice is from the cheapest possible, through the whole plan():
//   small mixed: random cases (2–3 offerings, 2–3 pod shapes, up to 12 pods, one group, mixed
//     instances on or off), the optimum by exhaustive search over node counts per offering (with
//     mixing off: one offering at a time) and an exact bin-packing check by DFS;
//   single type: one offering only, 2–4 shapes, up to 16 pods — the optimum by the same oracle;
//   medium: 50–200 pods of 3–6 shapes on 3–5 offerings, against lower bounds: the
//     configuration LP (configuration-bound.ts: node patterns of whole pods, column generation,
//     HiGHS), the one the target is about, and, for comparison, the linear relaxation over total
//     CPU and memory (fractional nodes of fractional pods, lpBound, much weaker). The integer
//     optimum over the generated patterns (a real fleet) is an upper reference: the true optimum
//     lies between the configuration bound and it.
// The oracles are written here, from the problem statement, and share no code with the planner.

/** Ratio to the LP/capacity bounds above which the bench proves the optimum (exactFleet). */
const EXACT_ABOVE = 1.015;

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
interface Shape extends Pod { count: number }

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

/** Cheapest multiset of nodes of `offs` that holds `pods`: every count vector, cheapest first check. */
function optimum(pods: Pod[], offs: Off[]): number {
  let best = Infinity;
  const counts = offs.map(() => 0);
  const visit = (i: number, cost: number): void => {
    if (cost >= best) return;
    if (i === offs.length) {
      if (packs(pods, counts.flatMap((k, j) => Array<Off>(k).fill(offs[j]!)))) best = cost;
      return;
    }
    for (let k = 0; k <= pods.length; k++) {
      counts[i] = k;
      visit(i + 1, cost + k * offs[i]!.price);
    }
    counts[i] = 0;
  };
  visit(0, 0);
  return best;
}

function planCost(offs: Off[], shapes: Shape[], allowMixedInstances: boolean): number | undefined {
  const snapshot = buildSnapshot({
    offerings: offs.map((o, i) => offering(`o${i}`, o.cpu, o.memGiB * 1024, o.price)),
    groups: [nodeGroup('g', { offeringIDs: offs.map((_, i) => `o${i}`), kubelet: NO_RESERVATIONS, allowMixedInstances, maxNodes: 1000, nodeOverhead: { monthlyCost: 0 } })],
    pods: shapes.flatMap((s, i) => pendingPods(`s${i}`, shape({ cpu: `${s.cpu}m`, memory: `${s.memMiB}Mi` }), s.count)),
  });
  // Prices only: no per-node overhead weight (spec.nodeOverhead) and no fewer-nodes trade-off
  // (policy.fewerNodesTolerancePercent), which both deliberately pay a little for fewer nodes.
  const result = plan(snapshot, emptyState(), testPolicy({ fewerNodesTolerancePercent: 0 }), 1_000_000);
  return result.unschedulable.length === 0 ? result.monthlyCostDelta : undefined;
}

/**
 * Lower bound: the linear relaxation min Σ x_o·price_o with Σ x_o·cpu_o ≥ Σ cpu and Σ x_o·mem_o ≥ Σ mem,
 * x ≥ 0 (fractional nodes). With two constraints an optimal vertex uses one or two offerings, so the
 * minimum over those is the LP optimum.
 */
function lpBound(pods: Pod[], offs: Off[]): number {
  const C = pods.reduce((s, p) => s + p.cpu, 0);
  const M = pods.reduce((s, p) => s + p.memMiB, 0);
  const cpu = (o: Off) => o.cpu * 1000;
  const mem = (o: Off) => o.memGiB * 1024;
  let best = Math.min(...offs.map((o) => Math.max(C / cpu(o), M / mem(o)) * o.price));
  for (const a of offs) {
    for (const b of offs) {
      const det = cpu(a) * mem(b) - cpu(b) * mem(a);
      if (a === b || Math.abs(det) < 1e-12) continue;
      const xa = (C * mem(b) - cpu(b) * M) / det;
      const xb = (cpu(a) * M - C * mem(a)) / det;
      if (xa >= 0 && xb >= 0) best = Math.min(best, xa * a.price + xb * b.price);
    }
  }
  return best;
}

const median = (xs: number[]) => { const s = [...xs].sort((a, b) => a - b); return s.length === 0 ? 0 : s[Math.floor(s.length / 2)]!; };
const round3 = (x: number) => Math.round(x * 1000) / 1000;
const fitsSomewhere = (pods: Pod[], offs: Off[]) => pods.every((p) => offs.some((o) => o.cpu * 1000 >= p.cpu && o.memGiB * 1024 >= p.memMiB));
const expand = (shapes: Shape[]) => shapes.flatMap((s) => Array<Pod>(s.count).fill(s));

interface Tally { ratios: number[]; worst: number; worstCase?: string }
function tally(): Tally { return { ratios: [], worst: 1 }; }
function record(t: Tally, ratio: number, describe: () => string): void {
  t.ratios.push(ratio);
  if (ratio > t.worst + 1e-9) {
    t.worst = ratio;
    t.worstCase = describe();
  }
}
const optimalShare = (t: Tally) => t.ratios.filter((r) => r <= 1 + 1e-9).length / Math.max(1, t.ratios.length);

export async function run(): Promise<{ name: string; value: number; unit: string; target?: number; atLeast?: boolean; atMost?: boolean; ok?: boolean }[]> {
  const rnd = random(7);
  const int = (lo: number, hi: number) => lo + Math.floor(rnd() * (hi - lo + 1));
  const small = tally();
  const single = tally();
  const medium = tally();
  const mediumLp = tally();
  const mediumIlp = tally();
  let gapWorst = 0;
  let gapSum = 0;
  let boundMs = 0;
  let capacityWins = 0;
  let above = 0;
  let proven = 0;
  let provenOptimal = 0;
  let provenWorst = 1;
  let gapWorstSeen = 0;
  let gapCase = '';
  const mediumConfig = tally();

  const t0 = performance.now();
  for (let trial = 0; small.ratios.length < 240 && trial < 2000; trial++) {
    const offs: Off[] = Array.from({ length: int(2, 3) }, () => ({ cpu: int(1, 8), memGiB: int(1, 16), price: int(1, 40) }));
    const shapes = Array.from({ length: int(2, 3) }, () => ({ cpu: int(1, 30) * 100, memMiB: int(1, 40) * 256, count: int(1, 4) }));
    const pods = expand(shapes);
    if (!fitsSomewhere(pods, offs)) continue;
    const mixed = rnd() < 0.5;
    // Mixing off: the cheapest over the offerings taken one at a time (an offering that cannot
    // hold some pod gives Infinity).
    const best = mixed ? optimum(pods, offs) : Math.min(...offs.map((o) => (fitsSomewhere(pods, [o]) ? optimum(pods, [o]) : Infinity)));
    const cost = planCost(offs, shapes, mixed);
    if (cost !== undefined) record(small, cost / best, () => JSON.stringify({ offs, shapes, mixed, cost, best }));
  }
  for (let trial = 0; single.ratios.length < 100 && trial < 1000; trial++) {
    const off: Off = { cpu: int(2, 8), memGiB: int(2, 16), price: int(5, 40) };
    const shapes = Array.from({ length: int(2, 4) }, () => ({ cpu: int(1, 30) * 100, memMiB: int(1, 40) * 256, count: int(1, 4) }));
    const pods = expand(shapes);
    if (!fitsSomewhere(pods, [off])) continue;
    const cost = planCost([off], shapes, false);
    if (cost !== undefined) record(single, cost / optimum(pods, [off]), () => JSON.stringify({ off, shapes, cost }));
  }
  const smallMs = performance.now() - t0;

  const t1 = performance.now();
  let mediumPlanMs = 0;
  const mediumPlanTimes: number[] = [];
  const mediumPlanCpu: number[] = [];
  for (let trial = 0; medium.ratios.length < 60 && trial < 600; trial++) {
    const offs: Off[] = Array.from({ length: int(3, 5) }, () => {
      const cpu = 2 ** int(1, 4);
      return { cpu, memGiB: cpu * 2 ** int(0, 2), price: Math.round(cpu * (4 + rnd() * 4)) };
    });
    const shapeCount = int(3, 6);
    const total = int(50, 200);
    const shapes: Shape[] = Array.from({ length: shapeCount }, () => ({ cpu: int(1, 40) * 50, memMiB: int(1, 32) * 128, count: Math.max(1, Math.round(total / shapeCount)) }));
    const pods = expand(shapes);
    if (!fitsSomewhere(pods, offs)) continue;
    const lp = lpBound(pods, offs);
    const boundStarted = performance.now();
    const boundShapes = shapes.map((s) => ({ cpuMillis: s.cpu, memoryMiB: s.memMiB, count: s.count }));
    const boundOffs = offs.map((o) => ({ cpuMillis: o.cpu * 1000, memoryMiB: o.memGiB * 1024, maxPods: 110, price: o.price }));
    const config = await configurationBound(boundShapes, boundOffs, { ilp: true });
    const capacity = integerCapacityBound(boundShapes, boundOffs) ?? 0;
    boundMs += performance.now() - boundStarted;
    // Both are valid lower bounds, so their maximum is.
    let bound = Math.max(config.bound, capacity);
    if (capacity > config.bound + 1e-9) capacityWins++;
    const started = performance.now();
    const cpuStarted = process.cpuUsage();
    const cost = planCost(offs, shapes, true);
    const cpu = process.cpuUsage(cpuStarted);
    mediumPlanCpu.push((cpu.user + cpu.system) / 1000);
    const planMs = performance.now() - started;
    mediumPlanMs = Math.max(mediumPlanMs, planMs);
    mediumPlanTimes.push(planMs);
    if (cost === undefined) continue;
    const ilp = config.ilp ?? Infinity;
    // Near or above the target: is a cheaper fleet possible at all? The proven optimum (exactFleet)
    // is the tightest lower bound there is.
    if (cost / bound > EXACT_ABOVE) {
      above++;
      const exactStarted = performance.now();
      const exact = await exactFleet(boundShapes, boundOffs, Math.min(cost, ilp), { seconds: 5 });
      boundMs += performance.now() - exactStarted;
      if (exact) {
        proven++;
        bound = Math.max(bound, exact.optimum);
        if (cost <= exact.optimum + 1e-6) provenOptimal++;
        provenWorst = Math.max(provenWorst, cost / exact.optimum);
      }
    }
    record(medium, cost / bound, () => JSON.stringify({ offs, shapes, cost, bound: round3(bound), configurationLp: round3(config.bound), capacity, ilp, lpBound: round3(lp) }));
    record(mediumConfig, cost / config.bound, () => JSON.stringify({ offs, shapes, cost, configurationLp: round3(config.bound), ilp }));
    record(mediumLp, cost / lp, () => JSON.stringify({ offs, shapes, cost, lpBound: round3(lp) }));
    record(mediumIlp, cost / ilp, () => JSON.stringify({ offs, shapes, cost, ilp }));
    gapWorst = Math.max(gapWorst, ilp / bound);
    gapSum += ilp / bound;
    if (ilp / bound > gapWorstSeen) { gapWorstSeen = ilp / bound; gapCase = JSON.stringify({ offs, shapes, cost, bound: round3(bound), ilp }); }
  }
  const mediumMs = performance.now() - t1;

  const mean = (t: Tally) => t.ratios.reduce((s, r) => s + r, 0) / Math.max(1, t.ratios.length);
  say(`${small.ratios.length} small mixed cases (mixing on and off) against an exhaustive oracle: ${Math.round(1000 * optimalShare(small)) / 10} % optimal, mean ${mean(small).toFixed(4)}, worst ${small.worst.toFixed(3)} (${Math.round(smallMs)} ms with the single-type set)`);
  if (small.worstCase) say(`  worst small case: ${small.worstCase}`);
  say(`${single.ratios.length} single-type cases (one offering, 2–4 shapes): ${Math.round(1000 * optimalShare(single)) / 10} % optimal, worst ${single.worst.toFixed(3)}`);
  if (single.worstCase) say(`  worst single-type case: ${single.worstCase}`);
  say(`${medium.ratios.length} medium cases (50–200 pods, 3–6 shapes, 3–5 offerings) against the lower bound (the larger of the configuration LP and the whole-node capacity bound — the latter larger in ${capacityWins} — and, in the ${above} cases above ${EXACT_ABOVE} against those, the proven optimum where found: ${proven}, the planner optimal in ${provenOptimal}, at most ${provenWorst.toFixed(3)} × the optimum): mean ratio ${mean(medium).toFixed(3)}, worst ${medium.worst.toFixed(3)}; plan median ${Math.round(median(mediumPlanTimes))} ms wall, ${Math.round(median(mediumPlanCpu))} ms CPU (most ${Math.round(Math.max(...mediumPlanCpu))} ms CPU), slowest ${Math.round(mediumPlanMs)} ms, ${Math.round(mediumPlanTimes.reduce((a, b) => a + b, 0))} ms in all (load ${os.loadavg()[0]!.toFixed(1)}; ${Math.round(mediumMs)} ms with the bounds, ${Math.round(boundMs)} ms of it in the bounds)`);
  if (medium.worstCase) say(`  worst medium case: ${medium.worstCase}`);
  say(`  same cases against the configuration LP alone: mean ${mean(mediumConfig).toFixed(3)}, worst ${mediumConfig.worst.toFixed(3)}`);
  say(`  same cases against the CPU/memory LP bound (old, weaker): mean ${mean(mediumLp).toFixed(3)}, worst ${mediumLp.worst.toFixed(3)}`);
  say(`  same cases against the integer optimum over the generated patterns (a real fleet, upper reference): mean ${mean(mediumIlp).toFixed(3)}, worst ${mediumIlp.worst.toFixed(3)}; its gap to the bound: mean ${(gapSum / Math.max(1, medium.ratios.length)).toFixed(4)}, worst ${gapWorst.toFixed(4)}`);
  if (mediumIlp.worstCase) say(`  worst against the integer reference: ${mediumIlp.worstCase}`);
  if (gapCase) say(`  widest bound–reference gap: ${gapCase}`);
  return [
    { name: 'planner optimal share (small mixed)', value: Math.round(1000 * optimalShare(small)) / 10, unit: '%', target: 100, atLeast: true, ok: optimalShare(small) >= 1 },
    { name: 'planner worst cost ratio (small mixed)', value: Math.round(small.worst * 1000) / 1000, unit: 'x' },
    { name: 'planner optimal share (single type)', value: Math.round(1000 * optimalShare(single)) / 10, unit: '%', target: 100, atLeast: true, ok: optimalShare(single) >= 1 },
    { name: 'medium cases', value: medium.ratios.length, unit: '', target: 50, atLeast: true, ok: medium.ratios.length >= 50 },
    { name: 'planner mean ratio to lower bound (medium)', value: Math.round(mean(medium) * 1000) / 1000, unit: 'x' },
    { name: 'planner worst ratio to lower bound (medium)', value: Math.round(medium.worst * 1000) / 1000, unit: 'x', target: 1.02, atMost: true, ok: medium.worst <= 1.02 },
    { name: 'planner worst ratio to configuration LP alone (medium)', value: Math.round(mediumConfig.worst * 1000) / 1000, unit: 'x' },
    { name: 'planner worst ratio to CPU/memory LP bound (medium)', value: Math.round(mediumLp.worst * 1000) / 1000, unit: 'x' },
    { name: 'planner worst ratio to pattern ILP (medium)', value: Math.round(mediumIlp.worst * 1000) / 1000, unit: 'x' },
  ];
}
