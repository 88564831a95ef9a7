import { solveCovering, type LpColumn } from './covering-lp.ts';
import type { NodePattern, PackClass, PackGroup, PackTemplate } from './pack.ts';

// Column generation over node patterns, then rounding, for medium problems (tens to hundreds of
// pods of a few classes) where the greedy's one-node-at-a-time choice leaves money on the table.
//
//   1. The configuration LP: min Σ price_p · z_p over node patterns p (a template and a pod count
//      per class that fits one node of it), Σ_p pods_{p,c} · z_p ≥ count_c, z ≥ 0
//      (covering-lp.ts). Patterns are generated from the duals y: for each template, the pattern of
//      most value Σ y_c · n_c (a bounded knapsack over CPU, memory, ephemeral storage and pod count,
//      with the class caps and conflicts, by branch and bound: bestPattern) enters when its value
//      exceeds the template's price.
//   2. Rounding: every pattern's ⌊z_p⌋ nodes are committed (as many as the pods left and the
//      group's room allow) — or, when no z_p reaches 1, one node of the most used pattern (a dive)
//      — then the LP is solved again on the pods left (the patterns found so far offered again),
//      until no pod is left, the rounds or the budget run out; what remains is packed by the
//      caller's search (`packRest`: the greedy and its repairs, or the exact DP when small).
// The caller keeps the answer only when it is strictly cheaper and within every group's room.
// Deterministic; `budget` bounds the steps (pivots × rows², pricing nodes); out of budget the LP
// stops where it is (its basis is a covering at every step), so the answer stays valid.

/** Most classes, and classes × templates, for which the column generation is tried. */
export const COLUMN_CLASS_LIMIT = 40;
export const COLUMN_SIZE_LIMIT = 800;
/**
 * The column generation's steps are single arithmetic operations (a pricing node, a row of a pivot),
 * far cheaper than the greedy's class steps: it may spend this many per unit of the plan's budget.
 */
export const COLUMN_STEPS_PER_BUDGET = 10;
/** Most steps one pattern search (one template, one set of duals) may take. */
const PRICING_STEPS = 20_000;
/** LP-and-round rounds (each commits ≥ 1 node) before the rest goes to the caller's search. */
const ROUNDS = 64;
/** Relative gap between the restricted LP and its dual bound at which the generation stops. */
const CLOSE_ENOUGH = 0.002;
const EPSILON = 1e-9;

type Pods = [number, number][];
interface Item { c: number; y: number; cpu: number; memory: number; ephemeral: number; cap: number }

/**
 * The pattern of template t of most value Σ y_c · n_c, n_c ≤ min(cap, counts): exact when it returns
 * within `limit` steps (branch and bound, the bound at a node being the least of the one-resource
 * fractional knapsacks over the classes still open), else the best found.
 */
