import { MAX_RELEASE_PODS } from '../../shared/plan-message.ts';
import { NODEGROUP_LABEL } from '../../shared/labels.ts';
import type { PlanContext } from './context.ts';
import { groupRef } from './managed-nodes.ts';
import { isAwaitingResult } from './sent-commands.ts';
import type { SnapshotNode } from '../../shared/snapshot.ts';
import type { SimNode, SimPod } from './simulation/types.ts';
import { isStartingNode } from './starting-nodes.ts';
import { burstHold } from './scale-up/burst.ts';

// Issue #22: a node we launched registers with the startup taint, so the scheduler cannot spread the
// first pods of a burst over whichever node joined first. Once it is Ready, the plan hands it out:
// one releaseNode per node with the pending pods this plan placed on it (scale-up fills a starting
// node like a launch in flight, in the mix it was sized for); the forwarder nominates them for the
// node (status.nominatedNodeName: the scheduler tries it first and counts them against it), then
// removes the taint. A node the plan put nothing on is released with no pods: it must be untainted
// all the same. Not resent while one is on its way (sent-commands.ts); a failed one is sent again
// by the next plan, since its node still carries the taint.
//
// While the burst still arrives (scale-up/burst.ts: a pod came less than scaleUpBatchIdleMs ago, and
// none of the pods placed on the node has waited scaleUpBatchMaxMs), a node with pods placed on it is
// held: released now, it would be filled with the mix that has come so far (on issue #22's burst the
// first nodes took the small and CPU pods, and the 3-GiB pods that came last needed nodes of their
// own: +10-12 % over the optimum); held, the next plan fills it with its share of the whole batch. The
// last of its pods reach it no later than without the hold: they come with the burst's end anyway.

type Burst = { lastArrivalMs: number; arrivalOf: (pod: SimPod) => number };

function podsByNodeName(placements: readonly { pod: SimPod; node: SimNode }[]): Map<string, SimPod[]> {
  const podsByNode = new Map<string, SimPod[]>();
  for (const { pod, node } of placements) {
    const list = podsByNode.get(node.name);
    if (list) list.push(pod);
    else podsByNode.set(node.name, [pod]);
  }
  return podsByNode;
}

/** A Ready starting node of a group we know, with no release on its way: the group's key. */
function releasable(ctx: PlanContext, node: SnapshotNode): string | undefined {
  if (!node.ready || node.terminating || !isStartingNode(node)) return undefined;
  if (isAwaitingResult(ctx.state, 'releaseNode', node.name, ctx.nowMs)) return undefined;
  return groupOf(ctx, node.labels[NODEGROUP_LABEL]!); // not a group we know: the forwarder's fallback untaints it
}

const holdOf = (ctx: PlanContext, placed: readonly SimPod[], burst: Burst | undefined) =>
  burst && burstHold(burst.lastArrivalMs, placed.map(burst.arrivalOf), ctx.nowMs, ctx.policy.scaleUpBatchIdleMs, ctx.policy.scaleUpBatchMaxMs);

/** How many nodes this plan releases with pods placed on them (scale-up/release-settling.ts). */
export function releasingWithPods(ctx: PlanContext, placements: readonly { pod: SimPod; node: SimNode }[], burst?: Burst): number {
  const podsByNode = podsByNodeName(placements);
  return ctx.snapshot.nodes.filter((node) => {
    const placed = podsByNode.get(node.name);
    return placed !== undefined && releasable(ctx, node) !== undefined && !holdOf(ctx, placed, burst);
  }).length;
}

/** One releaseNode per Ready starting node of ours, listing the pending pods placed on it (placement order). */
export function releaseStartingNodes(ctx: PlanContext, placements: readonly { pod: SimPod; node: SimNode }[], burst?: Burst): void {
  const podsByNode = podsByNodeName(placements);
  for (const node of fullestFirst(ctx.snapshot.nodes, placements)) {
    const group = releasable(ctx, node);
    if (group === undefined) continue;
    const placed = podsByNode.get(node.name) ?? [];
    const hold = holdOf(ctx, placed, burst);
    if (hold) {
      ctx.wakeAt(hold.untilMs);
      ctx.decide({
        kind: 'info',
        target: `node ${node.name}`,
        reason: 'release-held',
        message: `node ${node.name} joined; its release waits for the burst to settle (pods still arriving; at the latest ${Math.ceil((hold.untilMs - ctx.nowMs) / 1000)} s), so that it takes its share of the whole batch`,
        details: { placed: placed.length, untilMs: hold.untilMs },
      });
      continue;
    }
    const pods = placed.slice(0, MAX_RELEASE_PODS).map((pod) => ({ namespace: pod.namespace, name: pod.key.slice(pod.namespace.length + 1) }));
    const message = `node ${node.name} joined: ${pods.length} pending pod(s) nominated for it, then the startup taint removed`;
    ctx.emit({ kind: 'releaseNode', node: node.name, nodeGroup: groupRef(group), pods, reason: 'node-joined', message });
    ctx.decide({
      kind: 'info',
      target: `node ${node.name}`,
      reason: 'node-released',
      message: `${message}${placed.length > pods.length ? ` (${placed.length - pods.length} more placed there not listed: at most ${MAX_RELEASE_PODS})` : ''}`,
      details: { pods: pods.length, placed: placed.length },
    });
  }
}

/**
 * The nodes with the least room left after the pods placed on them first (room: the smaller of the
 * shares of CPU and memory still free, as a pod needs both; nodes with nothing placed last, in
 * snapshot order). The forwarder runs a plan's releases one after the other, and once a node is
 * untainted the scheduler tries every pending pod on it, those planned for nodes not yet released
 * among them (not nominated yet, or nominated for a node still tainted). A node released full takes
 * none of them; one released with room first took them (memory burst on the Karpenter bench: a
 * node's release found 4 of its 7 pods bound elsewhere, and one 6-GiB pod was left without room).
 */
function fullestFirst(nodes: readonly SnapshotNode[], placements: readonly { node: SimNode }[]): SnapshotNode[] {
  const share = (left: number, of: number) => (of > 0 ? Math.max(0, left) / of : 0);
  const room = new Map<string, number>();
  for (const { node } of placements) {
    if (room.has(node.name)) continue;
    const { allocatable: a, requested: r } = node;
    room.set(node.name, Math.min(share(a.cpuMillis - r.cpuMillis, a.cpuMillis), share(a.memoryBytes - r.memoryBytes, a.memoryBytes)));
  }
  const roomOf = (node: SnapshotNode) => room.get(node.name) ?? 2; // above any share: nothing placed
  // Array.prototype.sort is stable: equal rooms keep the snapshot's order.
  return [...nodes].sort((x, y) => roomOf(x) - roomOf(y));
}

/** The key of the group a NodeGroup label names: the one valid group of that name. */
function groupOf(ctx: PlanContext, name: string): string | undefined {
  const match = ctx.groups.filter((g) => g.name === name);
  return match.length === 1 ? match[0]!.key : undefined;
}
