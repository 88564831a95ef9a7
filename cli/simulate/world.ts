import type { ValidGroup } from '../../functions/planning/context.ts';
import { findOffering, offeringAllocatable, templateLabels } from '../../functions/planning/node-template.ts';
import { STARTUP_TAINT, TO_BE_DELETED_TAINT } from '../../shared/labels.ts';
import type { CommandResult, NodeResources, Offering, PodShape, Snapshot, SnapshotNode, SnapshotTaint } from '../../shared/snapshot.ts';
import { drawDelayMs, type Random } from './rng.ts';
import type { ClusterStart } from './cluster-start.ts';
import { replicasAt, type Delay, type TraceWorkload } from './trace.ts';
import { WORKLOAD_LABEL, workloadShape } from './workload-shape.ts';

// The simulated world: what the kube API and VPSie would hold. VMs go pending → running (after the
// provisioning delay) and their Node registers Ready after the join delay; the workloads' ReplicaSets
// keep each workload at the trace's replica count (a deleted or evicted pod is replaced at once by a
// new pending one). Placement is not decided here: the scheduler (scheduler.ts) binds pending pods.

export interface WorldVm {
  hostname: string;
  identifier: string;
  processId: string;
  group: ValidGroup;
  offering: Offering;
  createdAtMs: number;
  /** VPSie lists it with an identifier from then on (before: a pending creation). */
  runningAtMs: number;
  /** Its Node registers, Ready, then. */
  joinAtMs: number;
  deletedAtMs?: number;
  /** There at time 0 (--cluster): not a create of the run. */
  adopted?: boolean;
}

export interface WorldNode {
  name: string;
  vm: WorldVm;
  labels: Record<string, string>;
  taints: SnapshotTaint[];
  unschedulable: boolean;
  ready: boolean;
  allocatable: NodeResources;
  createdAtMs: number;
  readyTransitionMs: number;
}

/** The forwarder's default startupTaintMaxSeconds: an unreleased node is untainted after this long. */
export const STARTUP_TAINT_MAX_MS = 60_000;

export interface WorldPod {
  name: string;
  workload: number;
  createdAtMs: number;
  nodeName?: string;
  unschedulableSinceMs?: number;
  /** status.nominatedNodeName, set by a releaseNode (the scheduler tries that node first). */
  nominatedNodeName?: string;
  /** Made by its ReplicaSet to replace a pod that a scale-down evicted or deleted with its node. */
  displacedByRemoval: boolean;
  /** Counted once as "pending because of a scale-down". */
  countedDisplacedPending?: boolean;
}

export interface WorldOptions {
  clusterId: string;
  groups: readonly ValidGroup[];
  /** The raw NodeGroups as the forwarder sends them (the planner parses them again). */
  nodeGroups: Snapshot['nodeGroups'];
  offerings: readonly Offering[];
  workloads: readonly TraceWorkload[];
  provisioning: { launchSeconds: Delay; joinSeconds: Delay };
  random: Random;
  /** Trace time 0 (the workloads' replica counts are given from it). */
  startMs: number;
  /** Nodes (running VMs) and pods there at time 0 (--cluster). */
  start?: ClusterStart;
}

export interface PodEvents {
  /** A pod left pending for good: bound after waiting this long. */
  onBound?: (pod: WorldPod, waitedMs: number) => void;
}

export class World {
  readonly vms: WorldVm[] = [];
  readonly nodes = new Map<string, WorldNode>();
  readonly pods = new Map<string, WorldPod>();
  readonly shapes: PodShape[];
  private podCounter = 0;
  private vmCounter = 0;
  /** Pods that a removal displaced and that no node could take at once. */
  displacedPending = 0;

  constructor(readonly options: WorldOptions) {
    this.shapes = options.workloads.map(workloadShape);
    if (options.start) this.adopt(options.start);
  }

  /** The dump's managed Nodes as running VMs joined at time 0, and its pods where it has them. */
  private adopt(start: ClusterStart): void {
    const t = this.options.startMs;
    for (const { node, group, offering } of start.nodes) {
      const serial = ++this.vmCounter;
      const identifier = node.providerID?.startsWith('vpsie://') ? node.providerID.slice('vpsie://'.length) : `sim-vm-${serial}`;
      const vm: WorldVm = { hostname: node.name, identifier, processId: `sim-process-${serial}`, group, offering, createdAtMs: t, runningAtMs: t, joinAtMs: t, adopted: true };
      this.vms.push(vm);
      this.nodes.set(node.name, { name: node.name, vm, labels: node.labels, taints: node.taints, unschedulable: node.unschedulable, ready: node.ready, allocatable: node.allocatable, createdAtMs: t, readyTransitionMs: t });
    }
    for (const pod of start.pods) {
      if (this.pods.has(pod.name)) continue;
      this.pods.set(pod.name, { name: pod.name, workload: pod.workload, createdAtMs: t, displacedByRemoval: false, ...(pod.nodeName !== undefined ? { nodeName: pod.nodeName } : {}) });
    }
  }

