import { compactDaemonSet } from '../../shared/compact/daemonset.ts';
import type { KubeDaemonSet, KubeNode, KubeNodeGroupObject, KubePdb, KubePod } from '../../shared/compact/kube-types.ts';
import { compactNode } from '../../shared/compact/node.ts';
import { compactNodeGroup } from '../../shared/compact/nodegroup.ts';
import { compactPdb } from '../../shared/compact/pdb.ts';
import { compactPod } from '../../shared/compact/pod.ts';
import { unreadablePod, type UnreadablePod } from '../../shared/compact/unreadable.ts';
import type { SnapshotDaemonSet, SnapshotNode, SnapshotNodeGroup, SnapshotPdb, SnapshotPod } from '../../shared/snapshot.ts';
import { CompactStore, namespacedKey } from './compact-store.ts';
import type { InternedShape, ShapeInterner, StringInterner } from './shape-interner.ts';

// The cluster cache's stores, one per watched resource: what of each object is kept (compact facts
// only; never a Secret's values), and which changes bring a reconcile forward (the triggers).

export interface CachedPod {
  pod: Omit<SnapshotPod, 'shape'>;
  shape: InternedShape;
}

export interface CachedDaemonSet {
  daemonSet: Omit<SnapshotDaemonSet, 'shape'>;
  shape: InternedShape;
}

/** Names and keys only: the template itself is read when a VM is created. */
export interface SecretFacts {
  name: string;
  type: string;
  keys: string[];
}

export interface ClusterCacheTriggers {
  /** A pod became unschedulable (condition or FailedScheduling event). */
  unschedulablePod(key: string): void;
  /** A NodeGroup was created, deleted or its spec changed (generation). */
  nodeGroupChanged(key: string): void;
  /** A node reported pressure, or the kubelet warned about a node. */
  nodePressure(node: string): void;
}

export interface CacheStores {
  pods: CompactStore<CachedPod, UnreadablePod>;
  nodes: CompactStore<SnapshotNode>;
  pdbs: CompactStore<SnapshotPdb>;
  daemonSets: CompactStore<CachedDaemonSet>;
  nodeGroups: CompactStore<SnapshotNodeGroup>;
  secrets: CompactStore<SecretFacts>;
}

export interface CacheStoreDeps {
  triggers: ClusterCacheTriggers;
  shapes: ShapeInterner;
  strings: StringInterner;
  /** An object that could not be compacted (kept as unreadable in its store). */
  onUnreadable(kind: string, key: string, error: unknown): void;
}

export function createCacheStores({ triggers, shapes, strings, onUnreadable }: CacheStoreDeps): CacheStores {
  const onCompactError = (kind: string) => (key: string, error: unknown) => onUnreadable(kind, key, error);
  const s = (value: string) => strings.intern(value);

  const pods = new CompactStore<CachedPod, UnreadablePod>({
    keyOf: namespacedKey,
    unreadable: unreadablePod,
    compact: (object) => {
      const { pod, shape } = compactPod(object as KubePod);
      // Finished pods hold no resources and block nothing: forget them.
      if (pod.phase === 'Succeeded' || pod.phase === 'Failed') return undefined;
      const compact: Omit<SnapshotPod, 'shape'> = { ...pod, namespace: s(pod.namespace) };
      if (pod.nodeName) compact.nodeName = s(pod.nodeName);
      return { pod: compact, shape: shapes.acquire(shape) };
    },
    onChange: (key, previous, next) => {
      if (previous) shapes.release(previous.shape);
      if (next?.pod.unschedulableSinceMs !== undefined && previous?.pod.unschedulableSinceMs === undefined) triggers.unschedulablePod(key);
    },
    onCompactError: onCompactError('pod'),
  });
  const nodes = new CompactStore<SnapshotNode>({
    keyOf: namespacedKey,
    compact: (object) => compactNode(object as KubeNode),
    onChange: (key, previous, next) => {
      if (next && next.pressure.length > 0 && next.pressure.length > (previous?.pressure.length ?? 0)) triggers.nodePressure(key);
    },
    onCompactError: onCompactError('node'),
  });
  const pdbs = new CompactStore<SnapshotPdb>({
    keyOf: namespacedKey,
    compact: (object) => compactPdb(object as KubePdb) ?? undefined,
    onCompactError: onCompactError('pdb'),
  });
  const daemonSets = new CompactStore<CachedDaemonSet>({
    keyOf: namespacedKey,
    compact: (object) => {
      const { daemonSet, shape } = compactDaemonSet(object as KubeDaemonSet);
      return { daemonSet, shape: shapes.acquire(shape) };
    },
    onChange: (_key, previous) => {
      if (previous) shapes.release(previous.shape);
    },
    onCompactError: onCompactError('daemonset'),
  });
  const nodeGroups = new CompactStore<SnapshotNodeGroup>({
    keyOf: namespacedKey,
    compact: (object) => compactNodeGroup(object as KubeNodeGroupObject),
    onChange: (key, previous, next, from) => {
      if (from === 'watch' && previous?.generation !== next?.generation) triggers.nodeGroupChanged(key);
      else if (from === 'list' && (previous === undefined) !== (next === undefined)) triggers.nodeGroupChanged(key);
    },
    onCompactError: onCompactError('nodegroup'),
  });
  const secrets = new CompactStore<SecretFacts>({
    keyOf: namespacedKey,
    // IMPORTANT: never keep secret values in the cache; only which keys exist.
    compact: (object) => {
      const secret = object as { metadata?: { name?: string }; type?: string; data?: Record<string, string> };
      return { name: secret.metadata?.name ?? '', type: secret.type ?? 'Opaque', keys: Object.keys(secret.data ?? {}) };
    },
  });
  return { pods, nodes, pdbs, daemonSets, nodeGroups, secrets };
}
