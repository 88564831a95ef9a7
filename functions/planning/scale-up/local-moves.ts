import type { NodePattern, PackClass, PackGroup, PackResult, PackTemplate } from './pack.ts';

// Local improvement after the greedy search, on node patterns:
//   downsize: move one node's pods to the cheapest node (any usable template) that holds them all;
//   merge:    put the pods of two nodes on one node when that node costs less than the two.
// Both keep every pod placed, respect the groups' room and allowMixedInstances, and stop when no
// move helps or the budget (pattern pairs × templates) runs out. They repair the greedy's typical
// misses: a tail node of a small offering next to room in a larger one, two half-empty nodes.

type Pods = [number, number][];

interface Ctx {
  classes: readonly PackClass[];
  templates: readonly PackTemplate[];
  groups: readonly PackGroup[];
  /** Template indexes by price, then index (the first that holds the pods is the cheapest, ties: the lower index), and in that order their prices and rooms. */
  byPrice: Int32Array;
  prices: Float64Array;
  /** [cpu, memory, ephemeral, pods] per template in byPrice order. */
  frees: Float64Array;
}

function contextOf(classes: readonly PackClass[], templates: readonly PackTemplate[], groups: readonly PackGroup[]): Ctx {
  const byPrice = Int32Array.from(templates.map((_, t) => t).sort((a, b) => templates[a]!.priceMonthly - templates[b]!.priceMonthly || a - b));
  const prices = new Float64Array(byPrice.length);
  const frees = new Float64Array(4 * byPrice.length);
  byPrice.forEach((t, k) => {
    const { free, priceMonthly } = templates[t]!;
    prices[k] = priceMonthly;
    frees.set([free.cpuMillis, free.memoryBytes, free.ephemeralBytes, free.pods], 4 * k);
  });
  return { classes, templates, groups, byPrice, prices, frees };
}

interface Load { cpu: number; memory: number; ephemeral: number; count: number; conflicting: boolean }

/** The pods' total requests and whether two of their classes may not share a node (the same on every template). */
function loadOf(ctx: Ctx, pods: Pods): Load {
  const load = { cpu: 0, memory: 0, ephemeral: 0, count: 0, conflicting: false };
  for (const [c, n] of pods) {
    const cls = ctx.classes[c]!;
    if (cls.conflicts && pods.some(([other]) => other !== c && cls.conflicts!.has(other))) load.conflicting = true;
    load.cpu += n * cls.requests.cpuMillis;
    load.memory += n * cls.requests.memoryBytes;
    load.ephemeral += n * cls.requests.ephemeralBytes;
    load.count += n;
  }
  return load;
}

/** Whether a class of `a` may not share a node with a (different) class of `b`. */
function conflictAcross(ctx: Ctx, a: Pods, b: Pods): boolean {
  for (const [c] of a) {
    const conflicts = ctx.classes[c]!.conflicts;
    if (conflicts) for (const [other] of b) if (other !== c && conflicts.has(other)) return true;
  }
  return false;
}

/**
 * Two nodes' pods' load from each one's: what loadOf gives for them combined (requests are integers,
 * per the snapshot schema, so the sums are exact in any order).
 */
function loadOfTwo(ctx: Ctx, a: Pods, b: Pods, la: Load, lb: Load): Load {
  const conflicting = la.conflicting || lb.conflicting || conflictAcross(ctx, a, b) || conflictAcross(ctx, b, a);
  return { cpu: la.cpu + lb.cpu, memory: la.memory + lb.memory, ephemeral: la.ephemeral + lb.ephemeral, count: la.count + lb.count, conflicting };
}

/** Whether no class of the pods asks for more of them than one node of template t may hold. */
function capsHold(ctx: Ctx, t: number, pods: Pods): boolean {
  for (let i = 0; i < pods.length; i++) if (pods[i]![1] > ctx.classes[pods[i]![0]]!.capPerNode[t]!) return false;
  return true;
}

/** A node's pods by class index (kept per pods array: a pattern's pods never change). */
const byClassCache = new WeakMap<Pods, Pods>();
function byClass(pods: Pods): Pods {
  let sorted = byClassCache.get(pods);
  if (!sorted) byClassCache.set(pods, (sorted = [...pods].sort((x, y) => x[0] - y[0])));
  return sorted;
}

/** The two nodes' pods together, by class index (one entry per class): a merge of the two sorted lists. */
function combine(a: Pods, b: Pods): Pods {
  const [x, y] = [byClass(a), byClass(b)];
  const out: Pods = [];
  for (let i = 0, j = 0; i < x.length || j < y.length;) {
    const [c, n] = j >= y.length || (i < x.length && x[i]![0] <= y[j]![0]) ? x[i++]! : y[j++]!;
    const last = out[out.length - 1];
    if (last && last[0] === c) last[1] += n;
    else out.push([c, n]);
  }
  return out;
}

class Plan {
  readonly used: number[];
  /**
   * The patterns by efficiency (efficiency(): a pattern's never changes), ties in list order (new
   * patterns join the list at its end): what a stable sort of the list by efficiency gives.
   */
  private ranked: { pattern: NodePattern; score: number }[];
  constructor(private readonly ctx: Ctx, public patterns: NodePattern[]) {
    this.used = ctx.groups.map(() => 0);
    this.ranked = patterns.map((pattern) => ({ pattern, score: efficiency(ctx, pattern) })).sort((a, b) => a.score - b.score);
    for (const p of patterns) this.count(p.template, p.nodes);
  }

