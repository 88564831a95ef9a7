// Kubernetes objects → compact snapshot facts (shared/snapshot.ts), and back.
export type * from './kube-types.ts';
export { toEpochMs } from './time.ts';
export { effectiveRequests, isSidecar } from './pod-requests.ts';
export { compactPod, compactPodShape, POD_ANNOTATIONS, DEFAULT_TERMINATION_GRACE_SECONDS, type CompactPod } from './pod.ts';
export { compactNode } from './node.ts';
export { compactPdb } from './pdb.ts';
export { compactDaemonSet, type CompactDaemonSet } from './daemonset.ts';
export { compactNodeGroup } from './nodegroup.ts';
export { stableKey } from './stable-key.ts';
export { SnapshotBuilder, type SnapshotBuilderOptions } from './snapshot-builder.ts';
export { podWithShape, daemonSetWithShape, shapeOf, snapshotToObjects, type ExpandedPod, type SnapshotObjects } from './expand.ts';
