import type { DisruptionReason, NodeGroupSpec } from '../../../shared/nodegroup.ts';
import { CronError, parseCron, withinSchedule } from '../../../shared/cron.ts';

// Disruption budgets per NodeGroup (spec.disruption.budgets), as Karpenter's NodePool budgets: each
// budget says how many of the group's nodes may be disrupted at once ("10%" or "2"); a budget with a
// schedule applies only for `durationSeconds` from each time its cron matches (UTC); a budget with
// `reasons` applies only to those reasons. The smallest matching budget wins. Percentages are of the
// group's nodes (all of them, leaving ones included) and rounded UP, as Karpenter does, so "10%" of
// a 3-node group allows 1 and a group is never frozen by rounding alone; "0%" or "0" allows none.
// Nodes already being disrupted (drains in progress, replacements in flight) count against it.

export interface BudgetLimit {
  /** Disruptions allowed at once for this reason now (before subtracting those in progress). */
  allowed: number;
  /** The budget that set it (its index in spec.disruption.budgets), for messages. */
  budgetIndex?: number;
}

export function budgetNodes(nodes: string, groupNodes: number): number {
  if (nodes.endsWith('%')) return Math.ceil((Number(nodes.slice(0, -1)) / 100) * groupNodes);
  return Number(nodes);
}

/** The limit for `reason` now; a schedule that does not parse closes the budget (fail safe: no disruption). */
export function allowedDisruptions(spec: NodeGroupSpec, reason: DisruptionReason, groupNodes: number, nowMs: number): BudgetLimit {
  let best: BudgetLimit = { allowed: Number.POSITIVE_INFINITY };
  spec.disruption.budgets.forEach((budget, budgetIndex) => {
    if (budget.reasons !== undefined && !budget.reasons.includes(reason)) return;
    if (budget.schedule !== undefined) {
      let active: boolean;
      try {
        active = withinSchedule(parseCron(budget.schedule), (budget.durationSeconds ?? 0) * 1000, nowMs);
      } catch (error) {
        if (!(error instanceof CronError)) throw error;
        best = { allowed: 0, budgetIndex };
        return;
      }
      if (!active) return;
    }
    const allowed = budgetNodes(budget.nodes, groupNodes);
    if (allowed < best.allowed) best = { allowed, budgetIndex };
  });
  return best;
}
