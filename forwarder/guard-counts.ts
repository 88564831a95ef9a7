import { NODEGROUP_LABEL, offeringKeyOfLabels } from '../shared/labels.ts';
import { capacityMembers } from '../shared/membership.ts';
import type { SnapshotVm } from '../shared/snapshot.ts';
import type { GuardrailOptions } from './guard-types.ts';

// What the guardrails count, from the forwarder's own view, ledger and VPSie catalogue only (never
// from the plan's numbers): the members of a group and of the cluster (shared/membership.ts) and
// what they cost a month. `launched` is what the current plan created so far.

export interface PlanLaunch { group: string; priceMonthly: number }

export class GuardCounts {
  constructor(private readonly options: GuardrailOptions, private readonly launched: ReadonlyMap<string, PlanLaunch>) {}

  /** The monthly price of an offering in the catalogue the forwarder read (what the ledger records for a launch). */
  priceOf(offeringId: string): number | undefined {
    return this.options.view.offerings().find((o) => o.identifier === offeringId)?.priceMonthly;
  }

  /** The monthly price of every VM this cluster may be billed for (see monthlyCost below). */
  clusterCost(vms: readonly SnapshotVm[]): number {
    return this.monthlyCost(this.clusterMembers(vms));
  }

  /** Hostnames counting towards the group's maxNodes: its Nodes, its VMs, its launches (ledger and this plan). */
  groupMembers(groupName: string, groupKey: string, vms: readonly SnapshotVm[]): Set<string> {
    const { view, ledger } = this.options;
    const groupOfVm = this.vmGroups();
    return capacityMembers(groupName, {
      nodes: view.groupNodes(groupName),
      vmHostnames: vms.filter((vm) => vm.state !== 'gone' && groupOfVm.get(vm.hostname) === groupKey).map((vm) => vm.hostname),
      launchHostnames: [
        ...ledger.activeLaunches().filter((l) => l.group === groupKey).map((l) => l.hostname),
        ...[...this.launched].filter(([, l]) => l.group === groupKey).map(([h]) => h),
      ],
    });
  }

  /** Every VM this cluster may be billed for: managed Nodes, listed VMs (ours and unmarked), launches. */
  clusterMembers(vms: readonly SnapshotVm[]): Set<string> {
    const out = new Set<string>();
    for (const node of this.options.view.nodes()) if (node.labels[NODEGROUP_LABEL] !== undefined) out.add(node.name);
    for (const vm of vms) if (vm.state !== 'gone') out.add(vm.hostname);
    for (const launch of this.options.ledger.activeLaunches()) out.add(launch.hostname);
    for (const hostname of this.launched.keys()) out.add(hostname);
    return out;
  }

  /** "namespace/name" of each VM's group: from its Node's label, else the launch that made it. */
  vmGroups(): Map<string, string> {
    const out = new Map<string, string>();
    for (const launch of this.options.ledger.activeLaunches()) out.set(launch.hostname, launch.group);
    for (const node of this.options.view.nodes()) {
      const label = node.labels[NODEGROUP_LABEL];
      if (label === undefined) continue;
      const groups = this.options.view.nodeGroupsNamed(label);
      if (groups.length === 1) out.set(node.name, `${groups[0]!.namespace}/${groups[0]!.name}`);
    }
    for (const vm of this.options.view.vms() ?? []) {
      // The marker's NodeGroup (shared/ownership.ts), when the listing carries it.
      if (vm.nodeGroup && !out.has(vm.hostname)) out.set(vm.hostname, `${vm.nodeGroup.namespace}/${vm.nodeGroup.name}`);
    }
    return out;
  }

  /**
   * What the cluster's VMs cost a month. A member whose price is unknown (no instance-type label
   * matching an offering, no launch record) is priced at the dearest known offering: the cap must
   * not be passed by VMs it cannot price.
   */
  monthlyCost(members: Set<string>, unknownPrice?: number): number {
    const { view, ledger } = this.options;
    const offerings = view.offerings();
    const dearest = unknownPrice ?? offerings.reduce((max, o) => Math.max(max, o.priceMonthly), 0);
    const launchPrice = new Map(ledger.activeLaunches().map((l) => [l.hostname, l.priceMonthly]));
    for (const [hostname, l] of this.launched) launchPrice.set(hostname, l.priceMonthly);
    let total = 0;
    for (const hostname of members) {
      const known = launchPrice.get(hostname);
      if (known !== undefined) {
        total += known;
        continue;
      }
      const labels = view.node(hostname)?.labels;
      const type = labels === undefined ? undefined : offeringKeyOfLabels(labels);
      const offering = type === undefined ? undefined : offerings.find((o) => o.identifier === type || o.nickname === type);
      // (A gone VM is not a member: clusterMembers skips it.)
      total += offering?.priceMonthly ?? dearest;
    }
    return total;
  }
}
