import { NODEGROUP_LABEL, STARTUP_TAINT } from '../../shared/labels.ts';
import type { SnapshotNode } from '../../shared/snapshot.ts';

// A node of ours that joined with the startup taint (issue #22) is capacity the plan is about to hand
// out with releaseNode (release-nodes.ts): the simulation fits pods to it as if the taint were gone
// (every other taint counts), and scale-up fills it like a launch in flight (in the interleaved mix it
// was sized for), not like an existing node in the scheduler's queue order.

/** Ours (NodeGroup label) and still carrying the startup taint. */
export function isStartingNode(node: Pick<SnapshotNode, 'labels' | 'taints'>): boolean {
  return node.labels[NODEGROUP_LABEL] !== undefined && node.taints.some((t) => t.key === STARTUP_TAINT);
}

/** The names of the snapshot's starting nodes. */
export function startingNodeNames(nodes: readonly SnapshotNode[]): ReadonlySet<string> {
  return new Set(nodes.filter(isStartingNode).map((n) => n.name));
}

/** The taints that count when fitting pods: without the startup taint on a starting node. */
export function withoutStartupTaint(node: Pick<SnapshotNode, 'labels' | 'taints'>): SnapshotNode['taints'] {
  return isStartingNode(node) ? node.taints.filter((t) => t.key !== STARTUP_TAINT) : node.taints;
}