  /** The `most` least efficient patterns, least first, ties in list order. */
  leastEfficient(most: number): NodePattern[] {
    return this.ranked.slice(0, most).map((r) => r.pattern);
  }

  private count(t: number, nodes: number): void {
    const g = this.ctx.templates[t]!.group;
    this.used[g] = this.used[g]! + nodes;
  }

  /** Could one more node of t be added once `freed` nodes (templates) are taken away? */
  allows(t: number, freed: number[]): boolean {
    const g = this.ctx.templates[t]!.group;
    const group = this.ctx.groups[g]!;
    let releasing = 0;
    let releasingOthers = 0;
    for (const f of freed) {
      if (this.ctx.templates[f]!.group !== g) continue;
      releasing++;
      if (f !== t) releasingOthers++;
    }
    if (this.used[g]! - releasing + 1 > group.room) return false;
    if (group.allowMixedInstances) return true;
    if (group.lockedTemplate !== undefined && group.lockedTemplate !== t) return false;
    // One offering per group: every other node of the group must already be t or be the ones freed.
    let others = 0;
    for (const p of this.patterns) if (p.template !== t && this.ctx.templates[p.template]!.group === g) others += p.nodes;
    return others - releasingOthers <= 0;
  }

  /** Replaces one node of each pattern in `from` by one node of t holding `pods`. */
  apply(from: NodePattern[], t: number, pods: Pods): void {
    for (const p of from) {
      p.nodes--;
      this.count(p.template, -1);
    }
    // (Only a pattern of `from` can have run out of nodes.)
    if (from.some((p) => p.nodes === 0)) {
      this.ranked = this.ranked.filter((r) => r.pattern.nodes > 0);
      this.patterns = this.patterns.filter((p) => p.nodes > 0);
    }
    const added = { template: t, pods, nodes: 1 };
    this.patterns.push(added);
    const score = efficiency(this.ctx, added);
    // After every pattern as efficient or less (it is the last in list order).
    let at = this.ranked.length;
    while (at > 0 && this.ranked[at - 1]!.score > score) at--;
    this.ranked.splice(at, 0, { pattern: added, score });
    this.count(t, 1);
  }
}

/** The cheapest template (ties: the lower index) below `below` whose node holds the pods and that the plan allows. */
function cheapestHolder(ctx: Ctx, plan: Plan, pods: () => Pods, load: Load, freed: number[], below: number): number | undefined {
  if (load.conflicting) return undefined;
  const { byPrice, prices, frees } = ctx;
  const limit = below - 1e-9;
  for (let k = 0; k < byPrice.length && prices[k]! < limit; k++) {
    if (load.cpu > frees[4 * k]! || load.memory > frees[4 * k + 1]! || load.ephemeral > frees[4 * k + 2]! || load.count > frees[4 * k + 3]!) continue;
    const t = byPrice[k]!;
    if (capsHold(ctx, t, pods()) && plan.allows(t, freed)) return t;
  }
  return undefined;
}

export function improveLocally(result: PackResult, classes: readonly PackClass[], templates: readonly PackTemplate[], groups: readonly PackGroup[], budget: number): PackResult {
  const ctx = contextOf(classes, templates, groups);
  const plan = new Plan(ctx, result.patterns.map((p) => ({ ...p })));
  let spent = 0;
  // A pattern's load depends on its pods only, which never change.
  const loads = new Map<NodePattern, Load>();
  const loadOfPattern = (p: NodePattern): Load => {
    let load = loads.get(p);
    if (!load) loads.set(p, (load = loadOf(ctx, p.pods)));
    return load;
  };
  for (let improved = true; improved && spent < budget;) {
    improved = false;
    // Least efficient first: the likeliest to gain; bounded to keep large plans cheap.
    const candidates = plan.leastEfficient(40);
    for (const p of candidates) {
      spent += templates.length;
      const t = cheapestHolder(ctx, plan, () => p.pods, loadOfPattern(p), [p.template], templates[p.template]!.priceMonthly);
      if (t !== undefined) {
        plan.apply([p], t, p.pods);
        improved = true;
        break;
      }
    }
    if (improved) continue;
    outer: for (let i = 0; i < candidates.length; i++) {
      for (let j = i; j < candidates.length; j++) {
        const a = candidates[i]!;
        const b = candidates[j]!;
        if (a === b && a.nodes < 2) continue;
        spent += templates.length;
        if (spent > budget) break outer;
        let pods: Pods | undefined;
        const both = () => (pods ??= combine(a.pods, b.pods));
        const t = cheapestHolder(ctx, plan, both, loadOfTwo(ctx, a.pods, b.pods, loadOfPattern(a), loadOfPattern(b)), [a.template, b.template], templates[a.template]!.priceMonthly + templates[b.template]!.priceMonthly);
        if (t !== undefined) {
          plan.apply(a === b ? [a, a] : [a, b], t, both());
          improved = true;
          break outer;
        }
      }
    }
  }
  return { ...result, patterns: plan.patterns };
}

/** Share of the node's price its pods' dominant requests use: low = wasteful. */
function efficiency(ctx: Ctx, p: NodePattern): number {
  const free = ctx.templates[p.template]!.free;
  let cpu = 0;
  let memory = 0;
  for (const [c, n] of p.pods) {
    cpu += n * ctx.classes[c]!.requests.cpuMillis;
    memory += n * ctx.classes[c]!.requests.memoryBytes;
  }
  return Math.max(cpu / Math.max(1, free.cpuMillis), memory / Math.max(1, free.memoryBytes));
}