  get groups(): readonly ValidGroup[] {
    return this.options.groups;
  }

  liveVms(): WorldVm[] {
    return this.vms.filter((vm) => vm.deletedAtMs === undefined);
  }

  /** Moves time on to `nowMs`: VMs come up, Nodes join, ReplicaSets follow the trace. */
  advance(nowMs: number): void {
    for (const vm of this.liveVms()) {
      if (vm.joinAtMs <= nowMs && !this.nodes.has(vm.hostname)) this.join(vm);
    }
    // The forwarder's fallback: a node nobody released loses the startup taint after STARTUP_TAINT_MAX_MS.
    for (const node of this.nodes.values()) {
      if (node.readyTransitionMs + STARTUP_TAINT_MAX_MS <= nowMs && node.taints.some((t) => t.key === STARTUP_TAINT)) this.untaintStartup(node);
    }
    this.options.workloads.forEach((workload, index) => this.reconcileWorkload(index, replicasAt(workload, nowMs - this.options.startMs), nowMs));
  }

  /** The next time after `nowMs` at which a VM comes up or its Node joins (Infinity: none). */
  nextChangeAfterMs(nowMs: number): number {
    let next = Infinity;
    for (const vm of this.liveVms()) {
      if (vm.runningAtMs > nowMs) next = Math.min(next, vm.runningAtMs);
      if (vm.joinAtMs > nowMs) next = Math.min(next, vm.joinAtMs);
    }
    for (const node of this.nodes.values()) {
      const fallbackAtMs = node.readyTransitionMs + STARTUP_TAINT_MAX_MS;
      if (fallbackAtMs > nowMs && node.taints.some((t) => t.key === STARTUP_TAINT)) next = Math.min(next, fallbackAtMs);
    }
    return next;
  }

  pendingCount(): number {
    let n = 0;
    for (const pod of this.pods.values()) if (pod.nodeName === undefined) n++;
    return n;
  }

  private join(vm: WorldVm): void {
    const spec = vm.group.spec;
    this.nodes.set(vm.hostname, {
      name: vm.hostname,
      vm,
      labels: templateLabels(vm.group, vm.offering, vm.hostname),
      // As the forwarder's createVm: the group's taints and the startup taint, until a releaseNode.
      taints: [...spec.taints.map((t) => ({ key: t.key, ...(t.value !== undefined ? { value: t.value } : {}), effect: t.effect })), { key: STARTUP_TAINT, effect: 'NoSchedule' as const }],
      unschedulable: false,
      ready: true,
      allocatable: offeringAllocatable(spec, vm.offering),
      createdAtMs: vm.joinAtMs,
      readyTransitionMs: vm.joinAtMs,
    });
  }

  private podsOf(workload: number): WorldPod[] {
    return [...this.pods.values()].filter((p) => p.workload === workload);
  }

  private reconcileWorkload(workload: number, desired: number, nowMs: number): void {
    const pods = this.podsOf(workload);
    for (let n = pods.length; n < desired; n++) this.createPod(workload, nowMs, false);
    if (pods.length <= desired) return;
    // A ReplicaSet scaling down deletes pending pods first, then the newest.
    const order = [...pods].sort((a, b) => Number(a.nodeName !== undefined) - Number(b.nodeName !== undefined) || b.createdAtMs - a.createdAtMs || b.name.localeCompare(a.name));
    for (const pod of order.slice(0, pods.length - desired)) this.pods.delete(pod.name);
  }

  createPod(workload: number, nowMs: number, displacedByRemoval: boolean): WorldPod {
    const name = `${this.options.workloads[workload]!.name}-${(this.podCounter++).toString(36).padStart(5, '0')}`;
    const pod: WorldPod = { name, workload, createdAtMs: nowMs, displacedByRemoval };
    this.pods.set(name, pod);
    return pod;
  }

  bind(podName: string, nodeName: string, nowMs: number, events: PodEvents = {}): void {
    const pod = this.pods.get(podName);
    if (!pod || pod.nodeName !== undefined) return;
    pod.nodeName = nodeName;
    delete pod.unschedulableSinceMs;
    delete pod.nominatedNodeName;
    events.onBound?.(pod, nowMs - pod.createdAtMs);
  }

  /** True when the pod was not marked before (the forwarder's watch would see it become unschedulable now). */
  markUnschedulable(podName: string, nowMs: number): boolean {
    const pod = this.pods.get(podName);
    if (!pod) return false;
    const fresh = pod.unschedulableSinceMs === undefined;
    pod.unschedulableSinceMs ??= nowMs;
    if (pod.displacedByRemoval && !pod.countedDisplacedPending) {
      pod.countedDisplacedPending = true;
      this.displacedPending++;
    }
    return fresh;
  }

  /** Deletes a pod (eviction, or its node went); its ReplicaSet replaces it with a pending one. */
  replacePod(pod: WorldPod, nowMs: number): WorldPod {
    this.pods.delete(pod.name);
    return this.createPod(pod.workload, nowMs, true);
  }

