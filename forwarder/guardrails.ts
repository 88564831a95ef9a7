import { INSTANCE_TYPE_LABEL, NODEGROUP_LABEL, vmIdentifierOfProviderId } from '../shared/labels.ts';
import { capacityMembers, isLeaving, removalKeepsMinimum, type MemberNode } from '../shared/membership.ts';
import { parseNodeGroupSpec, type NodeGroupSpec } from '../shared/nodegroup.ts';
import { isDnsLabel, matchesHostnamePattern, type ClusterIdentity } from '../shared/ownership.ts';
import type { Command, PlanMessage } from '../shared/plan-message.ts';
import type { ForwarderLimits, Offering, SnapshotNode, SnapshotNodeGroup, SnapshotPod, SnapshotVm } from '../shared/snapshot.ts';
import { WINDOW_MS, type GuardLedger } from './guard-ledger.ts';

// The forwarder's own veto (DESIGN.md, Security). A plan may be wrong, buggy or hostile (a leaked
// signing key); whatever it says, the forwarder refuses what it may never do, judged against its own
// view of the cluster and VPSie and against its ledger (persisted: restarts and leader changes do not
// reset a cap). The rules, command by command:
//
// - every plan: at most maxCommandsPerPlan commands (else the whole plan is refused), at most
//   maxEventsPerPlan Events;
// - createVm: an RFC 1123 hostname of this cluster's exact pattern; the group's offering, datacenter and
//   image; members (Nodes ∪ VMs ∪ launches, shared/membership.ts) + 1 ≤ maxNodes; launches per window;
//   the cluster-wide VM cap and monthly-cost cap; a VM list to count against;
// - taintNode (a removal starts): a managed node; the group keeps minNodes serving nodes (the one rule
//   of shared/membership.ts, minus the removals this plan already started); at most maxNodesLeaving;
// - deleteNode / deleteVm: only a node that carries the to-be-deleted taint (or no Node at all);
//   deletions per window; the executor re-checks the node and its pods live, and the VM's marker;
// - evictPod: only from a node under removal (tainted), only a pod the view places on that node;
// - emitEvent: only about an existing NodeGroup, a managed Node, or a pod this plan acts on or that is
//   pending (Pod events are how `kubectl describe pod` explains a scale-up; the per-plan event cap bounds them);
// - updateClusterStatus: once per plan (it writes only the forwarder's own status ConfigMap);
// - every destructive command needs a fresh view (no watch down or relisting).

export interface GuardrailView {
  node(name: string): SnapshotNode | undefined;
  nodes(): Iterable<SnapshotNode>;
  pod(namespace: string, name: string): Omit<SnapshotPod, 'shape'> | undefined;
  nodeGroup(namespace: string, name: string): SnapshotNodeGroup | undefined;
  /** Nodes carrying NODEGROUP_LABEL=<group name>. */
  groupNodes(groupName: string): SnapshotNode[];
  /** NodeGroups with this name in any namespace (node labels carry the name only). */
  nodeGroupsNamed(name: string): SnapshotNodeGroup[];
  /** This cluster's VMs (ours and unmarked) from the last VPSie listing; null when it failed. */
  vms(): readonly SnapshotVm[] | null;
  /** The plans the NodeGroups name, with prices (last listing). */
  offerings(): readonly Offering[];
  /** Every watch is up and listed: a view that may lag never justifies a destructive command. */
  synced(): boolean;
}

export interface GuardCaps {
  maxDeletionsPerWindow: number;
  maxLaunchesPerWindow: number;
  /** VMs of this cluster (Nodes ∪ VMs ∪ launches) at most. */
  maxClusterVms: number;
  /** Sum of the monthly prices of this cluster's VMs at most (the account's currency). */
  maxMonthlyCost: number;
  maxCommandsPerPlan: number;
  maxEventsPerPlan: number;
  /** Nodes under removal (tainted) at once, cluster-wide. */
  maxNodesLeaving: number;
}

