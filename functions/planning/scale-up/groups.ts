import { NODEGROUP_LABEL } from '../../../shared/labels.ts';
import type { Snapshot } from '../../../shared/snapshot.ts';
import type { ValidGroup } from '../context.ts';
import { findOffering, nodeTemplate, type NodeTemplate } from '../node-template.ts';
import type { SimPod } from '../simulation/types.ts';
import type { LaunchOperation, PlanningState } from '../types.ts';

/** Where a group stands for scale-up: how many nodes count against maxNodes, its usable templates. */
export interface GroupCapacity {
  group: ValidGroup;
  /** Nodes that count against maxNodes: registered (not terminating) plus launches without a Node yet. */
  current: number;
  /** New nodes it may still take now. */
  room: number;
  backoffUntilMs?: number;
  /** Offering ids the group names that the catalogue does not list. */
  missingOfferings: string[];
  /** One per offering found in the catalogue, in the group's order. */
  templates: NodeTemplate[];
}

/** Nodes of the group that count against maxNodes: registered ones and launches not registered yet. */
export function countGroupNodes(snapshot: Snapshot, group: ValidGroup, launches: readonly LaunchOperation[]): number {
  const names = new Set<string>();
  for (const node of snapshot.nodes) {
    if (node.labels[NODEGROUP_LABEL] === group.name && !node.terminating) names.add(node.name);
  }
  for (const launch of launches) {
    if (launch.nodeGroup === group.key) names.add(launch.hostname);
  }
  return names.size;
}

export function groupCapacities(snapshot: Snapshot, state: PlanningState, groups: readonly ValidGroup[], launches: readonly LaunchOperation[], daemonSets: readonly SimPod[], nowMs: number): GroupCapacity[] {
  return groups.map((group) => {
    const current = countGroupNodes(snapshot, group, launches);
    const backoffUntilMs = state.groups[group.key]?.backoffUntilMs;
    const templates: NodeTemplate[] = [];
    const missingOfferings: string[] = [];
    for (const id of group.spec.offeringIDs) {
      const offering = findOffering(snapshot.offerings, group, id);
      if (offering) templates.push(nodeTemplate(group, offering, daemonSets));
      else missingOfferings.push(id);
    }
    return {
      group,
      current,
      room: Math.max(0, group.spec.maxNodes - current),
      ...(backoffUntilMs !== undefined && backoffUntilMs > nowMs ? { backoffUntilMs } : {}),
      missingOfferings,
      templates,
    };
  });
}
