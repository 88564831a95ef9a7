import { patternTotals, type PackClass, type PackGroup, type PackTemplate } from './pack.ts';
import { solve, type Solution } from './solve.ts';

// Fewer nodes for about the same price (issue #22). On a catalogue whose prices are linear in size,
// 31 small nodes cost what 11 big ones do, but every node carries more than its plan's price: a
// public IPv4 address, DaemonSets, monitoring, control-plane load, and VPSie's churn rule counts VMs.
// Two things weigh that:
//   - spec.nodeOverhead is added to every offering's price in the search (classes.ts), so solve()
//     minimises price + overhead × nodes;
//   - the search is run again with a per-node penalty (a share of the first answer's cost per node),
//     which steers the heuristic to larger offerings. Every answer is costed with the real weights
//     (price + overhead, no penalty); of those within `tolerancePercent` of the cheapest, the one
//     with the fewest nodes is kept (then the cheaper). The cheapest may come from a penalised run:
//     the search is a heuristic, and a second start point sometimes finds a cheaper fleet too.
//
//   answers:   A 31 nodes 2 671   B 22 nodes 2 700   C 11 nodes 2 900
//   tolerance 3 %: limit 2 671 × 1.03 = 2 751 → B (22 nodes, +1.1 %), and the decision says so.

/** Per-node penalties tried, as shares of the first answer's cost per node. */
export const NODE_PENALTY_SHARES: readonly number[] = [0.25, 1];

export interface FleetTradeOff {
  nodes: number;
  cost: number;
  cheapestNodes: number;
  cheapestCost: number;
  /** How much more the chosen fleet costs than the cheapest, in percent. */
  percent: number;
  tolerancePercent: number;
}

export interface FleetChoice {
  /** `cost` is the fleet's weighted cost (prices plus overhead), whichever run found it. */
  solution: Solution;
  /** Set when a fleet with fewer nodes than the cheapest was chosen within the tolerance. */
  tradeOff?: FleetTradeOff;
}

interface Candidate { solution: Solution; cost: number; nodes: number }

const EPSILON = 1e-9;

export function solveFewerNodes(classes: readonly PackClass[], templates: readonly PackTemplate[], groups: readonly PackGroup[], budget: number, tolerancePercent: number): FleetChoice {
  const first = solve(classes, templates, groups, budget);
  const firstTotals = patternTotals(first.patterns, templates);
  const candidates: Candidate[] = [{ solution: first, cost: firstTotals.cost, nodes: firstTotals.nodes }];
  // One node (or none) cannot become fewer; a search that placed nothing has nothing to weigh.
  if (firstTotals.nodes >= 2 && first.placed > 0) {
    const perNode = firstTotals.cost / firstTotals.nodes;
    for (const share of NODE_PENALTY_SHARES) {
      const penalised = templates.map((t) => ({ ...t, priceMonthly: t.priceMonthly + share * perNode }));
      const solution = solve(classes, penalised, groups, budget);
      // IMPORTANT: never trade a pod for a node: an answer must place as many pods as the first.
      if (solution.placed < first.placed) continue;
      const totals = patternTotals(solution.patterns, templates);
      candidates.push({ solution: { ...solution, cost: totals.cost }, cost: totals.cost, nodes: totals.nodes });
    }
  }
  const cheapest = candidates.reduce((a, b) => (b.cost < a.cost - EPSILON || (Math.abs(b.cost - a.cost) <= EPSILON && b.nodes < a.nodes) ? b : a));
  const limit = cheapest.cost * (1 + Math.max(0, tolerancePercent) / 100) + EPSILON;
  const fewest = candidates.filter((c) => c.cost <= limit).reduce((a, b) => (b.nodes < a.nodes || (b.nodes === a.nodes && b.cost < a.cost - EPSILON) ? b : a));
  if (fewest.nodes >= cheapest.nodes) return { solution: cheapest.solution };
  return {
    solution: fewest.solution,
    tradeOff: {
      nodes: fewest.nodes,
      cost: fewest.cost,
      cheapestNodes: cheapest.nodes,
      cheapestCost: cheapest.cost,
      percent: cheapest.cost > 0 ? (100 * (fewest.cost - cheapest.cost)) / cheapest.cost : 0,
      tolerancePercent,
    },
  };
}

/** The decision's sentence: "chose 11 nodes for 2 900.00 over 31 nodes for 2 850.00 (+1.8 %, within 3 %)". */
export function describeTradeOff(t: FleetTradeOff): string {
  return `chose ${t.nodes} node(s) for ${t.cost.toFixed(2)}/month over ${t.cheapestNodes} node(s) for ${t.cheapestCost.toFixed(2)}/month (+${t.percent.toFixed(1)} %, within the ${t.tolerancePercent} % fewer-nodes tolerance; costs include spec.nodeOverhead per node, a planning weight)`;
}
