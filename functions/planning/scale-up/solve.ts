import { COLUMN_CLASS_LIMIT, COLUMN_SIZE_LIMIT, COLUMN_STEPS_PER_BUDGET, packByColumns, type Rounding } from './columns.ts';
import { exactPack, stateCount } from './exact.ts';
import { improveLocally } from './local-moves.ts';
import { improveTail } from './tail.ts';
import { improveHomogeneous } from './uniform.ts';
import { pack, patternTotals, type NodePattern, type PackClass, type PackGroup, type PackResult, type PackTemplate } from './pack.ts';

export interface Solution extends PackResult {
  cost: number;
  placed: number;
  mode: 'cost' | 'capacity';
  /**
   * 'exact' = proven cheapest (DP over class counts); 'heuristic' = greedy + local moves;
   * 'columns' = column generation over node patterns, rounded (columns.ts), cheaper than both.
   */
  method: 'exact' | 'heuristic' | 'columns';
}

/** DP states (Π(count+1)) above which the exact search is not tried; its budget bounds it anyway. */
export const EXACT_STATE_LIMIT = 20_000;
/** The column generation's roundings tried, each for every combination (columns.ts). */
const ROUNDINGS: readonly Rounding[] = ['floor', 'dive'];
/** Most combinations of one offering per mixed-off group tried (each a full search). */
export const MAX_TYPE_CHOICES = 16;

/**
 * Runs the search in 'cost' mode; when a group's maxNodes leaves pods behind, also in 'capacity'
 * mode (largest value per node first), and keeps whichever places more pods, then costs less.
 * Each result is then improved by local moves (local-moves.ts), repaired exactly on its
 * single-class nodes (uniform.ts) and on its least-filled nodes taken together (tail.ts).
 *
 * Groups with allowMixedInstances false and no offering chosen yet: the greedy would lock the group
 * on the first offering it picks, which may be the wrong one for the whole set (a larger offering
 * scores best for the first node, and the rest then pay for its size). So every combination of one
 * offering per such group is searched on its own (up to MAX_TYPE_CHOICES) and the cheapest kept.
 *
 * When every pod is placed and the problem is small (≤ EXACT_STATE_LIMIT states), the exact DP
 * (exact.ts) runs for each such combination within the budget; its answer replaces the heuristic's
 * only when strictly cheaper and within every group's room.
 *
 * Then, for medium problems (every pod placed, no single-node class, ≤ COLUMN_CLASS_LIMIT classes
 * and ≤ COLUMN_SIZE_LIMIT classes × templates), column generation over node patterns with rounding
 * (columns.ts), the pods its rounding leaves packed by the same heuristic (and the exact DP when
 * small), for each combination as well; kept only when strictly cheaper and within every room.
 */
export function solve(classes: readonly PackClass[], templates: readonly PackTemplate[], groups: readonly PackGroup[], budget: number): Solution {
  const placeable = placeableOf(classes);
  const heuristic = (withGroups: readonly PackGroup[]): Solution => searchHeuristic(classes, templates, withGroups, budget, placeable);

  let best = heuristic(groups);
  const choices = typeChoices(templates, groups, classes);
  if (choices.length > 1) {
    for (const choice of choices) {
      const candidate = heuristic(choice);
      if (better(candidate, best)) best = candidate;
    }
  }

  // Whether the exact DP covered every combination (then nothing is cheaper: no columns needed).
  let proven = false;
  if (best.placed >= placeable && placeable > 0 && stateCount(classes, EXACT_STATE_LIMIT) <= EXACT_STATE_LIMIT) {
    proven = true;
    let left = budget;
    for (const choice of choices.length > 0 ? choices : [groups]) {
      const allowed = templates.map((_, t) => t).filter((t) => usable(t, templates, choice));
      const exact = exactPack(classes, templates, allowed, left);
      if (!exact) { proven = false; break; } // out of budget (or infeasible): the heuristic's answer stands
      left -= exact.steps;
      // (One offering per mixed-off group: with too many combinations to try one by one, the DP
      // ran over all of a group's offerings and may have mixed them.)
      const fits = withinRoom(exact.patterns, templates, choice) && oneOfferingKept(exact.patterns, templates, choice);
      if (!fits) proven = false;
      if (exact.cost < best.cost - 1e-9 && fits) {
        best = { patterns: exact.patterns, unplaced: classes.map(() => 0), steps: best.steps + exact.steps, budgetExhausted: false, cost: exact.cost, placed: best.placed, mode: 'cost', method: 'exact' };
      }
    }
  }
  if (!proven && best.placed >= placeable && placeable > 0 && classes.length <= COLUMN_CLASS_LIMIT && classes.length * templates.length <= COLUMN_SIZE_LIMIT && !classes.some((c) => c.singleNode)) {
    let left = COLUMN_STEPS_PER_BUDGET * budget;
    const runs = (choices.length > 0 ? choices : [groups]).flatMap((choice) => ROUNDINGS.map((rounding) => ({ choice, rounding })));
    for (const { choice, rounding } of runs) {
      const allowed = templates.map((_, t) => t).filter((t) => usable(t, templates, choice));
      const viaColumns = packByColumns(classes, templates, choice, allowed, left, (rest, restGroups, restBudget) => packRest(rest, templates, restGroups, Math.min(budget, restBudget)), rounding);
      if (!viaColumns) continue;
      left -= viaColumns.steps;
      const tail = improveTail(viaColumns.patterns, classes, templates, choice, left);
      const totals = patternTotals(tail.patterns, templates);
      if (totals.pods >= placeable && totals.cost < best.cost - 1e-9 && withinRoom(tail.patterns, templates, choice) && oneOfferingKept(tail.patterns, templates, choice)) {
        best = { patterns: tail.patterns, unplaced: classes.map(() => 0), steps: best.steps + viaColumns.steps + tail.steps, budgetExhausted: false, cost: totals.cost, placed: totals.pods, mode: 'cost', method: 'columns' };
      }
      if (left <= 0) break;
    }
  }
  return best;
}

