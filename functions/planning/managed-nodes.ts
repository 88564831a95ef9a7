import { NODEGROUP_LABEL, offeringKeyOfLabels, vmIdentifierOfProviderId } from '../../shared/labels.ts';
import type { GroupRef } from '../../shared/plan-message.ts';
import type { Offering, SnapshotNode, SnapshotVm } from '../../shared/snapshot.ts';
import type { PlanContext, ValidGroup } from './context.ts';
import { findOffering } from './node-template.ts';
import type { GroupKey } from './types.ts';

// Which nodes the autoscaler manages. IMPORTANT: a node without the group label is never touched;
// the forwarder refuses such commands too, but the planner must not produce them in the first place.

export type NodeGroupMatch =
  | { kind: 'managed'; group: ValidGroup }
  | { kind: 'unmanaged' }
  | { kind: 'unknown-group'; label: string; message: string };

/**
 * The label's value is the NodeGroup's name. Two valid groups of that name in different namespaces,
 * or only an invalid one, make the node's group unknown: it is then treated as unmanaged.
 */
export function matchNodeGroup(ctx: PlanContext, node: SnapshotNode): NodeGroupMatch {
  const label = node.labels[NODEGROUP_LABEL];
  if (label === undefined || label === '') return { kind: 'unmanaged' };
  const valid = ctx.groups.filter((g) => g.name === label);
  if (valid.length === 1) return { kind: 'managed', group: valid[0]! };
  if (valid.length > 1) {
    return { kind: 'unknown-group', label, message: `several NodeGroups are named "${label}" (${valid.map((g) => g.key).join(', ')})` };
  }
  if (ctx.invalidGroups.some((g) => g.name === label)) {
    return { kind: 'unknown-group', label, message: `NodeGroup "${label}" is invalid` };
  }
  return { kind: 'unknown-group', label, message: `no NodeGroup named "${label}"` };
}

export function managedGroupOf(ctx: PlanContext, node: SnapshotNode): ValidGroup | undefined {
  const match = matchNodeGroup(ctx, node);
  return match.kind === 'managed' ? match.group : undefined;
}

export function groupRef(key: GroupKey): GroupRef {
  const slash = key.indexOf('/');
  return { namespace: key.slice(0, slash), name: key.slice(slash + 1) };
}

/** "vpsie://12345" → "12345". */
export function vmIdentifierOf(node: SnapshotNode): string | undefined {
  return vmIdentifierOfProviderId(node.providerID);
}

/**
 * The offering a node runs on (its price): the launch that made it, else its instance-type label
 * matched to an offering by identifier, then by nickname (nodes labelled by hand or by an older
 * bootstrap carry the plan's nickname).
 */
export function offeringOfNode(ctx: PlanContext, node: SnapshotNode, group: ValidGroup): Offering | undefined {
  const launch = ctx.state.operations.find((op) => op.kind === 'launch' && op.hostname === node.name);
  const fromLaunch = launch?.kind === 'launch' ? findOffering(ctx.snapshot.offerings, group, launch.offeringId) : undefined;
  if (fromLaunch) return fromLaunch;
  const label = offeringKeyOfLabels(node.labels);
  if (label === undefined) return undefined;
  const byNickname = ctx.snapshot.offerings.filter((o) => o.nickname === label);
  return findOffering(ctx.snapshot.offerings, group, label)
    ?? byNickname.find((o) => o.datacenterID === group.spec.datacenterID) ?? byNickname[0];
}

/**
 * The node's VM as listed, when it carries no ownership marker (made before markers existed, not
 * adopted): the forwarder never deletes such a VM, so a removal could only drain the node for
 * nothing. Undefined when the VM is ours, or not listed (then the drain waits for a listing anyway).
 */
export function unmarkedVmOf(ctx: PlanContext, node: SnapshotNode): SnapshotVm | undefined {
  const vms = ctx.snapshot.vms;
  if (vms === null) return undefined;
  const identifier = vmIdentifierOf(node);
  const vm = vms.find((v) => v.state !== 'gone' && (identifier !== undefined ? v.identifier === identifier : v.hostname === node.name));
  return vm && vm.marked !== true ? vm : undefined;
}

export function unmarkedVmMessage(node: SnapshotNode): string {
  return `the VM of node ${node.name} carries no ownership marker (made before markers existed): the autoscaler never deletes it, so it does not drain the node; adopt the VM (README, "Adopting VMs") to let it be removed`;
}
