import type { NodeGroupSpec } from '../shared/nodegroup.ts';
import type { Command } from '../shared/plan-message.ts';
import type { GuardCounts, PlanLaunch } from './guard-counts.ts';
import { allow, refuse, type GuardrailOptions, type GuardVerdict } from './guard-types.ts';

// The createVm rules (guardrails.ts lists them all): hostname, group, offering/datacenter/image,
// maxNodes, launch rate, the cluster-wide VM and cost caps, and the group's own monthly cost limit
// (NodeGroup spec.limits.monthlyCost). Every count and price comes from the forwarder's view, its
// ledger and the catalogue it read (GuardCounts): the plan's own cost figures are never used.

export interface CreateCheckContext {
  options: GuardrailOptions;
  counts: GuardCounts;
  launched: ReadonlyMap<string, PlanLaunch>;
  checkHostname(hostname: string): GuardVerdict;
  groupSpec(ref: { namespace: string; name: string }): { spec: NodeGroupSpec; name: string } | GuardVerdict;
}

export function checkCreate(command: Extract<Command, { kind: 'createVm' }>, ctx: CreateCheckContext): GuardVerdict {
  const hostname = ctx.checkHostname(command.hostname);
  if (!hostname.allowed) return hostname;
  const group = ctx.groupSpec(command.nodeGroup);
  if ('allowed' in group) return group;
  const { spec, name } = group;
  if (!spec.offeringIDs.includes(command.offeringId)) {
    return refuse('offering', `offering ${command.offeringId} is not one of NodeGroup ${name}'s offeringIDs`);
  }
  if (command.datacenterID !== spec.datacenterID || command.osImageID !== spec.osImageID) {
    return refuse('offering', `datacenter/OS image ${command.datacenterID}/${command.osImageID} differ from NodeGroup ${name}'s ${spec.datacenterID}/${spec.osImageID}`);
  }
  const { view, ledger, caps } = ctx.options;
  // A retry of a launch already counted (same hostname): the handler finds the VM and reports it.
  if (ledger.hasLaunch(command.hostname) || ctx.launched.has(command.hostname)) return allow;
  // Not a launch of ours, yet the name is taken: a VM for it would be a second machine under one name.
  if (view.node(command.hostname)) return refuse('hostname', `a Node named ${command.hostname} exists already and no launch of it is recorded`);
  const vms = view.vms();
  if (vms === null) {
    return ctx.options.dryRun ? allow : refuse('vm-list', 'VPSie\'s VM list could not be read: without it the VMs of the group cannot be counted against maxNodes');
  }

  const members = ctx.counts.groupMembers(command.nodeGroup.name, name, vms);
  if (members.size + 1 > spec.maxNodes) {
    return refuse('max-nodes', `NodeGroup ${name} has ${members.size} members (Nodes, VMs and launches); another would exceed maxNodes ${spec.maxNodes}`);
  }
  // Launches of this plan are in the ledger already when they ran live (written before the create);
  // only a dry run's are not: count each once.
  const launches = ledger.launchesInWindow() + [...ctx.launched.keys()].filter((hostname) => !ledger.hasLaunch(hostname)).length;
  if (launches + 1 > caps.maxLaunchesPerWindow) {
    return refuse('launch-rate', `${launches} VMs launched in the last 10 minutes; the limit is ${caps.maxLaunchesPerWindow}`);
  }
  const cluster = ctx.counts.clusterMembers(vms);
  if (cluster.size + 1 > caps.maxClusterVms) {
    return refuse('cluster-vms', `the cluster has ${cluster.size} VMs (Nodes, VMs and launches); another would exceed the cluster-wide cap ${caps.maxClusterVms}`);
  }
  const price = ctx.counts.priceOf(command.offeringId);
  if (price === undefined && ctx.options.dryRun) return allow;
  if (price === undefined) return refuse('cost-cap', `the price of offering ${command.offeringId} is unknown (not in the VPSie catalogue read this reconcile): the cost cap cannot be checked`);
  const cost = ctx.counts.monthlyCost(cluster);
  if (cost + price > caps.maxMonthlyCost) {
    return refuse('cost-cap', `the cluster's VMs cost ${cost.toFixed(2)} a month; ${command.offeringId} (${price.toFixed(2)}) would exceed the cap ${caps.maxMonthlyCost}`);
  }
  return checkGroupCost(ctx, { spec, name }, members, command.offeringId, price);
}

/**
 * spec.limits.monthlyCost: the group's members (Nodes, VMs, launches) at their catalogue prices, plus
 * this VM. A member whose price cannot be told counts at the group's dearest offering (or the
 * catalogue's dearest): the limit must not be passed by VMs it cannot price. The planner applies
 * the same limit (functions/planning/scale-up/limits.ts); this is the check that does not trust it.
 */
function checkGroupCost(ctx: CreateCheckContext, group: { spec: NodeGroupSpec; name: string }, members: Set<string>, offeringId: string, price: number): GuardVerdict {
  const limit = group.spec.limits?.monthlyCost;
  if (limit === undefined) return allow;
  const own = ctx.options.view.offerings().filter((o) => group.spec.offeringIDs.includes(o.identifier));
  const dearest = own.length > 0 ? Math.max(...own.map((o) => o.priceMonthly)) : undefined;
  const cost = ctx.counts.monthlyCost(members, dearest);
  if (cost + price > limit + 1e-9) {
    return refuse('group-cost', `NodeGroup ${group.name}'s VMs cost ${cost.toFixed(2)} a month; ${offeringId} (${price.toFixed(2)}) would exceed its spec.limits.monthlyCost ${limit}`);
  }
  return allow;
}