/** The greedy in 'cost' mode and its repairs; in 'capacity' mode as well when pods are left over. */
function searchHeuristic(classes: readonly PackClass[], templates: readonly PackTemplate[], groups: readonly PackGroup[], budget: number, placeable = placeableOf(classes)): Solution {
  const run = (mode: 'cost' | 'capacity'): Solution => {
    const raw = pack(classes, templates, groups, { mode, budget });
    // Local moves first (they may mix a tail into a bigger node), then the exact single-class repair.
    const local = improveHomogeneous(improveLocally(raw, classes, templates, groups, budget), classes, templates, groups, budget);
    // Then the least-filled nodes re-solved together exactly (tail.ts).
    const tail = improveTail(local.patterns, classes, templates, groups, budget);
    const improved = { ...local, patterns: tail.patterns, steps: local.steps + tail.steps };
    const totals = patternTotals(improved.patterns, templates);
    return { ...improved, cost: totals.cost, placed: totals.pods, mode, method: 'heuristic' };
  };
  const byCost = run('cost');
  if (byCost.placed >= placeable) return byCost;
  const byCapacity = run('capacity');
  return better(byCapacity, byCost) ? byCapacity : byCost;
}

/** The pods the column rounding left: the heuristic, or the exact DP when small and cheaper; undefined when some stay unplaced. */
function packRest(rest: readonly PackClass[], templates: readonly PackTemplate[], groups: readonly PackGroup[], budget: number): NodePattern[] | undefined {
  const found = searchHeuristic(rest, templates, groups, budget);
  if (found.placed < placeableOf(rest) || found.unplaced.some((n) => n > 0)) return undefined;
  if (stateCount(rest, EXACT_STATE_LIMIT) > EXACT_STATE_LIMIT) return found.patterns;
  const allowed = templates.map((_, t) => t).filter((t) => usable(t, templates, groups));
  const exact = exactPack(rest, templates, allowed, budget);
  return exact && exact.cost < found.cost - 1e-9 && withinRoom(exact.patterns, templates, groups) ? exact.patterns : found.patterns;
}

function placeableOf(classes: readonly PackClass[]): number {
  return classes.reduce((sum, c) => sum + (c.capPerNode.some((k) => k > 0) ? c.count : 0), 0);
}

/** More pods placed, else cheaper. */
function better(a: Solution, b: Solution): boolean {
  return a.placed > b.placed || (a.placed === b.placed && a.cost < b.cost - 1e-9);
}

function usable(t: number, templates: readonly PackTemplate[], groups: readonly PackGroup[]): boolean {
  const g = groups[templates[t]!.group]!;
  if (g.room <= 0) return false;
  return g.allowMixedInstances || g.lockedTemplate === undefined || g.lockedTemplate === t;
}

/**
 * The groups with each mixed-off, unlocked group locked on one of its offerings that some class can
 * use, every combination; [] when there is no such choice to make or too many combinations.
 */
function typeChoices(templates: readonly PackTemplate[], groups: readonly PackGroup[], classes: readonly PackClass[]): PackGroup[][] {
  const open = groups.map((g, gi) => {
    if (g.allowMixedInstances || g.lockedTemplate !== undefined || g.room <= 0) return [];
    return templates.map((_, t) => t).filter((t) => templates[t]!.group === gi && classes.some((c) => c.count > 0 && c.capPerNode[t]! > 0));
  });
  const deciding = open.map((ts, g) => ({ g, ts })).filter(({ ts }) => ts.length > 0);
  if (deciding.length === 0) return [];
  const total = deciding.reduce((n, { ts }) => n * ts.length, 1);
  if (total > MAX_TYPE_CHOICES) return [];
  let combos: PackGroup[][] = [groups.map((g) => ({ ...g }))];
  for (const { g, ts } of deciding) {
    combos = combos.flatMap((combo) => ts.map((t) => combo.map((group, i) => (i === g ? { ...group, lockedTemplate: t } : group))));
  }
  return combos;
}

/** Every group without mixed instances on one template (its lock, if any). */
function oneOfferingKept(patterns: readonly { template: number }[], templates: readonly PackTemplate[], groups: readonly PackGroup[]): boolean {
  const chosen = groups.map((g) => g.lockedTemplate);
  for (const p of patterns) {
    const g = templates[p.template]!.group;
    if (groups[g]!.allowMixedInstances) continue;
    if (chosen[g] !== undefined && chosen[g] !== p.template) return false;
    chosen[g] = p.template;
  }
  return true;
}

function withinRoom(patterns: readonly { template: number; nodes: number }[], templates: readonly PackTemplate[], groups: readonly PackGroup[]): boolean {
  const used = groups.map(() => 0);
  for (const p of patterns) used[templates[p.template]!.group]! += p.nodes;
  return used.every((n, g) => n <= groups[g]!.room);
}
