import { SCALE_DOWN_DISABLED, TO_BE_DELETED_TAINT } from '../../shared/labels.ts';
import { describeShortfall } from './pdb-budget.ts';
import { abortDrain, confirmAbort, giveUpRemoval, isTainted, setStatus } from './drain-end.ts';
import { matchesHostnamePattern } from '../../shared/ownership.ts';
import type { SnapshotNode } from '../../shared/snapshot.ts';
import { groupState } from './backoff.ts';
import { clusterIndex, liveVm, podKey } from './cluster-index.ts';
import type { PlanContext, ValidGroup } from './context.ts';
import { groupEvent, nodeEvent, podEvent } from './lifecycle-events.ts';
import { groupRef, managedGroupOf, unmarkedVmMessage, unmarkedVmOf, vmIdentifierOf } from './managed-nodes.ts';
import { classifyNodePods, removalSimulation } from './removal-simulation.ts';
import { isAwaitingResult } from './sent-commands.ts';
import { isDaemonSetPod, isFinished, isMirrorPod, matchingPdbs } from './pod-rules.ts';
import type { DrainOperation } from './types.ts';
import { formatDuration } from './durations.ts';
import { reportPdbWait } from './drain-pdb-wait.ts';

// A node's removal as a sequence of commands, one step per reconcile:
//
//   cordoning ──(taint visible, re-check passes)──▶ draining ──(pods gone)──▶ deleting-node: deleteVm, and once
//       │                                              │                          │ the VM is gone, deleteNode
//       └──(re-check fails / deadline)──▶ aborting ◀───┘ (deadline)               ▼ (Node gone)
//                                           │ (untaint visible)             deleting-vm ──(VM and Node gone)──▶ succeeded
//                                           ▼                                     │
//                                         failed ◀──(removal deadline; the node ──┘
//                                                    is handed back if VPSie never accepted its VM's deletion)
//
// IMPORTANT: taint-then-recheck. The safety checks ran on a snapshot taken before the taint; a pod
// may have landed in between. Evictions start only after a snapshot shows the taint and the checks
// pass again on it. Past deleting-node the drain deadline no longer applies; the removal deadline
// (policy.removalDeadlineMs from the first deleteNode) bounds the retries of deleteNode/deleteVm.
// Every step needs a synced snapshot except the abort (untaint is never destructive).

/** How often the forwarder is asked back while a drain waits (pods terminating, a VM going away). */
export const DRAIN_POLL_MS = 10_000;
/**
 * How soon after a step was sent (taint, evictions, deleteVm, deleteNode): the next step only needs a
 * snapshot that shows it (the forwarder runs a plan's commands before its next reconcile). At the
 * 10-s poll an empty node took 3 polls to go, and with a 30-s heartbeat issue-22's 21 nodes 122 s.
 */
export const DRAIN_STEP_MS = 2_000;

export type DrainReason = 'underused' | 'empty' | 'not-ready' | 'consolidation' | 'drifted';

export interface StartDrain {
  node: SnapshotNode;
  group: ValidGroup;
  empty: boolean;
  reason: DrainReason;
  message: string;
}

