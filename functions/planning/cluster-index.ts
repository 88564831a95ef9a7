import type { PodShape, Snapshot, SnapshotNode, SnapshotPod, SnapshotVm } from '../../shared/snapshot.ts';

// Lookups over one snapshot, built once and shared by the phases that need them.

export interface ClusterIndex {
  nodeByName: ReadonlyMap<string, SnapshotNode>;
  /** Pods bound to each node (any phase). */
  podsByNode: ReadonlyMap<string, readonly SnapshotPod[]>;
  /** VMs by hostname; empty when VPSie could not be listed (snapshot.vms null). */
  vmByHostname: ReadonlyMap<string, SnapshotVm>;
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
  const vmByHostname = new Map<string, SnapshotVm>();
  for (const vm of snapshot.vms ?? []) {
    // A VM reported twice (pending and created lists): the live one wins over "gone".
    const existing = vmByHostname.get(vm.hostname);
    if (!existing || existing.state === 'gone') vmByHostname.set(vm.hostname, vm);
  }
  index = { nodeByName, podsByNode, vmByHostname };
  cache.set(snapshot, index);
  return index;
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
