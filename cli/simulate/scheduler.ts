import { buildClusterModel, isSchedulableNode, place } from '../../functions/planning/simulation/index.ts';
import type { SimNode, SimPod } from '../../functions/planning/simulation/types.ts';
import { STARTUP_TAINT } from '../../shared/labels.ts';
import type { PodEvents, World } from './world.ts';

// The simulated kube-scheduler: binds pending pods with the planner's own scheduling model
// (functions/planning/simulation: the same fit predicates and first-fit placement the planner uses
// to decide what a launch will hold), so that the planner and the "cluster" never disagree about
// whether a pod fits a node. Pods are tried oldest first; nodes in the snapshot's order (oldest first),
// Ready, not cordoned, not tainted for deletion. Unlike kube-scheduler's default scoring (spread:
// LeastAllocated) this packs (first fit), as the planner assumes. A node under the startup taint
// takes nothing (the planner's own model ignores that taint: it is about to hand the node out); a pod
// nominated for a node (releaseNode) is tried there first, before any other pod is placed, so the
// nominated pods count against their node.

/** `newlyUnschedulable`: pods marked unschedulable for the first time now (what triggers the forwarder). */
export function schedule(world: World, nowMs: number, events: PodEvents = {}): { bound: number; pending: number; newlyUnschedulable: number } {
  const snapshot = world.snapshot(nowMs, []);
  const pendingIndices: number[] = [];
  snapshot.pods.forEach((pod, i) => { if (pod.nodeName === undefined) pendingIndices.push(i); });
  if (pendingIndices.length === 0) return { bound: 0, pending: 0, newlyUnschedulable: 0 };
  const includeNode = (node: (typeof snapshot.nodes)[number]) => isSchedulableNode(node, false) && !node.taints.some((t) => t.key === STARTUP_TAINT);
  const { model, pods } = buildClusterModel(snapshot, { groups: world.groups, includeNode });
  pendingIndices.sort((a, b) => snapshot.pods[a]!.createdAtMs - snapshot.pods[b]!.createdAtMs || snapshot.pods[a]!.name.localeCompare(snapshot.pods[b]!.name));
  const placed: { pod: SimPod; node: SimNode }[] = [];
  const rest: SimPod[] = [];
  for (const i of pendingIndices) {
    const nominated = snapshot.pods[i]!.nominatedNodeName;
    const onNominated = nominated !== undefined && model.node(nominated) ? place(model, [pods[i]!], { filter: (node) => node.name === nominated }).placed : [];
    if (onNominated.length > 0) placed.push(...onNominated);
    else rest.push(pods[i]!);
  }
  const others = place(model, rest);
  placed.push(...others.placed);
  const unplaced = others.unplaced;
  const nameOf = (key: string) => key.slice(key.indexOf('/') + 1);
  for (const { pod, node } of placed) world.bind(nameOf(pod.key), node.name, nowMs, events);
  let newlyUnschedulable = 0;
  for (const { pod } of unplaced) if (world.markUnschedulable(nameOf(pod.key), nowMs)) newlyUnschedulable++;
  return { bound: placed.length, pending: unplaced.length, newlyUnschedulable };
}