export const DEFAULT_CAPS: GuardCaps = {
  maxDeletionsPerWindow: 10,
  maxLaunchesPerWindow: 50,
  maxClusterVms: 100,
  maxMonthlyCost: 5_000,
  maxCommandsPerPlan: 1_000,
  maxEventsPerPlan: 200,
  maxNodesLeaving: 10,
};

export interface GuardrailOptions {
  cluster: ClusterIdentity;
  caps: GuardCaps;
  view: GuardrailView;
  ledger: GuardLedger;
  /**
   * A dry run buys nothing: a create it cannot count (no VM list, no price — typically no VPSie
   * credentials yet) is shown as what it would do instead of refused. Every other rule still applies.
   */
  dryRun?: boolean;
}

export type GuardRule =
  | 'plan-size' | 'event-cap' | 'stale-view' | 'hostname' | 'group-label' | 'not-tainted' | 'not-draining' | 'deletion-rate'
  | 'max-nodes' | 'min-nodes' | 'launch-rate' | 'cluster-vms' | 'cost-cap' | 'vm-list' | 'nodes-leaving' | 'unknown-group'
  | 'invalid-group' | 'offering' | 'pod-placement' | 'event-target' | 'ledger' | 'pods-on-node' | 'ownership';
export type GuardVerdict = { allowed: true } | { allowed: false; rule: GuardRule; message: string };

const allow: GuardVerdict = { allowed: true };
const refuse = (rule: GuardRule, message: string): GuardVerdict => ({ allowed: false, rule, message });

export class Guardrails {
  constructor(readonly options: GuardrailOptions) {}

  get ledger(): GuardLedger {
    return this.options.ledger;
  }

  /** The guard of one plan: what this plan already did counts for the commands after it. */
  forPlan(plan: Pick<PlanMessage, 'commands'>): PlanGuard {
    return new PlanGuard(this.options, plan);
  }

  /** The caps and what is left of them now, for the snapshot (the planner paces itself by them). */
  limits(): ForwarderLimits {
    const { caps, ledger } = this.options;
    return {
      windowMs: WINDOW_MS,
      deletionsPerWindow: caps.maxDeletionsPerWindow,
      deletionsRemaining: Math.max(0, caps.maxDeletionsPerWindow - ledger.deletionsInWindow().size),
      launchesPerWindow: caps.maxLaunchesPerWindow,
      launchesRemaining: Math.max(0, caps.maxLaunchesPerWindow - ledger.launchesInWindow()),
      maxNodesLeaving: caps.maxNodesLeaving,
      maxClusterVms: caps.maxClusterVms,
      maxMonthlyCost: caps.maxMonthlyCost,
      maxCommandsPerPlan: caps.maxCommandsPerPlan,
      maxEventsPerPlan: caps.maxEventsPerPlan,
    };
  }

  /**
   * What this cluster's VMs cost a month, counted exactly as the cost cap counts them (for /metrics
   * and the budget alert); undefined before VPSie has been listed.
   */
  monthlyCost(): number | undefined {
    const vms = this.options.view.vms();
    return vms === null ? undefined : this.forPlan({ commands: [] }).clusterCost(vms);
  }

  /** Launches of a group that have no Node yet (for /metrics). */
  launchingCount(groupName: string): number {
    const nodes = new Set(this.options.view.groupNodes(groupName).map((n) => n.name));
    return this.options.ledger.activeLaunches().filter((l) => l.group.endsWith(`/${groupName}`) && !nodes.has(l.hostname)).length;
  }
}

export class PlanGuard {
  private readonly tainted = new Set<string>();
  private readonly deleted = new Set<string>();
  private readonly launched = new Map<string, { group: string; priceMonthly: number }>();
  /** Pods this plan evicts (Events about them are allowed). */
  private readonly actedOnPods = new Set<string>();
  private events = 0;
  private clusterStatusWrites = 0;
  readonly planRefusal: GuardVerdict;

