import { CompactError } from '../errors.ts';
import type { SnapshotNodeGroup } from '../snapshot.ts';
import type { KubeNodeGroupObject } from './kube-types.ts';
import { objectName } from './pod.ts';

/** The spec travels as written; the functions validate it (and apply defaults) so one bad group cannot hide the rest. */
export function compactNodeGroup(group: KubeNodeGroupObject): SnapshotNodeGroup {
  const meta = group.metadata;
  if (!meta?.name) throw new CompactError(objectName('nodegroup', meta), 'metadata.name is missing');
  return {
    namespace: meta.namespace ?? 'default',
    name: meta.name,
    generation: meta.generation ?? 0,
    spec: group.spec ?? {},
  };
}