export function startDrain(ctx: PlanContext, start: StartDrain): DrainOperation {
  const { node, group } = start;
  const vmIdentifier = vmIdentifierOf(node) ?? liveVm(clusterIndex(ctx.snapshot), node.name)?.identifier;
  const op: DrainOperation = {
    id: ctx.id('drain', node.name),
    kind: 'drain',
    nodeGroup: group.key,
    node: node.name,
    hostname: node.name,
    ...(vmIdentifier !== undefined ? { vmIdentifier } : {}),
    empty: start.empty,
    status: 'cordoning',
    createdAtMs: ctx.nowMs,
    updatedAtMs: ctx.nowMs,
    deadlineMs: ctx.nowMs + ctx.policy.drainDeadlineMs,
    evicted: [],
    reason: start.reason,
    reasonMessage: start.message,
  };
  ctx.state.operations.push(op);
  groupState(ctx.state, group.key).lastScaleDownMs = ctx.nowMs;
  delete ctx.state.nodes[node.name]?.underusedSinceMs;
  ctx.emit({ kind: 'taintNode', node: node.name, nodeGroup: groupRef(group.key), reason: start.reason, message: start.message, operationId: op.id });
  const triggered = start.reason === 'not-ready' ? 'NodeReplacementTriggered' : 'ScaleDownTriggered';
  groupEvent(ctx, group.key, { type: start.reason === 'not-ready' ? 'Warning' : 'Normal', eventReason: triggered, reason: start.reason, message: start.message, operationId: op.id });
  nodeEvent(ctx, node.name, { type: 'Normal', eventReason: 'DrainStarted', reason: start.reason, message: `tainted ${TO_BE_DELETED_TAINT}:NoSchedule and cordoned; ${start.message}`, operationId: op.id });
  ctx.wakeAt(ctx.nowMs + DRAIN_STEP_MS);
  return op;
}

export function advanceDrain(ctx: PlanContext, op: DrainOperation): void {
  if (op.status === 'succeeded' || op.status === 'failed') return;
  ctx.wakeAt(ctx.nowMs + DRAIN_POLL_MS);
  const node = clusterIndex(ctx.snapshot).nodeByName.get(op.node);
  if (op.status === 'aborting') return confirmAbort(ctx, op, node);
  if ((op.status === 'cordoning' || op.status === 'draining') && ctx.nowMs >= op.deadlineMs) {
    return abortDrain(ctx, op, 'drain-deadline', `the drain did not finish within ${formatDuration(ctx.policy.drainDeadlineMs)}`, true);
  }
  if (op.removalDeadlineMs !== undefined && ctx.nowMs >= op.removalDeadlineMs && (op.status === 'deleting-node' || op.status === 'deleting-vm')) {
    return giveUpRemoval(ctx, op, node);
  }
  if (!ctx.snapshot.synced) return;
  const before = ctx.commands.length;
  if (op.status === 'cordoning') cordoning(ctx, op, node);
  if (op.status === 'draining') draining(ctx, op, node);
  if (op.status === 'deleting-node') deletingNode(ctx, op, node);
  if (op.status === 'deleting-vm') deletingVm(ctx, op, clusterIndex(ctx.snapshot).nodeByName.get(op.node));
  // A step sent (not an Event: Events wait for nothing): its result is all the next step needs.
  if (ctx.commands.slice(before).some((c) => STEP_KINDS.has(c.kind))) ctx.wakeAt(ctx.nowMs + DRAIN_STEP_MS);
}

const STEP_KINDS: ReadonlySet<string> = new Set(['taintNode', 'evictPod', 'deleteNode', 'deleteVm']);

function cordoning(ctx: PlanContext, op: DrainOperation, node: SnapshotNode | undefined): void {
  if (!node) return setStatus(ctx, op, 'deleting-vm'); // the Node went away by itself
  if (!isTainted(node)) {
    // Not applied yet; send again only if the first one got lost.
    if (!isAwaitingResult(ctx.state, 'taintNode', node.name, ctx.nowMs)) {
      ctx.emit({ kind: 'taintNode', node: node.name, nodeGroup: groupRef(op.nodeGroup), reason: op.reason, message: 'taint not visible yet; sending again', operationId: op.id });
    }
    return;
  }
  if (op.reason === 'not-ready') return setStatus(ctx, op, 'deleting-node'); // its pods are gone with the kubelet
  const problem = recheck(ctx, op, node);
  if (problem) return abortDrain(ctx, op, problem.reason, problem.message, false);
  setStatus(ctx, op, 'draining');
}

