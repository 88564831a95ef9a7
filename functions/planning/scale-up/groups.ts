import { capacityMembers, isGroupNode, isLeaving, minimumMembers } from '../../../shared/membership.ts';
import type { Snapshot, SnapshotVm } from '../../../shared/snapshot.ts';
import type { ValidGroup } from '../context.ts';
import { findOffering, nodeTemplate, type NodeTemplate } from '../node-template.ts';
import type { SimPod } from '../simulation/types.ts';
import type { LaunchOperation, PlanningState } from '../types.ts';
import { isGroupHostname } from './hostname.ts';
import { groupUsage, hasLimits, limitValues, NO_USAGE, type GroupUsage, type LimitValues } from './limits.ts';

// Where a group stands for scale-up, counted with the ONE membership rule (shared/membership.ts)
// the forwarder's guardrails use too:
// - towards maxNodes, everything billed: Nodes with the group label (leaving and terminating ones
//   included), VMs of the group VPSie lists (pending included) and launches in flight, once per hostname;
// - towards minNodes, what serves: Ready, labelled Nodes not leaving, plus launches in flight (they are
//   on their way to serving). A NotReady node does not count, so a group whose only node never became
//   Ready gets a replacement instead of waiting forever behind it.

export interface GroupCapacity {
  group: ValidGroup;
  /** Members that count against maxNodes (shared/membership.ts capacityMembers). */
  current: number;
  /** Members that count towards minNodes: serving nodes plus launches in flight. */
  serving: number;
  /** New nodes it may still take now (maxNodes − current). */
  room: number;
  backoffUntilMs?: number;
  /** Offering ids the group names that the catalogue does not list. */
  missingOfferings: string[];
  /** One per offering found in the catalogue, in the group's order. */
  templates: NodeTemplate[];
  /** spec.weight (unset = 0): pending pods go to the highest-weight groups that can take them first. */
  weight: number;
  /** spec.limits in base units, and what the group's members add up to (scale-up/limits.ts). */
  limits: LimitValues;
  usage: GroupUsage;
}

function groupLaunchHostnames(group: ValidGroup, launches: readonly LaunchOperation[]): string[] {
  return launches.filter((launch) => launch.nodeGroup === group.key).map((launch) => launch.hostname);
}

/** VMs VPSie lists (not gone) of this group: the one their marker names, else by the hostname this group's launches make. */
export function groupVmHostnames(snapshot: Snapshot, hostnamePrefix: string, group: ValidGroup): string[] {
  const ofGroup = (vm: SnapshotVm) => vm.nodeGroup
    ? vm.nodeGroup.namespace === group.namespace && vm.nodeGroup.name === group.name
    : isGroupHostname(vm.hostname, hostnamePrefix, group.name);
  return (snapshot.vms ?? []).filter((vm) => vm.state !== 'gone' && ofGroup(vm)).map((vm) => vm.hostname);
}

/** Hostnames of the members of the group that count against maxNodes. */
export function capacityMemberNames(snapshot: Snapshot, hostnamePrefix: string, group: ValidGroup, launches: readonly LaunchOperation[]): Set<string> {
  return capacityMembers(group.name, {
    nodes: snapshot.nodes,
    vmHostnames: groupVmHostnames(snapshot, hostnamePrefix, group),
    launchHostnames: groupLaunchHostnames(group, launches),
  });
}

/** Members of the group that count against maxNodes. */
export function countCapacityMembers(snapshot: Snapshot, hostnamePrefix: string, group: ValidGroup, launches: readonly LaunchOperation[]): number {
  return capacityMemberNames(snapshot, hostnamePrefix, group, launches).size;
}

/**
 * A node NotReady for less than this still counts towards the min fill: a kubelet restart or a short
 * network blip must not buy a VM (VPSie's churn rule) that scale-down removes again later. A launch
 * that never became Ready is past it by its registration deadline, so it never delays a replacement.
 */
export const NOT_READY_GRACE_MS = 5 * 60_000;

/** Members of the group that count towards minNodes: serving nodes, launches in flight and brief NotReady blips, once per name. */
export function countServingMembers(snapshot: Snapshot, group: ValidGroup, launches: readonly LaunchOperation[], nowMs: number): number {
  const blips = snapshot.nodes.filter((n) => isGroupNode(n, group.name) && !n.ready && !isLeaving(n)
    && n.readyTransitionMs !== undefined && nowMs - n.readyTransitionMs < NOT_READY_GRACE_MS).map((n) => n.name);
  return new Set([...minimumMembers(group.name, snapshot.nodes), ...groupLaunchHostnames(group, launches), ...blips]).size;
}

export function groupCapacities(snapshot: Snapshot, state: PlanningState, hostnamePrefix: string, groups: readonly ValidGroup[], launches: readonly LaunchOperation[], daemonSets: readonly SimPod[], nowMs: number): GroupCapacity[] {
  return groups.map((group) => {
    const members = capacityMemberNames(snapshot, hostnamePrefix, group, launches);
    const limits = limitValues(group.spec.limits);
    const current = members.size;
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
      serving: countServingMembers(snapshot, group, launches, nowMs),
      room: Math.max(0, group.spec.maxNodes - current),
      ...(backoffUntilMs !== undefined && backoffUntilMs > nowMs ? { backoffUntilMs } : {}),
      missingOfferings,
      templates,
      weight: group.spec.weight ?? 0,
      limits,
      // Only a group with limits needs its members sized (a large group without limits pays nothing).
      usage: hasLimits(limits) ? groupUsage(snapshot, group, members, launches.filter((l) => l.nodeGroup === group.key)) : NO_USAGE,
    };
  });
}
