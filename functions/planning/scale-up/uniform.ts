import type { NodePattern, PackClass, PackGroup, PackResult, PackTemplate } from './pack.ts';

// Exact repair for the nodes that hold one class only (uniform pods, and the bulk of most real
// pending sets). For such a class the problem is a covering knapsack: choose node counts n_t with
// Σ n_t·k_t ≥ N minimising Σ n_t·price_t, where k_t is how many pods of the class one node of t
// holds. Dynamic programming over the pod count solves it exactly in O(N × templates); the greedy
// can miss it (8 pods per $8 node vs 5 per $6: for 10 pods greedy pays $14, the optimum is $12).

interface Option { template: number; perNode: number; price: number; preferred: boolean; group: number }
interface Cell { cost: number; nodes: number; preferred: number; option: number }

/** Lexicographic: cost, then fewer nodes, then more preferred nodes. */
function less(a: Cell, b: Cell): boolean {
  if (Math.abs(a.cost - b.cost) > 1e-9) return a.cost < b.cost;
  if (a.nodes !== b.nodes) return a.nodes < b.nodes;
  return a.preferred > b.preferred;
}

/** Cheapest cover of `count` pods with unbounded nodes of the options; node counts per option. */
export function cheapestCover(count: number, options: readonly Option[]): Map<number, number> | undefined {
  const cells: Cell[] = [{ cost: 0, nodes: 0, preferred: 0, option: -1 }];
  for (let n = 1; n <= count; n++) {
    let best: Cell | undefined;
    options.forEach((o, i) => {
      const prev = cells[Math.max(0, n - o.perNode)]!;
      if (!Number.isFinite(prev.cost)) return;
      const cell = { cost: prev.cost + o.price, nodes: prev.nodes + 1, preferred: prev.preferred + (o.preferred ? 1 : 0), option: i };
      if (!best || less(cell, best)) best = cell;
    });
    cells.push(best ?? { cost: Infinity, nodes: 0, preferred: 0, option: -1 });
  }
  if (!Number.isFinite(cells[count]!.cost)) return undefined;
  const used = new Map<number, number>();
  for (let n = count; n > 0;) {
    const option = options[cells[n]!.option]!;
    used.set(option.template, (used.get(option.template) ?? 0) + 1);
    n = Math.max(0, n - option.perNode);
  }
  return used;
}

function cost(patterns: readonly NodePattern[], templates: readonly PackTemplate[]): number {
  return patterns.reduce((sum, p) => sum + templates[p.template]!.priceMonthly * p.nodes, 0);
}

/**
 * Re-solves, class by class, the nodes that hold only that class, exactly; keeps the change when it
 * is cheaper and respects every group's room and allowMixedInstances. `budget` bounds N × options.
 */
export function improveHomogeneous(result: PackResult, classes: readonly PackClass[], templates: readonly PackTemplate[], groups: readonly PackGroup[], budget: number): PackResult {
  let patterns = result.patterns;
  let spent = 0;
  // Classes that have single-class nodes (a change below only adds nodes of the class it is at).
  const alone = new Set(patterns.filter((p) => p.pods.length === 1).map((p) => p.pods[0]![0]));
  for (let c = 0; c < classes.length; c++) {
    if (!alone.has(c)) continue;
    const mine = patterns.filter((p) => p.pods.length === 1 && p.pods[0]![0] === c);
    if (mine.length === 0 || classes[c]!.singleNode) continue;
    const others = patterns.filter((p) => !mine.includes(p));
    const count = mine.reduce((sum, p) => sum + p.pods[0]![1] * p.nodes, 0);
    const used = groups.map(() => 0);
    const locked: (number | undefined)[] = groups.map((g) => g.lockedTemplate);
    for (const p of others) {
      const g = templates[p.template]!.group;
      used[g] = used[g]! + p.nodes;
      if (!groups[g]!.allowMixedInstances) locked[g] = p.template;
    }
    const options: Option[] = [];
    templates.forEach((t, i) => {
      const perNode = classes[c]!.capPerNode[i]!;
      if (perNode <= 0 || groups[t.group]!.room - used[t.group]! <= 0) return;
      if (!groups[t.group]!.allowMixedInstances && locked[t.group] !== undefined && locked[t.group] !== i) return;
      options.push({ template: i, perNode, price: t.priceMonthly, preferred: t.preferred, group: t.group });
    });
    // Unlocked groups without mixed instances may use one offering: try each on its own.
    const free = options.filter((o) => groups[o.group]!.allowMixedInstances || locked[o.group] !== undefined);
    const single = options.filter((o) => !free.includes(o));
    const variants = single.length === 0 ? [free] : single.map((o) => [...free, o]);
    if (free.length > 0 && single.length > 0) variants.push(free);
    let best: NodePattern[] | undefined;
    for (const variant of variants) {
      spent += count * variant.length;
      if (spent > budget) break;
      const cover = cheapestCover(count, variant);
      if (!cover) continue;
      const fresh = toPatterns(c, count, cover, classes[c]!);
      const room = groups.map((g, i) => g.room - used[i]!);
      let fits = true;
      for (const p of fresh) {
        const g = templates[p.template]!.group;
        room[g] = room[g]! - p.nodes;
        if (room[g]! < 0) fits = false;
      }
      if (fits && (!best || cost(fresh, templates) < cost(best, templates) - 1e-9)) best = fresh;
    }
    if (best && cost(best, templates) < cost(mine, templates) - 1e-9) patterns = [...others, ...best];
  }
  return { ...result, patterns };
}

/** Fills the chosen nodes, largest per-node capacity first; the last node takes the remainder. */
function toPatterns(c: number, count: number, cover: Map<number, number>, cls: PackClass): NodePattern[] {
  const patterns: NodePattern[] = [];
  let left = count;
  const chosen = [...cover].sort((a, b) => cls.capPerNode[b[0]]! - cls.capPerNode[a[0]]! || a[0] - b[0]);
  for (const [template, nodes] of chosen) {
    const perNode = cls.capPerNode[template]!;
    const full = Math.min(nodes, Math.floor(left / perNode));
    if (full > 0) patterns.push({ template, pods: [[c, perNode]], nodes: full });
    left -= full * perNode;
    const rest = nodes - full;
    if (rest > 0 && left > 0) {
      patterns.push({ template, pods: [[c, left]], nodes: 1 });
      left = 0;
    }
  }
  return patterns;
}