export function bestPattern(classes: readonly PackClass[], template: PackTemplate, t: number, y: readonly number[], counts: readonly number[], limit: number): { value: number; pods: Pods; steps: number } {
  const free = template.free;
  const items: Item[] = [];
  for (let c = 0; c < classes.length; c++) {
    const cap = Math.min(classes[c]!.capPerNode[t]!, counts[c]!);
    if (y[c]! > EPSILON && cap > 0) {
      const r = classes[c]!.requests;
      items.push({ c, y: y[c]!, cpu: r.cpuMillis, memory: r.memoryBytes, ephemeral: r.ephemeralBytes, cap });
    }
  }
  const share = (it: Item) => Math.max(it.cpu / Math.max(1, free.cpuMillis), it.memory / Math.max(1, free.memoryBytes), it.ephemeral / Math.max(1, free.ephemeralBytes), 1 / Math.max(1, free.pods));
  items.sort((a, b) => b.y / share(b) - a.y / share(a) || a.c - b.c);
  // The bound's resources: each of the four, and CPU + memory in shares of the node (a surrogate
  // relaxation, much tighter when both bind).
  const cpuUnit = 1 / Math.max(1, free.cpuMillis);
  const memoryUnit = 1 / Math.max(1, free.memoryBytes);
  const resources: ((it: Item) => number)[] = [(it) => it.cpu, (it) => it.memory, (it) => it.ephemeral, () => 1, (it) => it.cpu * cpuUnit + it.memory * memoryUnit];
  // Per resource, the items by value per unit, best first (an item that uses none of it: first).
  const orders = resources.map((use) => items.map((_, k) => k).sort((a, b) => ratio(items[b]!, use) - ratio(items[a]!, use) || a - b));
  let steps = 0;
  const bound = (from: number, room: readonly number[]): number => {
    let least = Infinity;
    resources.forEach((use, r) => {
      let left = room[r]!;
      let value = 0;
      for (const k of orders[r]!) {
        steps++;
        if (k < from) continue;
        const it = items[k]!;
        const w = use(it);
        const n = w > 0 ? Math.min(it.cap, left / w) : it.cap;
        value += n * it.y;
        left -= n * w;
        if (left <= 0) break;
      }
      least = Math.min(least, value);
    });
    return least;
  };
  const taken = items.map(() => 0);
  let best = 0;
  let bestTaken = [...taken];
  const conflicted = (k: number) => {
    const conflicts = classes[items[k]!.c]!.conflicts;
    return conflicts !== undefined && conflicts.size > 0 && items.some((other, j) => j !== k && taken[j]! > 0 && conflicts.has(other.c));
  };
  const dfs = (k: number, room: number[], value: number): void => {
    if (steps > limit) return;
    if (value > best + EPSILON) { best = value; bestTaken = [...taken]; }
    if (k === items.length || value + bound(k, room) <= best + EPSILON) return;
    const it = items[k]!;
    let most = conflicted(k) ? 0 : Math.min(it.cap, room[3]!);
    resources.slice(0, 3).forEach((use, r) => { if (use(it) > 0) most = Math.min(most, Math.floor(room[r]! / use(it))); });
    // The last class: as many as fit (values are positive), no branching.
    const least = k === items.length - 1 ? most : 0;
    for (let n = most; n >= least; n--) {
      taken[k] = n;
      dfs(k + 1, room.map((v, r) => v - n * resources[r]!(it)), value + n * it.y);
    }
    taken[k] = 0;
  };
  dfs(0, [free.cpuMillis, free.memoryBytes, free.ephemeralBytes, free.pods, 2], 0);
  const pods: Pods = items.map((it, k) => [it.c, bestTaken[k]!] as [number, number]).filter(([, n]) => n > 0).sort((a, b) => a[0] - b[0]);
  return { value: best, pods, steps };
}

function ratio(it: Item, use: (it: Item) => number): number {
  const w = use(it);
  return w > 0 ? it.y / w : Infinity;
}

/** 'floor': every ⌊z_p⌋ per round (a dive when none reaches 1); 'dive': one node per round. */
export type Rounding = 'floor' | 'dive';

export interface ColumnsResult { patterns: NodePattern[]; steps: number }

/**
 * Column generation and rounding over the `allowed` templates (the caller decides them, e.g. one
 * offering per mixed-off group). undefined when some class fits no allowed template or `packRest`
 * cannot place what is left.
 */
