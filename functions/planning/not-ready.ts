import type { PlanContext, ValidGroup } from './context.ts';
import { clusterIndex, podKey, shapeOf } from './cluster-index.ts';
import { startDrain } from './drains.ts';
import { managedGroupOf } from './managed-nodes.ts';
import { isDaemonSetPod, isFinished, isMirrorPod, unlistedLocalVolumes } from './pod-rules.ts';
import { SAFE_TO_EVICT } from '../../shared/labels.ts';
import type { SnapshotNode } from '../../shared/snapshot.ts';
import { formatDuration } from './durations.ts';
import { nodesOf, openDrains } from './open-drains.ts';

// A managed node NotReady for longer than its group's notReadyReplacement.afterSeconds (unset: the
// policy's notReadyReplaceAfterMs, 30 min by default) is removed (taint, delete the VM and the Node);
// its pods come back as pending and scale-up launches what they need. Scale-up counts only serving
// nodes towards minNodes, so a NotReady node's replacement is launched as soon as it stops serving,
// long before this removal. No evictions: the kubelet is gone, and the node lifecycle controller has
// already evicted what does not tolerate node.kubernetes.io/unreachable.
//
// Not replaced (a network partition must not destroy data; Karpenter's node repair is opt-in too):
//   - nodes holding a pod without a controller, or a pod with local storage (emptyDir on disk,
//     hostPath), unless the group sets notReadyReplacement.replaceNodesWithLocalData (localData below);
//   - a node whose earlier removal failed, until its drain backoff ends;
//   - more than one per group at a time, and none while more than MAX_NOT_READY_FRACTION of the group
//     is NotReady (a partition or a control-plane problem is not fixed by deleting nodes — Cluster
//     Autoscaler's max-total-unready-percentage).
// A node left by a failed launch (it never became Ready; the launch's one clean-up did not get it
// removed — VPSie refused the deletion, say) is removed here without waiting again: the registration
// deadline was the wait, it is no sign of a partition, and it never ran a workload that could hold
// data. minNodes never blocks it (it serves nobody); its replacement was launched by scale-up already.
//
// Why 30 minutes by default (it was 10): Karpenter's node repair waits 30 minutes for Ready=False or
// Unknown. Pods of a NotReady node are evicted by Kubernetes after 5 minutes anyway and their
// replacement capacity comes from scale-up, so waiting longer costs one idle VM for a while; deleting
// too early turns every kubelet restart, network blip or long reboot into a lost machine.

export const MAX_NOT_READY_FRACTION = 0.45;