  podsOnNode(nodeName: string): WorldPod[] {
    return [...this.pods.values()].filter((p) => p.nodeName === nodeName);
  }

  /** status.disruptionsAllowed of the workload's PDB: healthy (bound) pods above desired − maxUnavailable. */
  disruptionsAllowed(workload: number): number | undefined {
    const pdb = this.options.workloads[workload]!.pdb;
    if (!pdb) return undefined;
    const pods = this.podsOf(workload);
    const healthy = pods.filter((p) => p.nodeName !== undefined).length;
    return Math.max(0, healthy - Math.max(0, pods.length - pdb.maxUnavailable));
  }

  /** VPSie accepted a create: a pending VM now, running and joined after the drawn delays. */
  launch(hostname: string, group: ValidGroup, offeringId: string, nowMs: number): WorldVm | string {
    if (this.liveVms().some((vm) => vm.hostname === hostname)) return `a VM named ${hostname} exists already`;
    const offering = findOffering(this.options.offerings, group, offeringId);
    if (!offering) return `offering ${offeringId} is not in the catalogue`;
    const serial = ++this.vmCounter;
    const runningAtMs = nowMs + drawDelayMs(this.options.provisioning.launchSeconds, this.options.random);
    const vm: WorldVm = {
      hostname,
      identifier: `sim-vm-${serial}`,
      processId: `sim-process-${serial}`,
      group,
      offering,
      createdAtMs: nowMs,
      runningAtMs,
      joinAtMs: runningAtMs + drawDelayMs(this.options.provisioning.joinSeconds, this.options.random),
    };
    this.vms.push(vm);
    return vm;
  }

  deleteVm(vm: WorldVm, nowMs: number): void {
    vm.deletedAtMs = nowMs;
    // The kubelet goes with its machine; the Node object stays until someone deletes it.
    const node = this.nodes.get(vm.hostname);
    if (node?.vm === vm && node.ready) {
      node.ready = false;
      node.readyTransitionMs = nowMs;
    }
  }

  deleteNode(name: string, nowMs: number): void {
    for (const pod of this.podsOnNode(name)) this.replacePod(pod, nowMs);
    this.nodes.delete(name);
  }

  /** releaseNode's second step (and the fallback's only one). */
  untaintStartup(node: WorldNode): void {
    node.taints = node.taints.filter((t) => t.key !== STARTUP_TAINT);
  }

  isTainted(node: WorldNode): boolean {
    return node.taints.some((t) => t.key === TO_BE_DELETED_TAINT);
  }

  /** The snapshot the forwarder would send now (always synced, VPSie always listed). */
  snapshot(nowMs: number, results: CommandResult[]): Snapshot {
    const nodes: SnapshotNode[] = [...this.nodes.values()].map((n) => ({
      name: n.name,
      labels: n.labels,
      taints: n.taints,
      unschedulable: n.unschedulable,
      allocatable: n.allocatable,
      ready: n.ready,
      readyTransitionMs: n.readyTransitionMs,
      pressure: [],
      providerID: `vpsie://${n.vm.identifier}`,
      createdAtMs: n.createdAtMs,
      annotations: {},
    }));
    const workloads = this.options.workloads;
    return {
      version: 'v1',
      clusterId: this.options.clusterId,
      takenAtMs: nowMs,
      synced: true,
      forwarder: { id: 'simulate', version: 'simulate', dryRun: false, lastFencingToken: 0 },
      nodeGroups: this.options.nodeGroups,
      nodes,
      podShapes: this.shapes,
      pods: [...this.pods.values()].map((p) => ({
        namespace: workloads[p.workload]!.namespace,
        name: p.name,
        shape: p.workload,
        ...(p.nodeName !== undefined ? { nodeName: p.nodeName } : {}),
        phase: p.nodeName !== undefined ? 'Running' as const : 'Pending' as const,
        ...(p.unschedulableSinceMs !== undefined ? { unschedulableSinceMs: p.unschedulableSinceMs } : {}),
        ...(p.nominatedNodeName !== undefined ? { nominatedNodeName: p.nominatedNodeName } : {}),
        createdAtMs: p.createdAtMs,
      })),
      pdbs: workloads.flatMap((w, i) => (w.pdb ? [{
        namespace: w.namespace,
        name: `${w.name}-pdb`,
        selector: { matchLabels: { [WORKLOAD_LABEL]: w.name } },
        disruptionsAllowed: this.disruptionsAllowed(i) ?? 0,
      }] : [])),
      daemonSets: [],
      offerings: [...this.options.offerings],
      vms: this.liveVms().map((vm) => (vm.runningAtMs <= nowMs
        ? { identifier: vm.identifier, hostname: vm.hostname, state: 'running' as const, createdAtMs: vm.createdAtMs, marked: true, nodeGroup: { namespace: vm.group.namespace, name: vm.group.name } }
        : { hostname: vm.hostname, state: 'pending' as const, marked: true, nodeGroup: { namespace: vm.group.namespace, name: vm.group.name }, processId: vm.processId })),
      results,
    };
  }
}
