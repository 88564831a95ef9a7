import { DO_NOT_DISRUPT, MIRROR_POD_ANNOTATION, SAFE_TO_EVICT, SAFE_TO_EVICT_LOCAL_VOLUMES } from '../../shared/labels.ts';
import type { PodShape, SnapshotPdb, SnapshotPod } from '../../shared/snapshot.ts';
import { podKey } from './cluster-index.ts';
import { matchLabelSelector } from './simulation/index.ts';

// What a pod means for the removal of its node — the union of Cluster Autoscaler's drainability
// rules (simulator/drainability/rules, in their order) and Karpenter's do-not-disrupt:
//   ignored (never evicted, never block, need no room elsewhere): mirror/static pods, DaemonSet pods,
//     finished pods (Succeeded/Failed), pods already terminating, and expendable pods (priority below
//     the cutoff, CA's --expendable-pods-priority-cutoff: they go with the node);
//   blocking: karpenter.sh/do-not-disrupt "true"; safe-to-evict "false";
//   evictable: safe-to-evict "true" (it skips the three rules below, never the PDB check);
//   blocking: no controller; kube-system without a PDB; local storage (emptyDir on disk, hostPath)
//     unless safe-to-evict-local-volumes names every such volume;
//   otherwise evictable. PDBs are checked per node, over all its evictable pods (pdb-budget.ts).

export type BlockReason =
  | 'do-not-disrupt'
  | 'not-safe-to-evict'
  | 'not-replicated'
  | 'kube-system-without-pdb'
  | 'local-storage'
  | 'pdb'
  /** The forwarder could not read a pod on the node (snapshot.unknownPods): fail closed. */
  | 'unreadable-pod';

export type IgnoreReason = 'mirror' | 'daemonset' | 'finished' | 'terminating' | 'expendable';

export type PodDisposition =
  | { kind: 'ignore'; why: IgnoreReason }
  | { kind: 'evict' }
  | { kind: 'block'; reason: BlockReason; message: string };

export function isMirrorPod(shape: PodShape): boolean {
  return shape.annotations[MIRROR_POD_ANNOTATION] !== undefined || shape.owner?.kind === 'Node';
}

export function isDaemonSetPod(shape: PodShape): boolean {
  return shape.owner?.kind === 'DaemonSet';
}

export function isFinished(pod: SnapshotPod): boolean {
  return pod.phase === 'Succeeded' || pod.phase === 'Failed';
}

/** PDBs of the pod's namespace whose selector matches it (an empty selector matches every pod). */
export function matchingPdbs(pod: SnapshotPod, shape: PodShape, pdbs: readonly SnapshotPdb[]): SnapshotPdb[] {
  return pdbs.filter((pdb) => pdb.namespace === pod.namespace && matchLabelSelector(pdb.selector, shape.labels));
}

const EVICT: PodDisposition = Object.freeze({ kind: 'evict' });

/** `expendableCutoff`: pods below this priority are ignored (none when unset). */
export function podDisposition(pod: SnapshotPod, shape: PodShape, pdbs: readonly SnapshotPdb[], expendableCutoff = -Infinity): PodDisposition {
  if (isMirrorPod(shape)) return { kind: 'ignore', why: 'mirror' };
  if (pod.terminating) return { kind: 'ignore', why: 'terminating' };
  if (isDaemonSetPod(shape)) return { kind: 'ignore', why: 'daemonset' };
  if (isFinished(pod)) return { kind: 'ignore', why: 'finished' };
  if (shape.priority < expendableCutoff) return { kind: 'ignore', why: 'expendable' };
  // An explicit "do not touch" wins over an explicit "safe to evict" (Karpenter's annotation).
  if (shape.annotations[DO_NOT_DISRUPT] === 'true') {
    return { kind: 'block', reason: 'do-not-disrupt', message: `pod ${podKey(pod)} has ${DO_NOT_DISRUPT}: "true"` };
  }
  const safeToEvict = shape.annotations[SAFE_TO_EVICT];
  if (safeToEvict === 'false') {
    return { kind: 'block', reason: 'not-safe-to-evict', message: `pod ${podKey(pod)} has ${SAFE_TO_EVICT}: "false"` };
  }
  if (safeToEvict === 'true') return EVICT;
  if (shape.owner === null) {
    return { kind: 'block', reason: 'not-replicated', message: `pod ${podKey(pod)} has no controller; evicting it would lose it` };
  }
  if (pod.namespace === 'kube-system' && matchingPdbs(pod, shape, pdbs).length === 0) {
    return { kind: 'block', reason: 'kube-system-without-pdb', message: `pod ${podKey(pod)} runs in kube-system and no PodDisruptionBudget covers it` };
  }
  const unlisted = unlistedLocalVolumes(shape);
  if (unlisted.length > 0) {
    return {
      kind: 'block',
      reason: 'local-storage',
      message: `pod ${podKey(pod)} keeps data on the node (volume${unlisted.length > 1 ? 's' : ''} ${unlisted.join(', ')}) not named in ${SAFE_TO_EVICT_LOCAL_VOLUMES}`,
    };
  }
  return EVICT;
}

/** Local volumes the safe-to-evict-local-volumes annotation (comma-separated names) does not name. */
export function unlistedLocalVolumes(shape: PodShape): string[] {
  if (shape.localVolumes.length === 0) return [];
  const listed = new Set((shape.annotations[SAFE_TO_EVICT_LOCAL_VOLUMES] ?? '').split(',').map((v) => v.trim()).filter(Boolean));
  return shape.localVolumes.filter((v) => !listed.has(v));
}
