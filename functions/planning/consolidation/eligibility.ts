import type { SnapshotNode } from '../../../shared/snapshot.ts';
import { clusterIndex } from '../cluster-index.ts';
import type { PlanContext, ValidGroup } from '../context.ts';
import { formatDuration } from '../durations.ts';
import { offeringOfNode } from '../managed-nodes.ts';
import type { NodePods } from '../removal-simulation.ts';
import { isBoundActivePod } from '../simulation/index.ts';

// May this node be replaced by a cheaper one at all? (Before any search: single- and multi-node
// consolidation both start here.) A node scale-down would remove but whose pods do not all fit
// elsewhere: every rule of scale-down has passed already (underuse for the window, blocking pods,
// annotations, minNodes). Not replaced, each a reason as data: consolidation off; a price unknown;
// the node younger than minNodeAgeSeconds (VPSie's abuse rule) or a pod landed within
// consolidateAfterSeconds; the group not allowing mixed instances.

/** `fitMessage`: why its pods do not all fit on the remaining nodes (the deletion not taken). */
export interface ReplaceCandidate { node: SnapshotNode; group: ValidGroup; pods: NodePods; fitMessage: string }

export type Eligibility = { ok: true; monthlyPrice: number; identifier: string } | { ok: false; reason: string; message: string };

/** When the node last changed: its join, or the newest pod bound to it (a pod landing resets the wait). */
export function lastChangeMs(ctx: PlanContext, node: SnapshotNode): number {
  let last = node.createdAtMs;
  for (const pod of clusterIndex(ctx.snapshot).podsByNode.get(node.name) ?? []) if (isBoundActivePod(pod)) last = Math.max(last, pod.createdAtMs);
  return last;
}

export function replacementEligibility(ctx: PlanContext, c: ReplaceCandidate): Eligibility {
  const { node, group } = c;
  const { nowMs } = ctx;
  const d = group.spec.disruption;
  if (d.consolidationPolicy !== 'WhenEmptyOrUnderutilized') return { ok: false, reason: 'consolidation-off', message: `consolidationPolicy is ${d.consolidationPolicy}` };
  const current = offeringOfNode(ctx, node, group);
  if (!current) return { ok: false, reason: 'price-unknown', message: `the offering of node ${node.name} is unknown, so no saving can be shown` };
  const ageMs = nowMs - node.createdAtMs;
  if (ageMs < d.minNodeAgeSeconds * 1000) {
    return { ok: false, reason: 'node-too-young', message: `node ${node.name} is ${formatDuration(ageMs)} old; replacing waits until ${formatDuration(d.minNodeAgeSeconds * 1000)} (VPSie may flag VMs deleted soon after creation)` };
  }
  const stableMs = nowMs - lastChangeMs(ctx, node);
  if (stableMs < d.consolidateAfterSeconds * 1000) {
    ctx.wakeAt(nowMs - stableMs + d.consolidateAfterSeconds * 1000);
    return { ok: false, reason: 'consolidate-after', message: `a pod landed on node ${node.name} ${formatDuration(stableMs)} ago; consolidateAfterSeconds is ${d.consolidateAfterSeconds}` };
  }
  if (!group.spec.allowMixedInstances) return { ok: false, reason: 'mixed-instances-not-allowed', message: `NodeGroup ${group.key} does not allow mixed instances, so a cheaper offering cannot join it` };
  return { ok: true, monthlyPrice: current.priceMonthly, identifier: current.identifier };
}