  constructor(private readonly options: GuardrailOptions, plan: Pick<PlanMessage, 'commands'>) {
    const { maxCommandsPerPlan } = options.caps;
    this.planRefusal = plan.commands.length > maxCommandsPerPlan
      ? refuse('plan-size', `the plan has ${plan.commands.length} commands; at most ${maxCommandsPerPlan} are executed from one plan`)
      : allow;
    for (const command of plan.commands) if (command.kind === 'evictPod') this.actedOnPods.add(`${command.namespace}/${command.pod}`);
  }

  check(command: Command): GuardVerdict {
    if (!this.planRefusal.allowed) return this.planRefusal;
    switch (command.kind) {
      case 'createVm':
        return this.checkCreate(command);
      case 'deleteVm':
        return first(
          () => this.fresh(),
          () => this.checkHostname(command.hostname),
          () => (this.isOtherMachine(command.hostname, command.vmIdentifier) ? allow : this.checkRemovable(command.hostname, command.nodeGroup?.name, { mayBeGone: true })),
          () => this.checkDeletionRate(command.hostname),
        );
      case 'deleteNode':
        return first(
          () => this.fresh(),
          () => this.checkRemovable(command.node, command.nodeGroup.name, { mayBeGone: true }),
          () => this.checkDeletionRate(command.node),
        );
      case 'taintNode':
        return first(
          () => this.fresh(),
          () => this.checkManagedNode(command.node, command.nodeGroup.name, { mayBeGone: false }),
          () => this.checkMinNodes(command.node, command.nodeGroup),
          () => this.checkNodesLeaving(command.node),
        );
      case 'untaintNode':
        return this.checkManagedNode(command.node, command.nodeGroup.name, { mayBeGone: false });
      case 'evictPod':
        return first(
          () => this.fresh(),
          () => this.checkManagedNode(command.node, command.nodeGroup.name, { mayBeGone: false }),
          () => (this.isTainted(command.node) ? allow : refuse('not-draining', `node ${command.node} is not under removal (no to-be-deleted taint): its pods are not evicted`)),
          () => {
            const pod = this.options.view.pod(command.namespace, command.pod);
            if (pod && pod.nodeName !== command.node) {
              return refuse('pod-placement', `pod ${command.namespace}/${command.pod} is on ${pod.nodeName ?? 'no node'}, not on ${command.node}`);
            }
            return allow;
          },
        );
      case 'updateNodeGroupStatus':
        return this.options.view.nodeGroup(command.nodeGroup.namespace, command.nodeGroup.name)
          ? allow
          : refuse('unknown-group', `NodeGroup ${command.nodeGroup.namespace}/${command.nodeGroup.name} does not exist`);
      case 'emitEvent':
        return this.checkEvent(command);
      case 'updateClusterStatus':
        // It writes one fixed ConfigMap in the forwarder's namespace; more than one a plan is a bug.
        if (this.clusterStatusWrites++ > 0) return refuse('plan-size', 'one cluster status per plan');
        return allow;
    }
  }

  /** After a command succeeded (or ran dry): what it did counts for the rest of the plan. */
  executed(command: Command): void {
    if (command.kind === 'taintNode') this.tainted.add(command.node);
    if (command.kind === 'untaintNode') this.tainted.delete(command.node);
    if (command.kind === 'deleteNode') this.deleted.add(command.node);
    if (command.kind === 'deleteVm') this.deleted.add(command.hostname);
    if (command.kind === 'createVm') {
      this.launched.set(command.hostname, { group: `${command.nodeGroup.namespace}/${command.nodeGroup.name}`, priceMonthly: this.priceOf(command.offeringId) ?? 0 });
    }
  }

  /** The monthly price the ledger records for a launch. */
  priceOf(offeringId: string): number | undefined {
    return this.options.view.offerings().find((o) => o.identifier === offeringId)?.priceMonthly;
  }

  private fresh(): GuardVerdict {
    return this.options.view.synced() ? allow : refuse('stale-view', 'the forwarder\'s view of the cluster is not fresh (a watch is down or relisting); no destructive command until it is');
  }