export function replaceNotReadyNodes(ctx: PlanContext): void {
  const { snapshot, state, nowMs } = ctx;
  const joining = new Set(state.operations.filter((op) => op.kind === 'launch' && (op.status === 'launching' || op.status === 'registering')).map((op) => op.hostname));
  // Launches that failed in an earlier plan (this plan's failure sent its own clean-up).
  const failedLaunches = new Set(state.operations.filter((op) => op.kind === 'launch' && op.status === 'failed' && op.updatedAtMs < nowMs).map((op) => op.hostname));
  const draining = nodesOf(openDrains(state));
  const byGroup = new Map<ValidGroup, SnapshotNode[]>();
  for (const node of [...snapshot.nodes].sort((a, b) => a.name.localeCompare(b.name))) {
    const group = managedGroupOf(ctx, node);
    if (!group) continue;
    const list = byGroup.get(group) ?? [];
    list.push(node);
    byGroup.set(group, list);
    if (node.ready) {
      if (state.nodes[node.name]) delete state.nodes[node.name]!.notReadySinceMs;
      continue;
    }
    // A joining node is the launch's business (registration deadline), not a replacement's.
    if (joining.has(node.name)) continue;
    const timers = (state.nodes[node.name] ??= {});
    timers.notReadySinceMs = Math.min(timers.notReadySinceMs ?? nowMs, node.readyTransitionMs ?? nowMs);
  }

  for (const [group, nodes] of byGroup) {
    const notReady = nodes.filter((n) => !n.ready && !joining.has(n.name) && !n.terminating);
    const leftOver = (n: SnapshotNode) => failedLaunches.has(n.name);
    // Left-overs of failed launches first; they do not count as signs of a partition.
    notReady.sort((a, b) => Number(leftOver(b)) - Number(leftOver(a)));
    const suspect = notReady.filter((n) => !leftOver(n));
    if (notReady.length === 0) continue;
    const replacing = state.operations.some((op) => op.kind === 'drain' && op.nodeGroup === group.key && op.reason === 'not-ready'
      && op.status !== 'succeeded' && op.status !== 'failed');
    const afterMs = notReadyAfterMs(ctx, group);
    for (const node of notReady) {
      if (draining.has(node.name)) continue;
      const timers = state.nodes[node.name]!;
      const sinceMs = timers.notReadySinceMs!;
      const dueMs = leftOver(node) ? nowMs : sinceMs + afterMs;
      if (nowMs < dueMs) {
        ctx.wakeAt(dueMs);
        continue;
      }
      if (replacing) break;
      const target = `node ${node.name}`;
      const duration = formatDuration(nowMs - sinceMs);
      const serving = nodes.filter((n) => !leftOver(n)).length;
      if (!leftOver(node) && suspect.length / serving > MAX_NOT_READY_FRACTION && serving > 1) {
        ctx.decide({ kind: 'replace-node', target, nodeGroup: group.key, reason: 'too-many-not-ready', message: `node ${node.name} is NotReady for ${duration}, but ${suspect.length} of ${serving} nodes of ${group.key} are NotReady; not replacing while the group looks partitioned` });
        continue;
      }
      if (timers.drainBackoffUntilMs !== undefined && timers.drainBackoffUntilMs > nowMs) {
        ctx.wakeAt(timers.drainBackoffUntilMs);
        ctx.decide({ kind: 'replace-node', target, nodeGroup: group.key, reason: 'drain-backoff', message: `node ${node.name} is NotReady for ${duration}, but its removal failed earlier; not tried again for ${formatDuration(timers.drainBackoffUntilMs - nowMs)}` });
        continue;
      }
      const data = group.spec.notReadyReplacement.replaceNodesWithLocalData || leftOver(node) ? undefined : localData(ctx, node.name);
      if (data) {
        ctx.decide({
          kind: 'replace-node',
          target,
          nodeGroup: group.key,
          reason: 'local-data',
          message: `node ${node.name} is NotReady for ${duration}, but ${data.message}; NodeGroup ${group.key} does not set notReadyReplacement.replaceNodesWithLocalData, so it is left for an operator`,
          details: { pod: data.pod, notReadySinceMs: sinceMs },
        });
        continue;
      }
      if (!snapshot.synced) continue;
      const message = leftOver(node)
        ? `node ${node.name} of a failed launch is still there (never Ready); removing it`
        : `node ${node.name} has been NotReady for ${duration}; replacing it`;
      ctx.decide({ kind: 'replace-node', target, nodeGroup: group.key, reason: leftOver(node) ? 'failed-launch' : 'not-ready', message, details: { notReadySinceMs: sinceMs } });
      startDrain(ctx, { node, group, empty: true, reason: 'not-ready', message });
      ctx.remove.push({ node: node.name, nodeGroup: group.key, reason: 'not-ready' });
      break;
    }
  }
}

/** How long a node of the group must be NotReady before it is replaced. */
export function notReadyAfterMs(ctx: PlanContext, group: ValidGroup): number {
  const seconds = group.spec.notReadyReplacement.afterSeconds;
  return seconds === undefined ? ctx.policy.notReadyReplaceAfterMs : seconds * 1000;
}

/**
 * The first pod on the node whose loss would lose data, by the rules of scale-down (pod-rules.ts):
 * no controller (unless it is being deleted anyway), or local storage not named in
 * safe-to-evict-local-volumes (also while terminating: the data is on the disk until the VM goes).
 * safe-to-evict "true" says the pod may go; DaemonSet, mirror and finished pods do not count.
 */
function localData(ctx: PlanContext, nodeName: string): { pod: string; message: string } | undefined {
  const { snapshot } = ctx;
  for (const pod of clusterIndex(snapshot).podsByNode.get(nodeName) ?? []) {
    const shape = shapeOf(snapshot, pod);
    if (isMirrorPod(shape) || isDaemonSetPod(shape) || isFinished(pod) || shape.annotations[SAFE_TO_EVICT] === 'true') continue;
    const key = podKey(pod);
    const volumes = unlistedLocalVolumes(shape);
    if (volumes.length > 0) return { pod: key, message: `pod ${key} keeps data on the node (volume${volumes.length > 1 ? 's' : ''} ${volumes.join(', ')})` };
    if (shape.owner === null && !pod.terminating) return { pod: key, message: `pod ${key} has no controller and would be lost` };
  }
  return undefined;
}
