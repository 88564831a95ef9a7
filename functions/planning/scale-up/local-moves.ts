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

/** Whether one node of template t can hold these pods (requests, pod count, per-class caps, conflicts). */
function holds(ctx: Ctx, t: number, pods: Pods, load: Load): boolean {
  if (load.conflicting) return false;
  for (const [c, n] of pods) if (n > ctx.classes[c]!.capPerNode[t]!) return false;
  const free = ctx.templates[t]!.free;
  return load.cpu <= free.cpuMillis && load.memory <= free.memoryBytes && load.ephemeral <= free.ephemeralBytes && load.count <= free.pods;
}

/** The two nodes' pods together, by class index (one entry per class). */
function combine(a: Pods, b: Pods): Pods {
  const all = a.concat(b).sort((x, y) => x[0] - y[0]);
  const out: Pods = [];
  for (const [c, n] of all) {
    const last = out[out.length - 1];
    if (last && last[0] === c) last[1] += n;
    else out.push([c, n]);
  }
  return out;
}

class Plan {
  readonly used: number[];
  readonly offerings: Map<number, Set<number>>;
  constructor(private readonly ctx: Ctx, public patterns: NodePattern[]) {
    this.used = ctx.groups.map(() => 0);
    this.offerings = new Map();
    for (const p of patterns) this.count(p.template, p.nodes);
  }

  private count(t: number, nodes: number): void {
    const g = this.ctx.templates[t]!.group;
    this.used[g] = this.used[g]! + nodes;
    const set = this.offerings.get(g) ?? new Set<number>();
    if (nodes > 0) set.add(t);
    this.offerings.set(g, set);
  }

  /** Could one more node of t be added once `freed` nodes (templates) are taken away? */
  allows(t: number, freed: number[]): boolean {
    const g = this.ctx.templates[t]!.group;
    const group = this.ctx.groups[g]!;
    const releasing = freed.filter((f) => this.ctx.templates[f]!.group === g).length;
    if (this.used[g]! - releasing + 1 > group.room) return false;
    if (group.allowMixedInstances) return true;
    if (group.lockedTemplate !== undefined && group.lockedTemplate !== t) return false;
    // One offering per group: every other node of the group must already be t or be the ones freed.
    const others = this.patterns.filter((p) => this.ctx.templates[p.template]!.group === g && p.template !== t);
    const remaining = others.reduce((s, p) => s + p.nodes, 0) - freed.filter((f) => f !== t && this.ctx.templates[f]!.group === g).length;
    return remaining <= 0;
  }

  /** Replaces one node of each pattern in `from` by one node of t holding `pods`. */
  apply(from: NodePattern[], t: number, pods: Pods): void {
    for (const p of from) {
      p.nodes--;
      this.count(p.template, -1);
    }
    this.patterns = this.patterns.filter((p) => p.nodes > 0);
    this.patterns.push({ template: t, pods, nodes: 1 });
    this.count(t, 1);
  }
}

function cheapestHolder(ctx: Ctx, plan: Plan, pods: Pods, freed: number[], below: number): number | undefined {
  let best: number | undefined;
  let load: Load | undefined;
  for (let t = 0; t < ctx.templates.length; t++) {
    const price = ctx.templates[t]!.priceMonthly;
    if (price >= below - 1e-9 || (best !== undefined && price >= ctx.templates[best]!.priceMonthly)) continue;
    load ??= loadOf(ctx, pods);
    if (holds(ctx, t, pods, load) && plan.allows(t, freed)) best = t;
  }
  return best;
}

export function improveLocally(result: PackResult, classes: readonly PackClass[], templates: readonly PackTemplate[], groups: readonly PackGroup[], budget: number): PackResult {
  const ctx: Ctx = { classes, templates, groups };
  const plan = new Plan(ctx, result.patterns.map((p) => ({ ...p })));
  let spent = 0;
  // A pattern's efficiency depends on its template and pods only, which never change.
  const known = new Map<NodePattern, number>();
  for (let improved = true; improved && spent < budget;) {
    improved = false;
    // Least efficient first: the likeliest to gain; bounded to keep large plans cheap.
    const candidates = leastEfficient(plan.patterns, (p) => efficiencyOf(ctx, p, known), 40);
    for (const p of candidates) {
      spent += templates.length;
      const t = cheapestHolder(ctx, plan, p.pods, [p.template], templates[p.template]!.priceMonthly);
      if (t !== undefined) {
        plan.apply([p], t, p.pods);
        improved = true;
        break;
      }
    }
    if (improved) continue;
    outer: for (let i = 0; i < candidates.length; i++) {
      for (let j = i; j < candidates.length; j++) {
        const [a, b] = [candidates[i]!, candidates[j]!];
        if (a === b && a.nodes < 2) continue;
        spent += templates.length;
        if (spent > budget) break outer;
        const pods = combine(a.pods, b.pods);
        const t = cheapestHolder(ctx, plan, pods, [a.template, b.template], templates[a.template]!.priceMonthly + templates[b.template]!.priceMonthly);
        if (t !== undefined) {
          plan.apply(a === b ? [a, a] : [a, b], t, pods);
          improved = true;
          break outer;
        }
      }
    }
  }
  return { ...result, patterns: plan.patterns };
}

function efficiencyOf(ctx: Ctx, p: NodePattern, known: Map<NodePattern, number>): number {
  let score = known.get(p);
  if (score === undefined) known.set(p, (score = efficiency(ctx, p)));
  return score;
}

/** The `most` lowest-scored patterns, lowest first, ties in list order (what a stable sort and slice give). */
function leastEfficient(patterns: readonly NodePattern[], score: (p: NodePattern) => number, most: number): NodePattern[] {
  const chosen: NodePattern[] = [];
  const scores: number[] = [];
  for (const p of patterns) {
    const s = score(p);
    if (chosen.length === most && s >= scores[most - 1]!) continue;
    let at = chosen.length;
    while (at > 0 && scores[at - 1]! > s) at--;
    chosen.splice(at, 0, p);
    scores.splice(at, 0, s);
    if (chosen.length > most) { chosen.pop(); scores.pop(); }
  }
  return chosen;
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
