import { NODEGROUP_LABEL } from '../shared/labels.ts';
import { removalKeepsMinimum, type MemberNode } from '../shared/membership.ts';
import { parseNodeGroupSpec, type NodeGroupSpec } from '../shared/nodegroup.ts';
import { isDnsLabel, matchesHostnamePattern } from '../shared/ownership.ts';
import type { Command, PlanMessage } from '../shared/plan-message.ts';
import type { ForwarderLimits, SnapshotVm } from '../shared/snapshot.ts';
import { GuardCounts, type PlanLaunch } from './guard-counts.ts';
import { checkCreate } from './guard-create.ts';
import { RemovalChecks } from './guard-removal.ts';
import { WINDOW_MS, type GuardLedger } from './guard-ledger.ts';
import { allow, first, refuse, type GuardrailOptions, type GuardVerdict } from './guard-types.ts';

export { DEFAULT_CAPS, type GuardCaps, type GuardrailOptions, type GuardrailView, type GuardRule, type GuardVerdict } from './guard-types.ts';

// The forwarder's own veto (DESIGN.md, Security). A plan may be wrong, buggy or hostile (a leaked
// signing key); whatever it says, the forwarder refuses what it may never do, judged against its own
// view of the cluster and VPSie and against its ledger (persisted: restarts and leader changes do not
// reset a cap). The rules, command by command:
//
// - every plan: at most maxCommandsPerPlan commands (else the whole plan is refused), at most
//   maxEventsPerPlan Events;
// - createVm: an RFC 1123 hostname of this cluster's exact pattern; the group's offering, datacenter and
//   image; members (Nodes ∪ VMs ∪ launches, shared/membership.ts) + 1 ≤ maxNodes; launches per window;
//   the cluster-wide VM cap and monthly-cost cap; the group's spec.limits.monthlyCost; a VM list to
//   count against (guard-create.ts; counts and prices from guard-counts.ts, never the plan's);
// - taintNode (a removal starts): a managed node; the group keeps minNodes serving nodes (the one rule
//   of shared/membership.ts, minus the removals this plan already started); at most maxNodesLeaving;
// - deleteNode / deleteVm: only a node that carries the to-be-deleted taint (or no Node at all);
//   deletions per window; the executor re-checks the node and its pods live, and the VM's marker;
// - evictPod: only from a node under removal (tainted), only a pod the view places on that node;
// - releaseNode (not destructive: nominations and the startup taint's removal): only a node of the
//   command's group; the executor re-checks the label live and never patches a bound pod;
// - emitEvent: only about an existing NodeGroup, a managed Node, or a pod this plan acts on or that is
//   pending (Pod events are how `kubectl describe pod` explains a scale-up; the per-plan event cap bounds them);
// - updateClusterStatus: once per plan (it writes only the forwarder's own status ConfigMap);
// - every destructive command needs a fresh view (no watch down or relisting).

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
  private readonly launched = new Map<string, PlanLaunch>();
  private readonly counts: GuardCounts;
  private readonly removal: RemovalChecks;
  /** Pods this plan evicts (Events about them are allowed). */
  private readonly actedOnPods = new Set<string>();
  private events = 0;
  private clusterStatusWrites = 0;
  readonly planRefusal: GuardVerdict;

  constructor(private readonly options: GuardrailOptions, plan: Pick<PlanMessage, 'commands'>) {
    this.counts = new GuardCounts(options, this.launched);
    this.removal = new RemovalChecks(options, this.tainted, this.deleted);
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
        return checkCreate(command, { options: this.options, counts: this.counts, launched: this.launched, checkHostname: (h) => this.checkHostname(h), groupSpec: (ref) => this.groupSpec(ref) });
      case 'deleteVm':
        return first(
          () => this.fresh(),
          () => this.checkHostname(command.hostname),
          () => (this.removal.isOtherMachine(command.hostname, command.vmIdentifier) ? allow : this.removal.checkRemovable(command.hostname, command.nodeGroup?.name, { mayBeGone: true })),
          () => this.removal.checkDeletionRate(command.hostname),
        );
      case 'deleteNode':
        return first(
          () => this.fresh(),
          () => this.removal.checkRemovable(command.node, command.nodeGroup.name, { mayBeGone: true }),
          () => this.removal.checkDeletionRate(command.node),
        );
      case 'taintNode':
        return first(
          () => this.fresh(),
          () => this.removal.checkManagedNode(command.node, command.nodeGroup.name, { mayBeGone: false }),
          () => this.checkMinNodes(command.node, command.nodeGroup),
          () => this.removal.checkNodesLeaving(command.node),
        );
      case 'untaintNode':
      case 'releaseNode':
        return this.removal.checkManagedNode(command.node, command.nodeGroup.name, { mayBeGone: false });
      case 'evictPod':
        return first(
          () => this.fresh(),
          () => this.removal.checkManagedNode(command.node, command.nodeGroup.name, { mayBeGone: false }),
          () => (this.removal.isTainted(command.node) ? allow : refuse('not-draining', `node ${command.node} is not under removal (no to-be-deleted taint): its pods are not evicted`)),
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
    return this.counts.priceOf(offeringId);
  }

  /** The monthly price of every VM this cluster may be billed for (guard-counts.ts). */
  clusterCost(vms: readonly SnapshotVm[]): number {
    return this.counts.clusterCost(vms);
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

