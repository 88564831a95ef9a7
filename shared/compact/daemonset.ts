import { CompactError } from '../errors.ts';
import type { PodShape, SnapshotDaemonSet, Toleration } from '../snapshot.ts';
import type { KubeDaemonSet } from './kube-types.ts';
import { compactPodShape, objectName } from './pod.ts';

export interface CompactDaemonSet {
  daemonSet: Omit<SnapshotDaemonSet, 'shape'>;
  shape: PodShape;
}

// The DaemonSet controller adds these tolerations to every daemon pod
// (pkg/controller/daemon/util.AddOrUpdateDaemonPodTolerations); the planner must see them to know
// which nodes the DaemonSet will land on, e.g. a new node that is still not-ready.
const DAEMON_TOLERATIONS: Toleration[] = [
  { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute' },
  { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute' },
  { key: 'node.kubernetes.io/disk-pressure', operator: 'Exists', effect: 'NoSchedule' },
  { key: 'node.kubernetes.io/memory-pressure', operator: 'Exists', effect: 'NoSchedule' },
  { key: 'node.kubernetes.io/pid-pressure', operator: 'Exists', effect: 'NoSchedule' },
  { key: 'node.kubernetes.io/unschedulable', operator: 'Exists', effect: 'NoSchedule' },
];
const HOST_NETWORK_TOLERATION: Toleration = { key: 'node.kubernetes.io/network-unavailable', operator: 'Exists', effect: 'NoSchedule' };

/** The DaemonSet's pod template as a shape, owned by the DaemonSet as its pods will be. */
export function compactDaemonSet(ds: KubeDaemonSet): CompactDaemonSet {
  const meta = ds.metadata;
  const object = objectName('daemonset', meta);
  if (!meta?.name) throw new CompactError(object, 'metadata.name is missing');
  const template = ds.spec?.template;
  const spec = template?.spec ?? {};
  const shape = compactPodShape(template?.metadata, spec, object);
  const extra = spec.hostNetwork ? [...DAEMON_TOLERATIONS, HOST_NETWORK_TOLERATION] : DAEMON_TOLERATIONS;
  const missing = extra.filter((t) => !shape.tolerations.some((have) => have.key === t.key && have.effect === t.effect && have.operator === t.operator));
  return {
    daemonSet: { namespace: meta.namespace ?? 'default', name: meta.name },
    shape: { ...shape, tolerations: [...shape.tolerations, ...missing], owner: { kind: 'DaemonSet', name: meta.name } },
  };
}
