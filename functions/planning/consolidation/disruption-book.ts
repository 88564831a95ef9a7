import type { DisruptionReason } from '../../../shared/nodegroup.ts';
import { isGroupNode } from '../../../shared/membership.ts';
import type { PlanContext, ValidGroup } from '../context.ts';
import type { GroupKey } from '../types.ts';
import { allowedDisruptions } from './budgets.ts';

// How many of a group's nodes are being disrupted, against its disruption budgets (budgets.ts).
// Disrupting: nodes whose removal is in progress (drains other than NotReady replacements, which
// are repairs, not disruptions by choice) and nodes a consolidation replacement in flight will
// drain once its node is Ready. Scale-down and consolidation both spend from the same count.

export type DisruptionVerdict = { ok: true } | { ok: false; reason: 'disruption-budget'; message: string };

export class DisruptionBook {
  private readonly disrupting = new Map<GroupKey, number>();
  constructor(private readonly ctx: PlanContext) {}

  private count(group: ValidGroup): number {
    let n = this.disrupting.get(group.key);
    if (n === undefined) {
      const nodes = new Set<string>();
      for (const op of this.ctx.state.operations) {
        if (op.nodeGroup !== group.key) continue;
        if (op.kind === 'drain' && op.reason !== 'not-ready' && op.status !== 'succeeded' && op.status !== 'failed' && op.status !== 'aborting') nodes.add(op.node);
        if (op.kind === 'launch' && op.consolidation && !op.consolidation.handedOff && op.status !== 'failed') for (const r of op.consolidation.replaces) nodes.add(r);
      }
      n = nodes.size;
      this.disrupting.set(group.key, n);
    }
    return n;
  }

  private readonly sizes = new Map<GroupKey, number>();

  check(group: ValidGroup, reason: DisruptionReason, nodes = 1): DisruptionVerdict {
    let groupNodes = this.sizes.get(group.key);
    if (groupNodes === undefined) {
      groupNodes = this.ctx.snapshot.nodes.filter((node) => isGroupNode(node, group.name)).length;
      this.sizes.set(group.key, groupNodes);
    }
    const limit = allowedDisruptions(group.spec, reason, groupNodes, this.ctx.nowMs);
    const busy = this.count(group);
    if (busy + nodes <= limit.allowed) return { ok: true };
    const budget = limit.budgetIndex === undefined ? '' : ` (spec.disruption.budgets[${limit.budgetIndex}]: nodes ${group.spec.disruption.budgets[limit.budgetIndex]!.nodes})`;
    return { ok: false, reason: 'disruption-budget', message: `NodeGroup ${group.key} allows ${limit.allowed} of its ${groupNodes} node(s) to be disrupted at once for ${reason}${budget}; ${busy} already are` };
  }

  spend(group: ValidGroup, nodes = 1): void {
    this.disrupting.set(group.key, this.count(group) + nodes);
  }
}
