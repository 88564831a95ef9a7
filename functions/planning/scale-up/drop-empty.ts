import type { ClusterModel } from '../simulation/cluster-model.ts';
import { fits } from '../simulation/predicates.ts';
import type { SimNode, SimPod } from '../simulation/types.ts';
import type { PlannedNode } from './emit.ts';

/**
 * A node the re-check left without pending pods is not launched. Its presence may have allowed
 * a binding elsewhere (it was a topology domain with 0 matching pods), so this round's bindings
 * are checked again without it, in the same order; pods that no longer fit are returned.
 * Mutates `planned` (the plan's new nodes: the empty ones leave) and `placements` (to what remains bound).
 */
export function dropEmptyNodes(model: ClusterModel, planned: PlannedNode[], round: readonly PlannedNode[], placements: { pod: SimPod; node: SimNode }[]): SimPod[] {
  const dropped: SimPod[] = [];
  for (let pass = 0; pass < 3; pass++) {
    const counts = new Map<SimNode, number>();
    for (const p of placements) counts.set(p.node, (counts.get(p.node) ?? 0) + 1);
    const empty = round.filter((node) => planned.includes(node) && !counts.has(node.node));
    if (empty.length === 0) break;
    for (const node of empty) {
      model.removeNode(node.node.name);
      planned.splice(planned.indexOf(node), 1);
    }
    for (let i = placements.length - 1; i >= 0; i--) model.unbind(placements[i]!.pod, placements[i]!.node);
    const kept = placements.splice(0, placements.length);
    for (const p of kept) {
      if (fits(model, p.node, p.pod, false)) dropped.push(p.pod);
      else {
        model.bind(p.pod, p.node);
        placements.push(p);
      }
    }
  }
  return dropped;
}