/** The safety checks again, on a snapshot that shows the taint. */
function recheck(ctx: PlanContext, op: DrainOperation, node: SnapshotNode): { reason: string; message: string } | undefined {
  const group = managedGroupOf(ctx, node);
  if (!group || group.key !== op.nodeGroup) return { reason: 'group-changed', message: `node ${node.name} no longer belongs to NodeGroup ${op.nodeGroup}` };
  if (!group.spec.scaleDownPolicy.enabled) return { reason: 'scale-down-disabled', message: `scale-down was disabled for NodeGroup ${group.key}` };
  if (node.annotations[SCALE_DOWN_DISABLED] === 'true') return { reason: 'scale-down-disabled-annotation', message: `node ${node.name} was annotated ${SCALE_DOWN_DISABLED}: "true"` };
  if (unmarkedVmOf(ctx, node)) return { reason: 'vm-unmarked', message: unmarkedVmMessage(node) };
  const pods = classifyNodePods(ctx, node.name);
  if (pods.block) return { reason: pods.block.reason, message: pods.block.message };
  const sim = removalSimulation(ctx);
  const waiting = sim.neededByPendingPod(node.name);
  if (waiting) return { reason: 'needed-by-pending-pod', message: `pending pod ${waiting} fits on node ${node.name} and nowhere else` };
  const shortfall = sim.pdbs.shortfall(pods.evictable);
  if (shortfall) {
    return { reason: 'pdb', message: describeShortfall(shortfall, 'the drain') };
  }
  const fit = sim.tryRemove(node.name, pods.evictable);
  if (!fit.ok) return { reason: fit.reason, message: fit.message };
  sim.pdbs.spend(pods.evictable);
  op.empty = pods.evictable.length === 0;
  return undefined;
}

function draining(ctx: PlanContext, op: DrainOperation, node: SnapshotNode | undefined): void {
  if (!node) return setStatus(ctx, op, 'deleting-vm');
  const pods = classifyNodePods(ctx, node.name);
  // The taint keeps ordinary pods out, but a pod tolerating every taint can still land.
  if (pods.block) return abortDrain(ctx, op, pods.block.reason, pods.block.message, false);
  const ref = groupRef(op.nodeGroup);
  // IMPORTANT: the forwarder skips a node's remaining evictions in a plan once one fails (a 429 too):
  // pods whose PDB allows no disruption now go last, so the pods that can go are not held up behind them.
  const spent = new Set(pods.evictable.filter((p) => matchingPdbs(p.pod, p.shape, ctx.snapshot.pdbs).some((b) => b.disruptionsAllowed <= 0)));
  for (const { pod } of [...pods.evictable.filter((p) => !spent.has(p)), ...spent]) {
    const key = podKey(pod);
    // Evicted already (its deletion shows up as "terminating" soon), or an eviction on its way.
    if (op.evicted.includes(key) || isAwaitingResult(ctx.state, 'evictPod', key, ctx.nowMs)) continue;
    // The Event goes first: once evicted, the pod may be gone before `kubectl describe` could show it.
    podEvent(ctx, pod, { type: 'Normal', eventReason: 'ScaleDown', reason: op.reason, message: `evicting pod: node ${node.name} is being removed (${op.reason}): ${op.reasonMessage ?? op.reason}`, operationId: op.id });
    ctx.emit({ kind: 'evictPod', namespace: pod.namespace, pod: pod.name, node: node.name, nodeGroup: ref, reason: op.reason, message: `draining node ${node.name}`, operationId: op.id });
  }
  // Wait until every pod that had to go is gone, terminating ones included (their grace periods run).
  if (podsLeft(ctx, node.name) > 0) return reportPdbWait(ctx, op);
  setStatus(ctx, op, 'deleting-node');
  nodeEvent(ctx, node.name, { type: 'Normal', eventReason: 'DrainCompleted', reason: op.reason, message: `every pod left node ${node.name}`, operationId: op.id });
}

/** Pods still on the node that must be gone before it is deleted (DaemonSet, mirror and finished ones go with it). */
function podsLeft(ctx: PlanContext, nodeName: string): number {
  return (clusterIndex(ctx.snapshot).podsByNode.get(nodeName) ?? []).filter((pod) => {
    const shape = ctx.snapshot.podShapes[pod.shape]!;
    return !isFinished(pod) && !isDaemonSetPod(shape) && !isMirrorPod(shape);
  }).length;
}