  private checkHostname(hostname: string): GuardVerdict {
    const { hostnamePrefix } = this.options.cluster;
    if (!isDnsLabel(hostname)) return refuse('hostname', `hostname ${JSON.stringify(hostname.slice(0, 80))} is not an RFC 1123 label (lowercase letters, digits, dashes, at most 63)`);
    if (!matchesHostnamePattern(hostname, hostnamePrefix)) return refuse('hostname', `hostname ${hostname} does not match this cluster's pattern ${hostnamePrefix}<group>-<5 letters/digits>`);
    return allow;
  }

  private checkCreate(command: Extract<Command, { kind: 'createVm' }>): GuardVerdict {
    const hostname = this.checkHostname(command.hostname);
    if (!hostname.allowed) return hostname;
    const group = this.groupSpec(command.nodeGroup);
    if ('allowed' in group) return group;
    const { spec, name } = group;
    if (!spec.offeringIDs.includes(command.offeringId)) {
      return refuse('offering', `offering ${command.offeringId} is not one of NodeGroup ${name}'s offeringIDs`);
    }
    if (command.datacenterID !== spec.datacenterID || command.osImageID !== spec.osImageID) {
      return refuse('offering', `datacenter/OS image ${command.datacenterID}/${command.osImageID} differ from NodeGroup ${name}'s ${spec.datacenterID}/${spec.osImageID}`);
    }
    const { view, ledger, caps } = this.options;
    // A retry of a launch already counted (same hostname): the handler finds the VM and reports it.
    if (ledger.hasLaunch(command.hostname) || this.launched.has(command.hostname)) return allow;
    // Not a launch of ours, yet the name is taken: a VM for it would be a second machine under one name.
    if (view.node(command.hostname)) return refuse('hostname', `a Node named ${command.hostname} exists already and no launch of it is recorded`);
    const vms = view.vms();
    if (vms === null) {
      return this.options.dryRun ? allow : refuse('vm-list', 'VPSie\'s VM list could not be read: without it the VMs of the group cannot be counted against maxNodes');
    }

    const members = this.groupMembers(command.nodeGroup.name, name, vms);
    if (members.size + 1 > spec.maxNodes) {
      return refuse('max-nodes', `NodeGroup ${name} has ${members.size} members (Nodes, VMs and launches); another would exceed maxNodes ${spec.maxNodes}`);
    }
    // Launches of this plan are in the ledger already when they ran live (written before the create);
    // only a dry run's are not: count each once.
    const launches = ledger.launchesInWindow() + [...this.launched.keys()].filter((hostname) => !ledger.hasLaunch(hostname)).length;
    if (launches + 1 > caps.maxLaunchesPerWindow) {
      return refuse('launch-rate', `${launches} VMs launched in the last 10 minutes; the limit is ${caps.maxLaunchesPerWindow}`);
    }
    const cluster = this.clusterMembers(vms);
    if (cluster.size + 1 > caps.maxClusterVms) {
      return refuse('cluster-vms', `the cluster has ${cluster.size} VMs (Nodes, VMs and launches); another would exceed the cluster-wide cap ${caps.maxClusterVms}`);
    }
    const price = this.priceOf(command.offeringId);
    if (price === undefined && this.options.dryRun) return allow;
    if (price === undefined) return refuse('cost-cap', `the price of offering ${command.offeringId} is unknown (not in the VPSie catalogue read this reconcile): the cost cap cannot be checked`);
    const cost = this.monthlyCost(cluster);
    if (cost + price > caps.maxMonthlyCost) {
      return refuse('cost-cap', `the cluster's VMs cost ${cost.toFixed(2)} a month; ${command.offeringId} (${price.toFixed(2)}) would exceed the cap ${caps.maxMonthlyCost}`);
    }
    return allow;
  }

  /** The monthly price of every VM this cluster may be billed for (see monthlyCost below). */
  clusterCost(vms: readonly SnapshotVm[]): number {
    return this.monthlyCost(this.clusterMembers(vms));
  }

