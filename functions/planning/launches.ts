import { TO_BE_DELETED_TAINT } from '../../shared/labels.ts';
import { recordGroupFailure, recordGroupSuccess } from './backoff.ts';
import { clusterIndex, liveVm } from './cluster-index.ts';
import type { PlanContext } from './context.ts';
import { groupEvent } from './lifecycle-events.ts';
import { groupRef } from './managed-nodes.ts';
import type { LaunchOperation } from './types.ts';
import { formatDuration } from './durations.ts';
import { isDaemonSetPod, isMirrorPod } from './pod-rules.ts';

// A launch after createVm: launching ──(VM listed, or a Node of that name)──▶ registering
// ──(Node Ready)──▶ succeeded. No VM by launchDeadlineMs, or no Ready Node by
// registrationDeadlineMs, fails it: the VM and the Node are deleted and the group backs off.

/** How often the forwarder is asked back while a launch is in progress. */
export const LAUNCH_POLL_MS = 15_000;

export function advanceLaunch(ctx: PlanContext, op: LaunchOperation): void {
  if (op.status !== 'launching' && op.status !== 'registering') return;
  const index = clusterIndex(ctx.snapshot);
  const node = index.nodeByName.get(op.hostname);
  const vm = liveVm(index, op.hostname);
  if (vm?.identifier !== undefined) op.vmIdentifier = vm.identifier;
  if (op.status === 'launching' && (vm || node)) {
    op.status = 'registering';
    op.updatedAtMs = ctx.nowMs;
  }
  // IMPORTANT: a Node that hosts workload pods was Ready (the scheduler binds nothing else to it),
  // even if no plan saw it Ready before it went NotReady: the launch succeeded, and a later loss of
  // the machine is the NotReady replacement's business (with its local-data and partition checks),
  // never the failed-launch clean-up's, which deletes without them.
  if (node?.ready || (node && servedWorkloads(ctx, node.name))) {
    op.status = 'succeeded';
    op.updatedAtMs = ctx.nowMs;
    recordGroupSuccess(ctx.state, op.nodeGroup);
    groupEvent(ctx, op.nodeGroup, { type: 'Normal', eventReason: 'ProvisioningCompleted', reason: 'node-ready', message: `node ${op.hostname} joined and is Ready`, operationId: op.id });
    return;
  }
  // A missing VM only means something when VPSie could be listed; the registration deadline
  // bounds a launch either way. Clean-up deletes, so it waits for a synced snapshot (a Ready Node
  // missing from an incomplete list must not be mistaken for a launch that never joined).
  const launchExpired = op.status === 'launching' && ctx.snapshot.vms !== null && ctx.nowMs >= op.launchDeadlineMs;
  const registrationExpired = ctx.nowMs >= op.registrationDeadlineMs;
  if ((launchExpired || registrationExpired) && ctx.snapshot.synced) {
    if (launchExpired) failLaunch(ctx, op, 'launch-deadline', `no VM ${op.hostname} appeared within ${formatDuration(ctx.policy.launchDeadlineMs)}`);
    else failLaunch(ctx, op, 'registration-deadline', `VM ${op.hostname} did not join as a Ready node within ${formatDuration(ctx.policy.registrationDeadlineMs)}`);
    return;
  }
  ctx.wakeAt(Math.min(ctx.nowMs + LAUNCH_POLL_MS, op.status === 'launching' ? op.launchDeadlineMs : op.registrationDeadlineMs));
}

/**
 * Marks the launch failed, deletes what it may have left (the VM by hostname even when none was
 * seen: a create accepted late still materialises), backs the group off and says why.
 */
export function failLaunch(ctx: PlanContext, op: LaunchOperation, reason: string, message: string, { cleanUp = true }: { cleanUp?: boolean } = {}): void {
  op.status = 'failed';
  op.failure = reason;
  op.updatedAtMs = ctx.nowMs;
  // Clean-up deletes, so it needs a synced snapshot (a stale one could miss the Node, or show one
  // that is not there); without one, the orphan-VM sweep finds the VM later. A create the forwarder
  // refused never ran: nothing to clean up.
  if (cleanUp && ctx.snapshot.synced) {
    const nodeGroup = groupRef(op.nodeGroup);
    const node = clusterIndex(ctx.snapshot).nodeByName.get(op.hostname);
    // The forwarder deletes only Nodes (and VMs under Nodes) tainted for deletion: taint first. A
    // node that never became Ready serves nobody, so minNodes never blocks this (shared/membership.ts).
    if (node && !node.taints.some((t) => t.key === TO_BE_DELETED_TAINT)) {
      ctx.emit({ kind: 'taintNode', node: op.hostname, nodeGroup, reason, message: `cleaning up failed launch: ${message}`, operationId: op.id });
    }
    ctx.emit({
      kind: 'deleteVm',
      nodeGroup,
      hostname: op.hostname,
      ...(op.vmIdentifier !== undefined ? { vmIdentifier: op.vmIdentifier } : {}),
      reason,
      message: `cleaning up failed launch: ${message}`,
      operationId: op.id,
    });
    if (node) {
      ctx.emit({ kind: 'deleteNode', node: op.hostname, nodeGroup, reason, message: `cleaning up failed launch: ${message}`, operationId: op.id });
    }
  }
  const backoffUntilMs = recordGroupFailure(ctx.state, op.nodeGroup, ctx.policy, ctx.nowMs);
  const backoff = formatDuration(backoffUntilMs - ctx.nowMs);
  ctx.decide({
    kind: 'launch-failed',
    target: `ng ${op.nodeGroup}`,
    nodeGroup: op.nodeGroup,
    reason,
    message: `${message}; NodeGroup ${op.nodeGroup} backs off for ${backoff}`,
    details: { operationId: op.id, hostname: op.hostname, offering: op.offeringId, backoffUntilMs },
  });
  groupEvent(ctx, op.nodeGroup, { type: 'Warning', eventReason: 'ProvisioningFailed', reason, message: `${message}; backing off ${backoff}`, operationId: op.id });
}

/** Whether a workload pod (not a DaemonSet or mirror pod) is bound to the node. */
function servedWorkloads(ctx: PlanContext, nodeName: string): boolean {
  const { snapshot } = ctx;
  return (clusterIndex(snapshot).podsByNode.get(nodeName) ?? []).some((pod) => {
    const shape = snapshot.podShapes[pod.shape]!;
    return !isDaemonSetPod(shape) && !isMirrorPod(shape);
  });
}
