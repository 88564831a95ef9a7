import type { PlanContext } from '../context.ts';
import type { RemovalBudget } from '../removal-budget.ts';
import { keep } from '../scale-down-book.ts';
import type { DisruptionBook } from './disruption-book.ts';
import { replacementEligibility, type ReplaceCandidate } from './eligibility.ts';
import { planMultiNode } from './multi-node.ts';
import { tryReplacement } from './replace.ts';

// Consolidation by replacement, after scale-down's deletions (scale-down.ts): the nodes scale-down
// would remove but whose pods do not all fit elsewhere. Multi-node first (several nodes into one
// cheaper node, multi-node.ts), then single-node (replace.ts) for the rest. A node not replaced is
// kept with a keep-node decision saying why the deletion failed and why no replacement was made
// (details.consolidation: the single-node reason; details.multiNode: why multi-node was not).

export function consolidate(ctx: PlanContext, replaceable: ReplaceCandidate[], book: DisruptionBook, limits: RemovalBudget): void {
  const eligible: Array<ReplaceCandidate & { monthlyPrice: number; identifier: string }> = [];
  for (const c of replaceable) {
    const e = replacementEligibility(ctx, c);
    if (e.ok) eligible.push({ ...c, monthlyPrice: e.monthlyPrice, identifier: e.identifier });
    else keepNotReplaced(ctx, c, e.reason, e.message);
  }
  const multi = planMultiNode(ctx, eligible, book, limits);
  for (const c of eligible) {
    if (multi.replaced.has(c.node.name)) continue;
    const notTaken = multi.notTaken.get(c.group.key);
    const verdict = tryReplacement(ctx, c, book, limits, notTaken ? [notTaken] : []);
    if (!verdict.ok) keepNotReplaced(ctx, c, verdict.reason, verdict.message, notTaken);
  }
}

function keepNotReplaced(ctx: PlanContext, c: ReplaceCandidate, reason: string, message: string, multiNode?: string): void {
  keep(ctx, c.node, c.group.key, 'pods-do-not-fit', `${c.fitMessage}; not replaced by a cheaper node: ${message}`, { consolidation: reason, ...(multiNode ? { multiNode } : {}) });
}
