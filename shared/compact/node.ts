import { CompactError } from '../errors.ts';
import { SCALE_DOWN_DISABLED } from '../labels.ts';
import { parseCount } from '../quantity.ts';
import type { SnapshotNode } from '../snapshot.ts';
import type { KubeNode } from './kube-types.ts';
import { objectName } from './pod.ts';
import { resourceList } from './pod-requests.ts';
import { stringMap, taint } from './selectors.ts';
import { toEpochMs } from './time.ts';

const PRESSURE = ['MemoryPressure', 'DiskPressure', 'PIDPressure'] as const;

export function compactNode(node: KubeNode): SnapshotNode {
  const meta = node.metadata;
  const object = objectName('node', meta, false);
  if (!meta?.name) throw new CompactError(object, 'metadata.name is missing');
  const status = node.status ?? {};
  // A node that has not reported allocatable yet is treated as its capacity (or nothing).
  const allocatable = status.allocatable ?? status.capacity ?? {};
  const field = status.allocatable ? 'status.allocatable' : 'status.capacity';
  let pods = 0;
  try {
    pods = allocatable.pods ? parseCount(allocatable.pods) : 0;
  } catch (cause) {
    throw new CompactError(object, `${field}.pods: ${(cause as Error).message}`, { cause });
  }
  const conditions = status.conditions ?? [];
  const ready = conditions.find((c) => c.type === 'Ready');
  const readyTransitionMs = toEpochMs(ready?.lastTransitionTime);
  const disabled = meta.annotations?.[SCALE_DOWN_DISABLED];
  return {
    name: meta.name,
    labels: stringMap(meta.labels),
    taints: (node.spec?.taints ?? []).map((t, i) => taint(t, object, `spec.taints[${i}]`)),
    unschedulable: node.spec?.unschedulable === true,
    allocatable: { ...resourceList(allocatable, object, field), pods },
    ready: ready?.status === 'True',
    ...(readyTransitionMs !== undefined ? { readyTransitionMs } : {}),
    pressure: PRESSURE.filter((type) => conditions.some((c) => c.type === type && c.status === 'True')),
    ...(node.spec?.providerID ? { providerID: node.spec.providerID } : {}),
    createdAtMs: toEpochMs(meta.creationTimestamp) ?? 0,
    annotations: disabled !== undefined && disabled !== null ? { [SCALE_DOWN_DISABLED]: String(disabled) } : {},
    ...(meta.deletionTimestamp ? { terminating: true } : {}),
  };
}
