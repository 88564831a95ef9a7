import { TO_BE_DELETED_TAINT } from '../../shared/labels.ts';
import type { SnapshotNode } from '../../shared/snapshot.ts';
import { recordDrainFailure } from './backoff.ts';
import { clusterIndex, liveVm } from './cluster-index.ts';
import type { PlanContext } from './context.ts';
import { formatDuration } from './durations.ts';
import { groupEvent, nodeEvent } from './lifecycle-events.ts';
import { groupRef } from './managed-nodes.ts';
import { isAwaitingResult } from './sent-commands.ts';
import type { DrainOperation } from './types.ts';

// How a drain (drains.ts) ends when it does not end in a deletion: aborted (untaint, uncordon, say
// why; a failure backs the node off), confirmed once the untaint is visible, or given up past the
// removal deadline. And the two helpers every step uses: the status change and the taint test.

export function isTainted(node: SnapshotNode): boolean {
  return node.taints.some((t) => t.key === TO_BE_DELETED_TAINT);
}

export function setStatus(ctx: PlanContext, op: DrainOperation, status: DrainOperation['status']): void {
  op.status = status;
  op.updatedAtMs = ctx.nowMs;
  // The removal deadline runs from the first step past the drain (a drain sent back by a late pod keeps it).
  if (status === 'deleting-node' || status === 'deleting-vm') op.removalDeadlineMs ??= ctx.nowMs + ctx.policy.removalDeadlineMs;
}

/**
 * The Node or its VM is still there long after their deletion began (deleteNode/deleteVm failing
 * again and again, or VPSie never finishing). Retrying forever would hide it: stop, back the node
 * off, say so. A node whose machine is still there, and whose deletion VPSie never accepted, is
 * handed back (untaint, uncordon), as Cluster Autoscaler does after a failed deletion; one whose
 * VM is going (or gone) is not: the NotReady replacement and the orphan-VM sweep take it from there.
 */
export function giveUpRemoval(ctx: PlanContext, op: DrainOperation, node: SnapshotNode | undefined): void {
  const vmKnownGone = ctx.snapshot.vms !== null && !liveVm(clusterIndex(ctx.snapshot), op.hostname);
  const left = node ? (vmKnownGone ? `node ${op.node} still exists (its VM is gone)` : `node ${op.node} and its VM still exist`) : `the VM of node ${op.node} still exists`;
  const handBack = node !== undefined && !vmKnownGone && !op.vmDeleteAccepted;
  const outcome = handBack ? 'the node is handed back' : op.vmDeleteAccepted ? 'VPSie accepted the VM\'s deletion, so the node is not handed back' : 'nothing is handed back';
  abortDrain(ctx, op, 'removal-deadline', `${left} ${formatDuration(ctx.policy.removalDeadlineMs)} after the removal began; ${outcome}`, true, handBack);
}

/**
 * Gives the node back: untaint + uncordon, and say why. `failure` (deadline, refused commands)
 * also backs the node off; a re-check that finds the node needed is not a failure. Without
 * `handBack` the operation just ends (the node stays tainted and cordoned).
 */
export function abortDrain(ctx: PlanContext, op: DrainOperation, reason: string, message: string, failure: boolean, handBack = true): void {
  const node = handBack ? clusterIndex(ctx.snapshot).nodeByName.get(op.node) : undefined;
  op.failure = reason;
  setStatus(ctx, op, node ? 'aborting' : 'failed');
  if (node) {
    ctx.emit({ kind: 'untaintNode', node: op.node, nodeGroup: groupRef(op.nodeGroup), reason, message: `drain aborted: ${message}`, operationId: op.id });
  }
  if (failure) recordDrainFailure(ctx.state, op.node, ctx.policy, ctx.nowMs);
  else delete ctx.state.nodes[op.node]?.underusedSinceMs;
  ctx.decide({
    kind: 'drain-aborted',
    target: `node ${op.node}`,
    nodeGroup: op.nodeGroup,
    reason,
    message: `drain of node ${op.node} aborted: ${message}`,
    details: { operationId: op.id, failure, evicted: op.evicted.length },
  });
  nodeEvent(ctx, op.node, { type: failure ? 'Warning' : 'Normal', eventReason: failure ? 'DrainFailed' : 'DrainAborted', reason, message, operationId: op.id });
  if (failure) groupEvent(ctx, op.nodeGroup, { type: 'Warning', eventReason: 'DrainFailed', reason, message: `node ${op.node}: ${message}`, operationId: op.id });
}

/** Finished once a snapshot shows the node untainted and schedulable (or gone). */
export function confirmAbort(ctx: PlanContext, op: DrainOperation, node: SnapshotNode | undefined): void {
  if (!node || (!isTainted(node) && !node.unschedulable)) {
    setStatus(ctx, op, 'failed');
    return;
  }
  if (isAwaitingResult(ctx.state, 'untaintNode', node.name, ctx.nowMs)) return;
  ctx.emit({ kind: 'untaintNode', node: node.name, nodeGroup: groupRef(op.nodeGroup), reason: op.failure ?? 'drain-aborted', message: 'untaint not visible yet; sending again', operationId: op.id });
}