  /** Hostnames counting towards the group's maxNodes: its Nodes, its VMs, its launches (ledger and this plan). */
  private groupMembers(groupName: string, groupKey: string, vms: readonly SnapshotVm[]): Set<string> {
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
  private clusterMembers(vms: readonly SnapshotVm[]): Set<string> {
    const out = new Set<string>();
    for (const node of this.options.view.nodes()) if (node.labels[NODEGROUP_LABEL] !== undefined) out.add(node.name);
    for (const vm of vms) if (vm.state !== 'gone') out.add(vm.hostname);
    for (const launch of this.options.ledger.activeLaunches()) out.add(launch.hostname);
    for (const hostname of this.launched.keys()) out.add(hostname);
    return out;
  }

  /** "namespace/name" of each VM's group: from its Node's label, else the launch that made it. */
  private vmGroups(): Map<string, string> {
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
  private monthlyCost(members: Set<string>): number {
    const { view, ledger } = this.options;
    const offerings = view.offerings();
    const dearest = offerings.reduce((max, o) => Math.max(max, o.priceMonthly), 0);
    const launchPrice = new Map(ledger.activeLaunches().map((l) => [l.hostname, l.priceMonthly]));
    for (const [hostname, l] of this.launched) launchPrice.set(hostname, l.priceMonthly);
    let total = 0;
    for (const hostname of members) {
      const known = launchPrice.get(hostname);
      if (known !== undefined) {
        total += known;
        continue;
      }
      const type = view.node(hostname)?.labels[INSTANCE_TYPE_LABEL];
      const offering = type === undefined ? undefined : offerings.find((o) => o.identifier === type || o.nickname === type);
      // (A gone VM is not a member: clusterMembers skips it.)
      total += offering?.priceMonthly ?? dearest;
    }
    return total;
  }

  /** A second VM under a Node's hostname: the Node's providerID names another machine (the executor reads it again live). */
  private isOtherMachine(hostname: string, vmIdentifier: string | undefined): boolean {
    const nodeVm = vmIdentifierOfProviderId(this.options.view.node(hostname)?.providerID);
    return vmIdentifier !== undefined && nodeVm !== undefined && nodeVm !== vmIdentifier;
  }

  private isTainted(nodeName: string): boolean {
    if (this.tainted.has(nodeName)) return true;
    const node = this.options.view.node(nodeName);
    return node !== undefined && isLeaving({ taints: node.taints });
  }

  /** A node may be deleted (and the VM under it) only once its removal has begun: it carries the taint. */
  private checkRemovable(nodeName: string, groupName: string | undefined, { mayBeGone }: { mayBeGone: boolean }): GuardVerdict {
    const node = this.options.view.node(nodeName);
    if (!node) return mayBeGone ? allow : refuse('group-label', `node ${nodeName} is not in the forwarder's view`);
    const label = node.labels[NODEGROUP_LABEL];
    if (label === undefined) return refuse('group-label', `node ${nodeName} has no ${NODEGROUP_LABEL} label`);
    if (groupName !== undefined && label !== groupName) return refuse('group-label', `node ${nodeName} belongs to NodeGroup ${label}, not ${groupName}`);
    if (!this.isTainted(nodeName)) return refuse('not-tainted', `node ${nodeName} does not carry the to-be-deleted taint: a removal starts with the taint and a drain`);
    return allow;
  }

  private checkManagedNode(nodeName: string, groupName: string, { mayBeGone }: { mayBeGone: boolean }): GuardVerdict {
    const node = this.options.view.node(nodeName);
    if (!node) return mayBeGone ? allow : refuse('group-label', `node ${nodeName} is not in the forwarder's view`);
    const label = node.labels[NODEGROUP_LABEL];
    if (label === undefined) return refuse('group-label', `node ${nodeName} has no ${NODEGROUP_LABEL} label`);
    if (label !== groupName) return refuse('group-label', `node ${nodeName} belongs to NodeGroup ${label}, not ${groupName}`);
    return allow;
  }

  private checkDeletionRate(name: string): GuardVerdict {
    const done = this.options.ledger.deletionsInWindow();
    for (const d of this.deleted) done.add(d);
    if (done.has(name)) return allow; // the VM of a node already counted (or a retry)
    const { maxDeletionsPerWindow } = this.options.caps;
    if (done.size >= maxDeletionsPerWindow) {
      return refuse('deletion-rate', `${done.size} nodes/VMs removed in the last 10 minutes; the limit is ${maxDeletionsPerWindow}`);
    }
    return allow;
  }

  /**
   * minNodes, counted with the one membership rule, minus the removals this plan already started.
   * The executor calls it again with the group's Nodes read live (the cache may lag).
   */
  checkMinNodes(nodeName: string, ref: { namespace: string; name: string }, nodes: Iterable<MemberNode> = this.options.view.groupNodes(ref.name)): GuardVerdict {
    const group = this.groupSpec(ref);
    if ('allowed' in group) return allow; // a deleted or broken group has no minimum to protect
    const verdict = removalKeepsMinimum(ref.name, nodes, nodeName, group.spec.minNodes, this.tainted);
    if (!verdict.allowed) {
      return refuse('min-nodes', `removing ${nodeName} leaves NodeGroup ${group.name} with ${verdict.remaining} serving node(s), below minNodes ${group.spec.minNodes}`);
    }
    return allow;
  }

  private checkNodesLeaving(nodeName: string): GuardVerdict {
    if (this.isTainted(nodeName)) return allow; // already counted
    const leaving = new Set(this.tainted);
    for (const node of this.options.view.nodes()) {
      if (node.labels[NODEGROUP_LABEL] !== undefined && isLeaving({ taints: node.taints })) leaving.add(node.name);
    }
    const { maxNodesLeaving } = this.options.caps;
    if (leaving.size >= maxNodesLeaving) return refuse('nodes-leaving', `${leaving.size} nodes are under removal already; at most ${maxNodesLeaving} at once`);
    return allow;
  }

  private checkEvent(command: Extract<Command, { kind: 'emitEvent' }>): GuardVerdict {
    const { view, caps } = this.options;
    if (this.events >= caps.maxEventsPerPlan) return refuse('event-cap', `${caps.maxEventsPerPlan} Events recorded from this plan already`);
    const { kind, namespace, name } = command.involved;
    let verdict: GuardVerdict;
    if (kind === 'NodeGroup') {
      verdict = namespace !== undefined && view.nodeGroup(namespace, name) ? allow : refuse('event-target', `no NodeGroup ${namespace ?? '(no namespace)'}/${name}`);
    } else if (kind === 'Node') {
      const node = view.node(name);
      verdict = node?.labels[NODEGROUP_LABEL] !== undefined ? allow : refuse('event-target', `node ${name} is not a managed node`);
    } else {
      const key = `${namespace ?? ''}/${name}`;
      const pod = namespace === undefined ? undefined : view.pod(namespace, name);
      const pending = pod !== undefined && pod.nodeName === undefined;
      verdict = pod && (pending || this.actedOnPods.has(key)) ? allow : refuse('event-target', `pod ${key} is neither pending nor acted on by this plan`);
    }
    if (verdict.allowed) this.events += 1;
    return verdict;
  }

  private groupSpec(ref: { namespace: string; name: string }): { spec: NodeGroupSpec; name: string } | GuardVerdict {
    const name = `${ref.namespace}/${ref.name}`;
    const group = this.options.view.nodeGroup(ref.namespace, ref.name);
    if (!group) return refuse('unknown-group', `NodeGroup ${name} does not exist in the forwarder's view`);
    try {
      return { spec: parseNodeGroupSpec(group.spec, name), name };
    } catch (error) {
      return refuse('invalid-group', (error as Error).message);
    }
  }
}

function first(...checks: Array<() => GuardVerdict>): GuardVerdict {
  for (const check of checks) {
    const verdict = check();
    if (!verdict.allowed) return verdict;
  }
  return allow;
}
