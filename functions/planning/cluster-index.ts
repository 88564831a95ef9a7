import { vmIdentifierOfProviderId } from '../../shared/labels.ts';
import type { PodShape, Snapshot, SnapshotNode, SnapshotPod, SnapshotVm } from '../../shared/snapshot.ts';

// Lookups over one snapshot, built once and shared by the phases that need them.

export interface ClusterIndex {
  nodeByName: ReadonlyMap<string, SnapshotNode>;
  /** Pods bound to each node (any phase). */
  podsByNode: ReadonlyMap<string, readonly SnapshotPod[]>;
  /**
   * The VM that stands for each hostname (see primaryVm); empty when VPSie could not be listed
   * (snapshot.vms null). Several VMs may share a hostname: vmsByHostname has them all.
   */
  vmByHostname: ReadonlyMap<string, SnapshotVm>;
  /** Every VM row of each hostname (a create sent twice makes two VMs of one name), snapshot order. */
  vmsByHostname: ReadonlyMap<string, readonly SnapshotVm[]>;
  /** Identifiers named by a Node's providerID (vpsie://<identifier>). */
  nodeVmIdentifiers: ReadonlySet<string>;
}

const cache = new WeakMap<Snapshot, ClusterIndex>();

export function clusterIndex(snapshot: Snapshot): ClusterIndex {
  let index = cache.get(snapshot);
  if (index) return index;
  const nodeByName = new Map(snapshot.nodes.map((n) => [n.name, n] as const));
  const podsByNode = new Map<string, SnapshotPod[]>();
  for (const pod of snapshot.pods) {
    if (pod.nodeName === undefined) continue;
    const list = podsByNode.get(pod.nodeName);
    if (list) list.push(pod);
    else podsByNode.set(pod.nodeName, [pod]);
  }
  const nodeVmIdentifiers = new Set<string>();
  for (const node of snapshot.nodes) {
    const identifier = vmIdentifierOfProviderId(node.providerID);
    if (identifier !== undefined) nodeVmIdentifiers.add(identifier);
  }
  const vmsByHostname = new Map<string, SnapshotVm[]>();
  for (const vm of snapshot.vms ?? []) {
    const list = vmsByHostname.get(vm.hostname);
    if (list) list.push(vm);
    else vmsByHostname.set(vm.hostname, [vm]);
  }
  const vmByHostname = new Map<string, SnapshotVm>();
  for (const [hostname, vms] of vmsByHostname) vmByHostname.set(hostname, primaryVm(vms, nodeVmIdentifiers));
  index = { nodeByName, podsByNode, vmByHostname, vmsByHostname, nodeVmIdentifiers };
  cache.set(snapshot, index);
  return index;
}

const LIVE_ORDER: Record<SnapshotVm['state'], number> = { running: 0, created: 0, pending: 1, gone: 2 };

/**
 * The VM that stands for a hostname: the one a Node's providerID names, else the oldest listed one
 * (pending creations only when nothing is listed; "gone" rows last). The others are extras.
 * IMPORTANT: deterministic (age, then identifier), so that two reconciles keep the same one.
 */
export function primaryVm(vms: readonly SnapshotVm[], nodeVmIdentifiers: ReadonlySet<string>): SnapshotVm {
  const named = vms.find((vm) => vm.state !== 'gone' && vm.identifier !== undefined && nodeVmIdentifiers.has(vm.identifier));
  if (named) return named;
  return [...vms].sort(
    (a, b) =>
      LIVE_ORDER[a.state] - LIVE_ORDER[b.state] ||
      (a.createdAtMs ?? Number.MAX_SAFE_INTEGER) - (b.createdAtMs ?? Number.MAX_SAFE_INTEGER) ||
      (a.identifier ?? '').localeCompare(b.identifier ?? ''),
  )[0]!;
}

/** Listed VMs of a hostname other than the one that stands for it: a second create made them. */
export function extraVms(index: ClusterIndex, hostname: string): SnapshotVm[] {
  const primary = index.vmByHostname.get(hostname);
  return (index.vmsByHostname.get(hostname) ?? []).filter((vm) => vm !== primary && vm.identifier !== undefined && (vm.state === 'created' || vm.state === 'running'));
}

export function podKey(pod: Pick<SnapshotPod, 'namespace' | 'name'>): string {
  return `${pod.namespace}/${pod.name}`;
}

export function shapeOf(snapshot: Snapshot, pod: SnapshotPod): PodShape {
  const shape = snapshot.podShapes[pod.shape];
  // The wire schema guarantees the index; this only guards hand-built inputs.
  if (!shape) throw new Error(`pod ${podKey(pod)} names shape ${pod.shape}, which does not exist`);
  return shape;
}

/** A VM that exists (any state but gone). */
export function liveVm(index: ClusterIndex, hostname: string): SnapshotVm | undefined {
  const vm = index.vmByHostname.get(hostname);
  return vm && vm.state !== 'gone' ? vm : undefined;
}
