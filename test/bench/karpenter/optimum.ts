// The exact cheapest fleet for a burst on a catalogue, written from the problem statement and sharing
// no code with the planner (functions/planning/): pods come in classes of identical requests; a node
// of a plan holds a "pattern" (how many pods of each class) when their CPU, memory and pod count fit
// its allocatable. The cheapest fleet is a min-cost cover of the class counts by patterns, found by
// dynamic programming over the remaining counts:
//   cost(n) = min over patterns p of price(p) + cost(max(0, n − p)),   cost(0) = 0.
// Only maximal patterns are needed (adding a pod to a node never costs more), and a pattern is dropped
// when another is at least as large in every class and no dearer. Exact, not a bound.

export interface PodClass { cpuMillis: number; memoryMiB: number; count: number }
export interface NodePlan { nickname: string; cpuMillis: number; memoryMiB: number; maxPods: number; pricePerHour: number }
export interface Optimum { pricePerHour: number; nodes: number; fleet: Record<string, number>; patterns: number; states: number }

interface Pattern { counts: number[]; price: number; plan: string }

function maximalPatterns(classes: PodClass[], plan: NodePlan): Pattern[] {
  const out: Pattern[] = [];
  const counts = classes.map(() => 0);
  const fits = (k: number, cpu: number, mem: number, pods: number) =>
    counts[k]! < classes[k]!.count && pods + 1 <= plan.maxPods && cpu + classes[k]!.cpuMillis <= plan.cpuMillis && mem + classes[k]!.memoryMiB <= plan.memoryMiB;
  const visit = (k: number, cpu: number, mem: number, pods: number): void => {
    if (k === classes.length) {
      if (pods > 0 && classes.every((_, j) => !fits(j, cpu, mem, pods))) out.push({ counts: [...counts], price: plan.pricePerHour, plan: plan.nickname });
      return;
    }
    const c = classes[k]!;
    for (let m = 0; m <= c.count; m++) {
      const cpuM = cpu + m * c.cpuMillis;
      const memM = mem + m * c.memoryMiB;
      if (pods + m > plan.maxPods || cpuM > plan.cpuMillis || memM > plan.memoryMiB) break;
      counts[k] = m;
      visit(k + 1, cpuM, memM, pods + m);
    }
    counts[k] = 0;
  };
  visit(0, 0, 0, 0);
  return out;
}

function prune(patterns: Pattern[]): Pattern[] {
  // Cheapest first, then larger first: a kept pattern can only be dominated by one kept before it.
  const sorted = [...patterns].sort((a, b) => a.price - b.price || b.counts.reduce((s, x) => s + x, 0) - a.counts.reduce((s, x) => s + x, 0));
  const kept: Pattern[] = [];
  for (const p of sorted) {
    if (!kept.some((q) => q.price <= p.price && q.counts.every((x, k) => x >= p.counts[k]!))) kept.push(p);
  }
  return kept;
}

export function optimumFleet(classesIn: PodClass[], plans: NodePlan[]): Optimum {
  const classes = classesIn.filter((c) => c.count > 0);
  for (const c of classes) {
    if (!plans.some((p) => p.cpuMillis >= c.cpuMillis && p.memoryMiB >= c.memoryMiB && p.maxPods >= 1)) {
      throw new Error(`no plan holds a pod of ${c.cpuMillis}m/${c.memoryMiB}Mi`);
    }
  }
  const patterns = prune(plans.flatMap((plan) => maximalPatterns(classes, plan)));
  const dims = classes.map((c) => c.count + 1);
  const strides = dims.map((_, k) => dims.slice(k + 1).reduce((a, b) => a * b, 1));
  const states = dims.reduce((a, b) => a * b, 1);
  const cost = new Float64Array(states);
  const choice = new Int32Array(states).fill(-1);
  const n = classes.map(() => 0);
  // Row-major order: every state max(0, n − p) for a non-empty p has a smaller index than n.
  for (let s = 1; s < states; s++) {
    for (let k = n.length - 1; k >= 0; k--) {
      if (++n[k]! < dims[k]!) break;
      n[k] = 0;
    }
    let best = Infinity;
    let bestP = -1;
    for (let i = 0; i < patterns.length; i++) {
      const p = patterns[i]!;
      let rest = 0;
      for (let k = 0; k < n.length; k++) {
        const left = n[k]! - p.counts[k]!;
        if (left > 0) rest += left * strides[k]!;
      }
      if (rest === s) continue; // covers none of what is left
      const c = p.price + cost[rest]!;
      if (c < best) {
        best = c;
        bestP = i;
      }
    }
    cost[s] = best;
    choice[s] = bestP;
  }
  const fleet: Record<string, number> = {};
  let s = states - 1;
  let nodes = 0;
  const left = classes.map((c) => c.count);
  while (s > 0) {
    const p = patterns[choice[s]!]!;
    fleet[p.plan] = (fleet[p.plan] ?? 0) + 1;
    nodes++;
    for (let k = 0; k < left.length; k++) left[k] = Math.max(0, left[k]! - p.counts[k]!);
    s = left.reduce((acc, x, k) => acc + x * strides[k]!, 0);
  }
  return { pricePerHour: cost[states - 1]!, nodes, fleet, patterns: patterns.length, states };
}
