import type { NodeResources, Resources } from '../../../shared/snapshot.ts';
import { classWeights } from './class-weights.ts';
import { fillNode, prepare, type Fill } from './pack-fill.ts';

// The node-selection search on counts: which new nodes (template = group × offering) to open so that
// the pending pods are placed at the lowest monthly cost. Pods are grouped into classes (same shape,
// namespace and eligible groups); the search never looks at individual pods, so its cost depends on
// the number of classes and templates, not on the number of pods.
//
// Algorithm (greedy weighted set cover over "node patterns"):
//   1. For every usable template, fill ONE empty node first-fit-decreasing (classes by dominant
//      share, largest first) from the remaining counts: that is the template's pattern.
//   2. Score = price / value(pattern), value = Σ pods × w(class), w = the class's dominant-resource
//      cost at the cheapest unit prices in the catalogue (a price-per-resource lower bound).
//      Mode 'cost' picks the lowest score (cheapest per unit of work placed). Mode 'capacity' (used
//      when maxNodes binds: place as many pods as the allowed nodes hold) fills smallest-first and
//      picks the most pods per node.
//      Ties: preferred instance type, then the larger pattern, then template order.
//   3. Commit the pattern as many times as it repeats unchanged (min over its classes of
//      ⌊remaining / amount⌋, bounded by the group's room), update counts and repeat.
//   Patterns are cached per template and recomputed only when a class they use dropped below the
//   amount they took (counts only fall, so other patterns stay exact).
//
// Bound: `budget` counts class-steps of the fills. Once spent, the search stops re-filling every
// template and walks the templates in the order of their last scores, re-filling one at a time
// until one places something: each step still commits ≥ 1 node, and the result stays valid.

export interface PackClass {
  requests: Resources;
  count: number;
  /** Per template index: the most pods of this class one node of it may hold on its own (0 = never). */
  capPerNode: readonly number[];
  /** Required pod affinity to its own pods, no match anywhere yet: every replica must share one node. */
  singleNode?: boolean;
  /** Classes that may not share a node with this one (anti-affinity, host ports). */
  conflicts?: ReadonlySet<number>;
}

export interface PackTemplate {
  /** Room for pods on an empty node (allocatable minus DaemonSet pods). */
  free: NodeResources;
  priceMonthly: number;
  group: number;
  preferred: boolean;
}

export interface PackGroup {
  /** New nodes the group may still take (maxNodes − ready − joining − in flight). */
  room: number;
  allowMixedInstances: boolean;
  /** With allowMixedInstances false: the only template index allowed (already chosen). */
  lockedTemplate?: number;
}

export interface NodePattern {
  template: number;
  /** [class index, pods] per class on each node. */
  pods: [number, number][];
  /** Identical nodes. */
  nodes: number;
}

export interface PackResult {
  patterns: NodePattern[];
  /** Pods of each class left without a node. */
  unplaced: number[];
  steps: number;
  budgetExhausted: boolean;
}

export type PackMode = 'cost' | 'capacity';

export interface PackOptions { mode: PackMode; budget: number }

const EPSILON = 1e-9;

function better(mode: PackMode, a: Fill, ta: PackTemplate, ia: number, b: Fill, tb: PackTemplate, ib: number): boolean {
  if (mode === 'capacity' && a.count !== b.count) return a.count > b.count;
  if (Math.abs(a.score - b.score) > EPSILON * Math.max(1, Math.abs(a.score))) return a.score < b.score;
  if (ta.preferred !== tb.preferred) return ta.preferred;
  if (Math.abs(a.value - b.value) > EPSILON) return a.value > b.value;
  return ia < ib;
}

