import { improveLocally } from './local-moves.ts';
import { improveHomogeneous } from './uniform.ts';
import { pack, patternTotals, type PackClass, type PackGroup, type PackResult, type PackTemplate } from './pack.ts';

export interface Solution extends PackResult { cost: number; placed: number; mode: 'cost' | 'capacity' }

/**
 * Runs the search in 'cost' mode; when a group's maxNodes leaves pods behind, also in 'capacity'
 * mode (largest value per node first), and keeps whichever places more pods, then costs less.
 * Each result is then improved by local moves (local-moves.ts) and repaired exactly on its
 * single-class nodes (uniform.ts).
 */
export function solve(classes: readonly PackClass[], templates: readonly PackTemplate[], groups: readonly PackGroup[], budget: number): Solution {
  const run = (mode: 'cost' | 'capacity'): Solution => {
    const raw = pack(classes, templates, groups, { mode, budget });
    // Local moves first (they may mix a tail into a bigger node), then the exact single-class repair.
    const improved = improveHomogeneous(improveLocally(raw, classes, templates, groups, budget), classes, templates, groups, budget);
    const totals = patternTotals(improved.patterns, templates);
    return { ...improved, cost: totals.cost, placed: totals.pods, mode };
  };
  const byCost = run('cost');
  const placeable = classes.reduce((sum, c) => sum + (c.capPerNode.some((k) => k > 0) ? c.count : 0), 0);
  if (byCost.placed >= placeable) return byCost;
  const byCapacity = run('capacity');
  if (byCapacity.placed > byCost.placed || (byCapacity.placed === byCost.placed && byCapacity.cost < byCost.cost - 1e-9)) return byCapacity;
  return byCost;
}
