// The scheduling simulation: the public boundary of functions/planning/simulation/.
// Scale-up (this issue) and scale-down (removal checks) both use it; keep it stable.
//
//   buildClusterModel(snapshot, { groups, launches?, includeNode?, excludeNodes? }) → { model, pods, inFlight, excluded }
//       Schedulable snapshot nodes with their bound pods' requests, then virtual nodes for in-flight
//       launches (inFlightLaunches(state.operations)). `pods[i]` is snapshot.pods[i] as a SimPod.
//   ClusterModel: nodes, node(name), addNode(init), removeNode(name) → its pods, bind(pod, node),
//       unbind(pod, node), checkpoint() / rollback(mark) (undo any what-if without copying).
//   fits(model, node, pod, detail = true) → Misfit | undefined   (undefined = fits; else { reason, message };
//       detail false: shared misfits with generic messages, no allocation — for hot loops)
//       resources (cpu, memory, ephemeral, pod count), nodeSelector, required node affinity
//       (In/NotIn/Exists/DoesNotExist/Gt/Lt, matchFields metadata.name), taints (NoSchedule and
//       NoExecute block, PreferNoSchedule does not), host ports, required pod affinity and
//       anti-affinity (any topology key; anti-affinity in both directions), topology spread
//       (DoNotSchedule; nodeAffinityPolicy Honor, nodeTaintsPolicy Ignore, minDomains).
//   staticMisfit(node, shape) / resourceMisfit(node, shape): the pod-independent parts of fits.
//   place(model, pods, { filter?, explain? }) → { placed, unplaced }: first-fit in model order,
//       binding what fits (checkpoint first to undo); `explain` summarises why pods did not fit.
//   Templates for nodes that do not exist yet are in ../node-template.ts (nodeTemplate,
//       addTemplateNode, offeringAllocatable, kubeletReservations).
//
// Example (can a node's pods move elsewhere?):
//   const { model, pods } = buildClusterModel(snapshot, { groups: ctx.groups, launches: inFlightLaunches(ctx.state.operations) });
//   const mark = model.checkpoint();
//   const evicted = model.removeNode('w-abc12');   // its pods, DaemonSet pods included: filter those out
//   const { unplaced } = place(model, evicted.filter(isMovable));
//   model.rollback(mark);

export { buildClusterModel, inFlightLaunches, isBoundActivePod, isSchedulableNode, STARTUP_TAINTS } from './build-model.ts';
export type { BuildModelOptions, BuiltModel } from './build-model.ts';
export { ClusterModel, termMatchesPod, termNamespaces } from './cluster-model.ts';
export { fits, hostPortsConflict, resourceMisfit, staticMisfit } from './predicates.ts';
export { explain, place } from './place.ts';
export type { PlaceOptions, PlaceResult, Placement, Unplaced } from './place.ts';
export { matchLabelSelector, matchNodeConstraints, matchNodeSelectorTerms, tolerates, untoleratedTaint } from './selectors.ts';
export type { Misfit, MisfitReason, SimNode, SimNodeInit, SimNodeKind, SimPod } from './types.ts';
