import { NODEGROUP_LABEL } from '../../shared/labels.ts';
import { isLeaving } from '../../shared/membership.ts';
import type { PlanContext } from './context.ts';
import { nodesOf, removalsUnderway } from './open-drains.ts';

// The forwarder's limits as the planner reads them (snapshot.forwarder.limits): a removal started
// now must be able to finish. The forwarder refuses deletions past its window's budget and taints
// past its cap on nodes leaving; a drain started beyond them evicts pods, then stalls at the delete,
// then is aborted — churn for nothing. So scale-down starts only what the budget still covers, and
// says that it is waiting. (Without limits — an older forwarder — nothing is paced here.)

export type BudgetVerdict = { ok: true } | { ok: false; reason: 'deletion-budget' | 'nodes-leaving'; message: string };

export class RemovalBudget {
  private deletions: number;
  private leaving: number;
  private readonly windowMinutes: number;

  constructor(ctx: PlanContext) {
    const limits = ctx.snapshot.forwarder.limits;
    const open = removalsUnderway(ctx.state);
    // Each removal in progress still needs one deletion (a node and its VM count once), unless VPSie
    // already accepted its VM's deletion.
    const needing = open.filter((op) => !op.vmDeleteAccepted).length;
    const leavingNow = nodesOf(open);
    for (const node of ctx.snapshot.nodes) if (node.labels[NODEGROUP_LABEL] !== undefined && isLeaving({ taints: node.taints })) leavingNow.add(node.name);
    this.deletions = limits ? limits.deletionsRemaining - needing : Number.POSITIVE_INFINITY;
    this.leaving = limits ? limits.maxNodesLeaving - leavingNow.size : Number.POSITIVE_INFINITY;
    this.windowMinutes = limits ? Math.round(limits.windowMs / 60_000) : 10;
  }

  /** Room for `nodes` more removals (a multi-node consolidation needs all of them at once). */
  check(nodes = 1): BudgetVerdict {
    if (this.deletions < nodes) {
      return { ok: false, reason: 'deletion-budget', message: `the forwarder's deletion budget for its ${this.windowMinutes}-minute window is used up by removals done or in progress; waiting for the window` };
    }
    if (this.leaving < nodes) return { ok: false, reason: 'nodes-leaving', message: 'as many nodes are being removed as the forwarder allows at once; waiting for them to finish' };
    return { ok: true };
  }

  /** A removal was started in this plan. */
  spend(nodes = 1): void {
    this.deletions -= nodes;
    this.leaving -= nodes;
  }
}