export function packByColumns(
  classes: readonly PackClass[],
  templates: readonly PackTemplate[],
  groups: readonly PackGroup[],
  allowed: readonly number[],
  budget: number,
  packRest: (rest: PackClass[], groups: PackGroup[], budget: number) => NodePattern[] | undefined,
  rounding: Rounding = 'floor',
): ColumnsResult | undefined {
  const counts = classes.map((c) => c.count);
  const rooms = groups.map((g) => g.room);
  const committed: NodePattern[] = [];
  // Every pattern generated so far, offered again (cut to the pods left) in the next rounds.
  const known = new Map<string, { template: number; pods: Pods }>();
  let steps = 0;
  for (let round = 0; round < ROUNDS && steps < budget; round++) {
    const rows = counts.map((n, c) => (n > 0 ? c : -1)).filter((c) => c >= 0);
    if (rows.length === 0) break;
    const open = allowed.filter((t) => rooms[templates[t]!.group]! > 0);
    // Start: each class alone on the template cheapest per pod of it.
    const start: LpColumn[] = [];
    const patterns: { template: number; pods: Pods }[] = [];
    for (const c of rows) {
      let best: { t: number; n: number } | undefined;
      for (const t of open) {
        const n = Math.min(classes[c]!.capPerNode[t]!, counts[c]!);
        if (n > 0 && (!best || templates[t]!.priceMonthly * best.n < templates[best.t]!.priceMonthly * n - EPSILON)) best = { t, n };
      }
      if (!best) return undefined;
      patterns.push({ template: best.t, pods: [[c, best.n]] });
      start.push({ cost: templates[best.t]!.priceMonthly, a: rows.map((r) => (r === c ? best.n : 0)), tag: patterns.length - 1 });
    }
    const column = (template: number, pods: Pods): LpColumn => {
      patterns.push({ template, pods });
      const a = rows.map(() => 0);
      for (const [c, n] of pods) a[rows.indexOf(c)] = n;
      return { cost: templates[template]!.priceMonthly, a, tag: patterns.length - 1 };
    };
    const pool: LpColumn[] = [];
    for (const p of known.values()) {
      const pods = p.pods.map(([c, n]) => [c, Math.min(n, counts[c]!)] as [number, number]).filter(([, n]) => n > 0);
      if (pods.length > 0 && open.includes(p.template)) pool.push(column(p.template, pods));
    }
    // Every open template's best pattern that beats its price joins the pool. The duals also give a
    // bound (Farley's: b·y / max(1, θ), θ = the best value-to-price ratio): once the LP is within
    // CLOSE_ENOUGH of it the rounding would gain nothing from more columns (the tail of a column
    // generation is long and flat), so it stops there.
    const price = (y: readonly number[], objective: number): LpColumn[] => {
      const duals = classes.map(() => 0);
      rows.forEach((c, i) => { duals[c] = y[i]!; });
      const fresh: LpColumn[] = [];
      let theta = 0;
      for (const t of open) {
        if (steps > budget) return [];
        const found = bestPattern(classes, templates[t]!, t, duals, counts, PRICING_STEPS);
        steps += found.steps;
        const cost = templates[t]!.priceMonthly;
        theta = Math.max(theta, found.value / Math.max(EPSILON, cost));
        if (found.value - cost > EPSILON * Math.max(1, cost)) {
          fresh.push(column(t, found.pods));
          known.set(`${t}|${found.pods.join(';')}`, { template: t, pods: found.pods });
        }
      }
      const bound = rows.reduce((s, c, i) => s + counts[c]! * Math.max(0, y[i]!), 0) / Math.max(1, theta);
      return objective - bound <= CLOSE_ENOUGH * objective ? [] : fresh;
    };
    const lp = solveCovering(rows.map((c) => counts[c]!), start, pool, price, 50 * rows.length + 100);
    if (!lp) return undefined;
    steps += lp.steps;
    // Floor: the most used patterns first.
    const order = rounding === 'dive' ? [] : lp.z.map((z, j) => j).filter((j) => lp.z[j]! >= 1 - EPSILON).sort((a, b) => lp.z[b]! - lp.z[a]! || a - b);
    let added = 0;
    for (const j of order) {
      const p = patterns[lp.columns[j]!.tag!]!;
      const g = templates[p.template]!.group;
      let nodes = Math.min(Math.floor(lp.z[j]! + EPSILON), rooms[g]!);
      for (const [c, n] of p.pods) nodes = Math.min(nodes, Math.floor(counts[c]! / n));
      if (nodes <= 0) continue;
      committed.push({ template: p.template, pods: p.pods, nodes });
      rooms[g] = rooms[g]! - nodes;
      for (const [c, n] of p.pods) counts[c] = counts[c]! - n * nodes;
      added += nodes;
    }
    if (added === 0) {
      // Nothing at 1 or more: dive, one node of the most used pattern (cut to the pods left).
      const j = lp.z.reduce((b, z, k) => (z > lp.z[b]! + EPSILON ? k : b), 0);
      const p = patterns[lp.columns[j]!.tag!]!;
      const g = templates[p.template]!.group;
      const pods = p.pods.map(([c, n]) => [c, Math.min(n, counts[c]!)] as [number, number]).filter(([, n]) => n > 0);
      if (lp.z[j]! <= EPSILON || pods.length === 0 || rooms[g]! <= 0) break;
      committed.push({ template: p.template, pods, nodes: 1 });
      rooms[g] = rooms[g]! - 1;
      for (const [c, n] of pods) counts[c] = counts[c]! - n;
    }
  }
  if (counts.every((n) => n === 0)) return { patterns: committed, steps };
  const rest = classes.map((c, i) => ({ ...c, count: counts[i]!, capPerNode: c.capPerNode.map((k) => Math.min(k, counts[i]!)) }));
  const restGroups = groups.map((g, i) => ({ ...g, room: rooms[i]! }));
  const packed = packRest(rest, restGroups, Math.max(0, budget - steps));
  if (!packed) return undefined;
  return { patterns: [...committed, ...packed], steps };
}
