import { INSTANCE_TYPE_LABEL } from '../../../shared/labels.ts';
import { LAUNCH_TEMPLATE_LABEL, launchTemplateHash } from '../../../shared/launch-template.ts';
import type { SnapshotNode } from '../../../shared/snapshot.ts';
import type { PlanContext, ValidGroup } from '../context.ts';
import { formatDuration } from '../durations.ts';

// Drift: a node no longer matches what its group would launch today (Karpenter's Drifted). Told
// from what the forwarder wrote on the node when it launched it (shared/launch-template.ts):
//   - its plan (instance-type label) is no longer in the group's offeringIDs (by id or nickname);
//   - the launch-template hash differs: datacenter, OS image, bootstrap template reference, kubelet
//     settings, labels or taints changed (labels and taints are named when the node shows which);
//   - it is older than spec.disruption.expireAfterSeconds (maximum lifetime; reported as expired).
// Behavioural fields (min/max, policies, budgets) are not in the hash: not drift. A node without
// the hash label (launched before it existed, or not by this autoscaler) is never drifted by
// template, only by expireAfter: the planner cannot know what it was launched with.

export interface Drift { reason: 'offering-removed' | 'launch-template' | 'expired'; message: string }

function listsOffering(ctx: PlanContext, group: ValidGroup, type: string): boolean {
  if (group.spec.offeringIDs.includes(type)) return true;
  return ctx.snapshot.offerings.some((o) => o.nickname === type && group.spec.offeringIDs.includes(o.identifier));
}

/** What changed, as far as the node shows it (the hash says only that something did). */
function whatChanged(node: SnapshotNode, group: ValidGroup): string {
  const labels = Object.entries(group.spec.labels).filter(([k, v]) => node.labels[k] !== v).map(([k, v]) => `${k}=${v} (node: ${node.labels[k] ?? 'unset'})`);
  if (labels.length > 0) return `labels changed: ${labels.join(', ')}`;
  const taints = group.spec.taints.filter((t) => !node.taints.some((n) => n.key === t.key && (n.value ?? '') === (t.value ?? '') && n.effect === t.effect));
  if (taints.length > 0) return `taints changed: ${taints.map((t) => `${t.key}${t.value ? `=${t.value}` : ''}:${t.effect}`).join(', ')} not on the node`;
  return 'the launch template changed (datacenter, OS image, bootstrap template, kubelet settings, or labels/taints removed)';
}

export function driftOf(ctx: PlanContext, node: SnapshotNode, group: ValidGroup): Drift | undefined {
  const expireAfterSeconds = group.spec.disruption.expireAfterSeconds;
  if (expireAfterSeconds !== undefined) {
    const ageMs = ctx.nowMs - node.createdAtMs;
    if (ageMs >= expireAfterSeconds * 1000) return { reason: 'expired', message: `node ${node.name} is ${formatDuration(ageMs)} old; expireAfterSeconds is ${expireAfterSeconds}` };
    ctx.wakeAt(node.createdAtMs + expireAfterSeconds * 1000);
  }
  const recorded = node.labels[LAUNCH_TEMPLATE_LABEL];
  if (recorded === undefined) return undefined;
  const type = node.labels[INSTANCE_TYPE_LABEL];
  if (type !== undefined && !listsOffering(ctx, group, type)) {
    return { reason: 'offering-removed', message: `its plan ${type} is no longer in the offeringIDs of NodeGroup ${group.key}` };
  }
  if (recorded !== launchTemplateHash(group.spec)) return { reason: 'launch-template', message: whatChanged(node, group) };
  return undefined;
}
