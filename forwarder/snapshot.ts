import { SnapshotBuilder } from '../shared/compact/snapshot-builder.ts';
import type { CommandResult, Offering, Snapshot, SnapshotPod, SnapshotVm } from '../shared/snapshot.ts';
import type { ClusterCache } from './watch/cluster-cache.ts';
import type { InternedShape } from './watch/shape-interner.ts';

// From the cache to the wire. Pods already share interned shapes, so each distinct shape is keyed
// once per snapshot (not once per pod).

export interface SnapshotMeta {
  clusterId: string;
  forwarder: Snapshot['forwarder'];
  takenAtMs: number;
  offerings: Offering[];
  vms: SnapshotVm[] | null;
  results: CommandResult[];
}

export function assembleSnapshot(cache: ClusterCache, meta: SnapshotMeta): Snapshot {
  const builder = new SnapshotBuilder({ clusterId: meta.clusterId, forwarder: meta.forwarder, takenAtMs: meta.takenAtMs, synced: cache.synced });
  const indexOf = new Map<InternedShape, number>();
  const shapeIndex = (interned: InternedShape) => {
    let index = indexOf.get(interned);
    if (index === undefined) {
      index = builder.shape(interned.shape);
      indexOf.set(interned, index);
    }
    return index;
  };
  for (const node of cache.nodes.items.values()) builder.addCompactNode(node);
  for (const pdb of cache.pdbs.items.values()) builder.addCompactPdb(pdb);
  for (const group of cache.nodeGroups.items.values()) builder.addNodeGroup({ metadata: { name: group.name, namespace: group.namespace, generation: group.generation }, spec: group.spec });
  for (const offering of meta.offerings) builder.addOffering(offering);
  builder.setVms(meta.vms);
  for (const result of meta.results) builder.addResult(result);
  const daemonSets = [...cache.daemonSets.items.values()].map(({ daemonSet, shape }) => ({ ...daemonSet, shape: shapeIndex(shape) }));
  const pods: SnapshotPod[] = [];
  for (const { pod, shape } of cache.pods.items.values()) pods.push({ ...pod, shape: shapeIndex(shape) });
  return { ...builder.build(), pods, daemonSets };
}
