import { buildClusterModel, isSchedulableNode, place } from '../../functions/planning/simulation/index.ts';
import type { PodEvents, World } from './world.ts';

// The simulated kube-scheduler: binds pending pods with the planner's own scheduling model
// (functions/planning/simulation: the same fit predicates and first-fit placement the planner uses
// to decide what a launch will hold), so that the planner and the "cluster" never disagree about
// whether a pod fits a node. Pods are tried oldest first; nodes in the snapshot's order (oldest first),
// Ready, not cordoned, not tainted for deletion. Unlike kube-scheduler's default scoring (spread:
// LeastAllocated) this packs (first fit), as the planner assumes.

/** `newlyUnschedulable`: pods marked unschedulable for the first time now (what triggers the forwarder). */
export function schedule(world: World, nowMs: number, events: PodEvents = {}): { bound: number; pending: number; newlyUnschedulable: number } {
  const snapshot = world.snapshot(nowMs, []);
  const pendingIndices: number[] = [];
  snapshot.pods.forEach((pod, i) => { if (pod.nodeName === undefined) pendingIndices.push(i); });
  if (pendingIndices.length === 0) return { bound: 0, pending: 0, newlyUnschedulable: 0 };
  const { model, pods } = buildClusterModel(snapshot, { groups: world.groups, includeNode: (node) => isSchedulableNode(node, false) });
  pendingIndices.sort((a, b) => snapshot.pods[a]!.createdAtMs - snapshot.pods[b]!.createdAtMs || snapshot.pods[a]!.name.localeCompare(snapshot.pods[b]!.name));
  const { placed, unplaced } = place(model, pendingIndices.map((i) => pods[i]!));
  const nameOf = (key: string) => key.slice(key.indexOf('/') + 1);
  for (const { pod, node } of placed) world.bind(nameOf(pod.key), node.name, nowMs, events);
  let newlyUnschedulable = 0;
  for (const { pod } of unplaced) if (world.markUnschedulable(nameOf(pod.key), nowMs)) newlyUnschedulable++;
  return { bound: placed.length, pending: unplaced.length, newlyUnschedulable };
}
