import type { SnapshotPdb } from '../snapshot.ts';
import type { KubePdb } from './kube-types.ts';
import { objectName } from './pod.ts';
import { labelSelector } from './selectors.ts';

/**
 * A PodDisruptionBudget, or null when its selector is null: in policy/v1 a null selector selects no
 * pods (an empty one selects all), so such a budget can never block an eviction and is not sent.
 */
export function compactPdb(pdb: KubePdb): SnapshotPdb | null {
  const meta = pdb.metadata;
  const selector = pdb.spec?.selector;
  if (!meta?.name || !selector) return null;
  return {
    namespace: meta.namespace ?? 'default',
    name: meta.name,
    selector: labelSelector(selector, objectName('pdb', meta), 'spec.selector'),
    // Not computed yet by the disruption controller: assume no disruption is allowed (safe side).
    disruptionsAllowed: Math.max(0, pdb.status?.disruptionsAllowed ?? 0),
  };
}