/**
 * The removal proper. IMPORTANT: the VM goes first, the Node after it (as Cluster Autoscaler and
 * Karpenter do: the instance, then the Node object). While the VM is being deleted its Node stays,
 * tainted, so nothing lands on a machine about to disappear; deleting the Node first let a kubelet
 * still running re-register it untainted, and a pod bound to it then was lost with the VM.
 */
function deletingNode(ctx: PlanContext, op: DrainOperation, node: SnapshotNode | undefined): void {
  if (!node) return setStatus(ctx, op, 'deleting-vm');
  // A pod tolerating the taint may have landed since the drain finished: drain it (or abort) first.
  // (A NotReady node's pods are gone with its kubelet.)
  if (op.reason !== 'not-ready' && podsLeft(ctx, node.name) > 0) {
    setStatus(ctx, op, 'draining');
    return draining(ctx, op, node);
  }
  // Without a VM list it is unknown whether the machine is still there: wait for one.
  if (ctx.snapshot.vms === null) return;
  if (liveVm(clusterIndex(ctx.snapshot), op.hostname) && matchesHostnamePattern(op.hostname, ctx.policy.hostnamePrefix)) return emitDeleteVm(ctx, op);
  // The machine is gone: now the Node. A Node that came back without the taint is tainted again
  // first (the forwarder deletes only tainted Nodes, and re-checks their pods live).
  if (!isTainted(node)) {
    if (!isAwaitingResult(ctx.state, 'taintNode', node.name, ctx.nowMs)) {
      ctx.emit({ kind: 'taintNode', node: node.name, nodeGroup: groupRef(op.nodeGroup), reason: op.reason, message: `node ${node.name} re-registered untainted while it is removed`, operationId: op.id });
    }
    return;
  }
  if (isAwaitingResult(ctx.state, 'deleteNode', node.name, ctx.nowMs)) return;
  ctx.emit({ kind: 'deleteNode', node: node.name, nodeGroup: groupRef(op.nodeGroup), reason: op.reason, message: `removing node ${node.name}; its VM is gone`, operationId: op.id });
}

/** The Node is gone; its VM may still be listed. A Node that comes back is handled as above. */
function deletingVm(ctx: PlanContext, op: DrainOperation, node: SnapshotNode | undefined): void {
  // Without a VM list nothing can be verified (or deleted by identifier); wait for one.
  if (ctx.snapshot.vms === null) return;
  if (node) {
    setStatus(ctx, op, 'deleting-node');
    return deletingNode(ctx, op, node);
  }
  const vm = liveVm(clusterIndex(ctx.snapshot), op.hostname);
  // VMs outside the cluster's prefix are never listed nor deleted (the forwarder would refuse).
  if (!vm || !matchesHostnamePattern(op.hostname, ctx.policy.hostnamePrefix)) return setStatus(ctx, op, 'succeeded');
  emitDeleteVm(ctx, op);
}

function emitDeleteVm(ctx: PlanContext, op: DrainOperation): void {
  if (ctx.snapshot.vms === null || !matchesHostnamePattern(op.hostname, ctx.policy.hostnamePrefix)) return;
  const vm = liveVm(clusterIndex(ctx.snapshot), op.hostname);
  if (!vm) return;
  if (vm.identifier !== undefined) op.vmIdentifier = vm.identifier;
  if (isAwaitingResult(ctx.state, 'deleteVm', op.hostname, ctx.nowMs)) return;
  ctx.emit({
    kind: 'deleteVm',
    nodeGroup: groupRef(op.nodeGroup),
    hostname: op.hostname,
    ...(op.vmIdentifier !== undefined ? { vmIdentifier: op.vmIdentifier } : {}),
    reason: op.reason,
    message: `deleting the VM of node ${op.node}`,
    operationId: op.id,
  });
}

export { abortDrain, isTainted };
