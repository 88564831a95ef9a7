import { MAX_RELEASE_PODS } from '../../shared/plan-message.ts';
import { NODEGROUP_LABEL } from '../../shared/labels.ts';
import type { PlanContext } from './context.ts';
import { groupRef } from './managed-nodes.ts';
import { isAwaitingResult } from './sent-commands.ts';
import type { SimNode, SimPod } from './simulation/types.ts';
import { isStartingNode } from './starting-nodes.ts';

// Issue #22: a node we launched registers with the startup taint, so the scheduler cannot spread the
// first pods of a burst over whichever node joined first. Once it is Ready, the plan hands it out:
// one releaseNode per node with the pending pods this plan placed on it (scale-up fills a starting
// node like a launch in flight, in the mix it was sized for); the forwarder nominates them for the
// node (status.nominatedNodeName: the scheduler tries it first and counts them against it), then
// removes the taint. A node the plan put nothing on is released with no pods: it must be untainted
// all the same. Not resent while one is on its way (sent-commands.ts); a failed one is sent again
// by the next plan, since its node still carries the taint.

/** One releaseNode per Ready starting node of ours, listing the pending pods placed on it (placement order). */
export function releaseStartingNodes(ctx: PlanContext, placements: readonly { pod: SimPod; node: SimNode }[]): void {
  const podsByNode = new Map<string, SimPod[]>();
  for (const { pod, node } of placements) {
    const list = podsByNode.get(node.name);
    if (list) list.push(pod);
    else podsByNode.set(node.name, [pod]);
  }
  for (const node of ctx.snapshot.nodes) {
    if (!node.ready || node.terminating || !isStartingNode(node)) continue;
    if (isAwaitingResult(ctx.state, 'releaseNode', node.name, ctx.nowMs)) continue;
    const group = groupOf(ctx, node.labels[NODEGROUP_LABEL]!);
    if (group === undefined) continue; // not a group we know: the forwarder's fallback untaints it
    const placed = podsByNode.get(node.name) ?? [];
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

/** The key of the group a NodeGroup label names: the one valid group of that name. */
function groupOf(ctx: PlanContext, name: string): string | undefined {
  const match = ctx.groups.filter((g) => g.name === name);
  return match.length === 1 ? match[0]!.key : undefined;
}