export function pack(classes: readonly PackClass[], templates: readonly PackTemplate[], groups: readonly PackGroup[], options: PackOptions): PackResult {
  const counts = classes.map((c) => c.count);
  const weights = classWeights(classes, templates);
  const { orders, requests, conflicted } = prepare(classes, templates, options.mode);
  // users[c]: the templates whose cached fill took class c, and how many (stale once the cache moved on).
  const users: { t: number; n: number; fill: Fill }[][] = classes.map(() => []);
  const rooms = groups.map((g) => g.room);
  const locks = groups.map((g) => g.lockedTemplate);
  const cache: (Fill | undefined)[] = templates.map(() => undefined);
  const lastScore = templates.map(() => Infinity);
  const patterns: NodePattern[] = [];
  let steps = 0;
  let exhausted = false;
  const mode = options.mode;

  const usable = (t: number): boolean => {
    const template = templates[t]!;
    const g = template.group;
    if (rooms[g]! <= 0 || orders[t]!.classes.length === 0) return false;
    return groups[g]!.allowMixedInstances || locks[g] === undefined || locks[g] === t;
  };
  const evaluate = (t: number): Fill => {
    let fill = cache[t];
    if (!fill) {
      const result = fillNode(templates[t]!, orders[t]!, requests, conflicted, classes, counts, weights);
      steps += result.steps;
      fill = result.fill;
      cache[t] = fill;
      for (const [c, n] of fill.pods) users[c]!.push({ t, n, fill });
      lastScore[t] = mode === 'cost' ? fill.score : -fill.count;
    }
    return fill;
  };

  for (;;) {
    // The template chosen and its fill (two variables: no object per better template found).
    let bestT = -1;
    let bestFill: Fill | undefined;
    if (!exhausted) {
      for (let t = 0; t < templates.length; t++) {
        if (!usable(t)) continue;
        const fill = evaluate(t);
        if (fill.pods.length === 0) continue;
        if (!bestFill || better(mode, fill, templates[t]!, t, bestFill, templates[bestT]!, bestT)) {
          bestT = t;
          bestFill = fill;
        }
      }
      if (steps > options.budget) exhausted = true;
    } else {
      // Degraded: the templates in the order of their last scores, the first that still places pods.
      // (Picked one at a time: evaluating a template changes only its own score, so this is the order a sort would give.)
      const visited = new Uint8Array(templates.length);
      for (let t = 0; t < templates.length; t++) if (!usable(t)) visited[t] = 1;
      for (let t = lowestUnvisited(lastScore, visited); t >= 0; t = lowestUnvisited(lastScore, visited)) {
        visited[t] = 1;
        const fill = evaluate(t);
        if (fill.pods.length > 0) {
          bestT = t;
          bestFill = fill;
          break;
        }
      }
    }
    if (!bestFill) break;
    const best = { t: bestT, fill: bestFill };

    const template = templates[best.t]!;
    const g = template.group;
    let nodes = rooms[g]!;
    let single = false;
    for (const [c, n] of best.fill.pods) {
      nodes = Math.min(nodes, Math.floor(counts[c]! / n));
      if (classes[c]!.singleNode) single = true;
    }
    if (single) nodes = 1;
    nodes = Math.max(1, nodes);
    patterns.push({ template: best.t, pods: best.fill.pods, nodes });
    rooms[g] = rooms[g]! - nodes;
    if (!groups[g]!.allowMixedInstances) locks[g] = best.t;
    for (const [c, n] of best.fill.pods) {
      counts[c] = counts[c]! - n * nodes;
      // The rest of a single-node class cannot follow onto another node.
      if (classes[c]!.singleNode) counts[c] = 0;
    }
    // A cached fill stays exact while each class it took still has as many pods left (counts only
    // fall, and only the committed classes' did): those classes' users are checked, the rest kept.
    for (const [c] of best.fill.pods) {
      const list = users[c]!;
      let kept = 0;
      for (const use of list) {
        if (cache[use.t] !== use.fill) continue;
        if (counts[c]! < use.n) cache[use.t] = undefined;
        else list[kept++] = use;
      }
      list.length = kept;
    }
  }
  const unplaced = classes.map((c, i) => (c.singleNode && patterns.some((p) => p.pods.some(([k]) => k === i)) ? 0 : counts[i]!));
  // Pods of a single-node class beyond the one node are unplaced too.
  classes.forEach((c, i) => {
    if (!c.singleNode) return;
    const placed = patterns.reduce((sum, p) => sum + p.pods.filter(([k]) => k === i).reduce((s, [, n]) => s + n * p.nodes, 0), 0);
    unplaced[i] = c.count - placed;
  });
  return { patterns, unplaced, steps, budgetExhausted: exhausted };
}

/**
 * The unvisited index with the lowest score (ties: the lower index), or -1: walking these one at a
 * time gives the order of sorting by (score, index), as long as only visited scores change.
 */
function lowestUnvisited(scores: readonly number[], visited: Uint8Array): number {
  let best = -1;
  for (let t = 0; t < scores.length; t++) {
    if (visited[t]) continue;
    if (best < 0 || scores[t]! < scores[best]!) best = t;
  }
  return best;
}

/** Monthly cost and pods placed of a set of patterns. */
export function patternTotals(patterns: readonly NodePattern[], templates: readonly PackTemplate[]): { cost: number; nodes: number; pods: number } {
  let cost = 0;
  let nodes = 0;
  let pods = 0;
  for (const p of patterns) {
    cost += templates[p.template]!.priceMonthly * p.nodes;
    nodes += p.nodes;
    for (const [, n] of p.pods) pods += n * p.nodes;
  }
  return { cost, nodes, pods };
}
