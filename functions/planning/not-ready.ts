import type { PlanContext, ValidGroup } from './context.ts';
import { startDrain } from './drains.ts';
import { managedGroupOf } from './managed-nodes.ts';
import type { SnapshotNode } from '../../shared/snapshot.ts';
import { formatDuration } from './durations.ts';

// A managed node NotReady for longer than policy.notReadyReplaceAfterMs is removed (taint, delete
// the Node, delete the VM); its pods come back as pending and scale-up launches what they need.
// No evictions: the kubelet is gone, and the node lifecycle controller has already evicted what
// does not tolerate node.kubernetes.io/unreachable. One replacement per group at a time, and none
// while more than MAX_NOT_READY_FRACTION of the group is NotReady (a network partition or a
// control-plane problem is not fixed by deleting nodes — Cluster Autoscaler's
// max-total-unready-percentage).

export const MAX_NOT_READY_FRACTION = 0.45;

export function replaceNotReadyNodes(ctx: PlanContext): void {
  const { snapshot, state, policy, nowMs } = ctx;
  const joining = new Set(state.operations.filter((op) => op.kind === 'launch' && (op.status === 'launching' || op.status === 'registering')).map((op) => op.hostname));
  const draining = new Set(state.operations.filter((op) => op.kind === 'drain' && op.status !== 'succeeded' && op.status !== 'failed').map((op) => op.kind === 'drain' ? op.node : ''));
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
    if (notReady.length === 0) continue;
    const replacing = state.operations.some((op) => op.kind === 'drain' && op.nodeGroup === group.key && op.reason === 'not-ready'
      && op.status !== 'succeeded' && op.status !== 'failed');
    for (const node of notReady) {
      if (draining.has(node.name)) continue;
      const sinceMs = state.nodes[node.name]!.notReadySinceMs!;
      const dueMs = sinceMs + policy.notReadyReplaceAfterMs;
      if (nowMs < dueMs) {
        ctx.wakeAt(dueMs);
        continue;
      }
      if (replacing) break;
      const target = `node ${node.name}`;
      const duration = formatDuration(nowMs - sinceMs);
      if (notReady.length / nodes.length > MAX_NOT_READY_FRACTION && nodes.length > 1) {
        ctx.decide({ kind: 'replace-node', target, nodeGroup: group.key, reason: 'too-many-not-ready', message: `node ${node.name} is NotReady for ${duration}, but ${notReady.length} of ${nodes.length} nodes of ${group.key} are NotReady; not replacing while the group looks partitioned` });
        continue;
      }
      if (!snapshot.synced) continue;
      const message = `node ${node.name} has been NotReady for ${duration}; replacing it`;
      ctx.decide({ kind: 'replace-node', target, nodeGroup: group.key, reason: 'not-ready', message, details: { notReadySinceMs: sinceMs } });
      startDrain(ctx, { node, group, empty: true, reason: 'not-ready', message });
      ctx.remove.push({ node: node.name, nodeGroup: group.key, reason: 'not-ready' });
      break;
    }
  }
}
