import type { NodeGroupSpec } from '../../shared/nodegroup.ts';
import type { Snapshot, SnapshotNode } from '../../shared/snapshot.ts';
import { clusterIndex, shapeOf } from './cluster-index.ts';
import { isDaemonSetPod, isFinished, isMirrorPod } from './pod-rules.ts';
import type { Policy } from './types.ts';

// Utilization as Cluster Autoscaler computes it: requested / allocatable, for CPU and memory, over
// the pods bound to the node that are not finished. DaemonSet and mirror pods count unless
// policy.countDaemonSetPodsInUtilization is false (CA: --ignore-daemonsets-utilization).

export interface Utilization {
  /** 0..1 (may exceed 1 on an overcommitted node); a resource with no allocatable counts as full. */
  cpu: number;
  memory: number;
}

export function nodeUtilization(snapshot: Snapshot, node: SnapshotNode, policy: Policy): Utilization {
  let cpuMillis = 0;
  let memoryBytes = 0;
  for (const pod of clusterIndex(snapshot).podsByNode.get(node.name) ?? []) {
    if (isFinished(pod)) continue;
    const shape = shapeOf(snapshot, pod);
    if (!policy.countDaemonSetPodsInUtilization && (isDaemonSetPod(shape) || isMirrorPod(shape))) continue;
    cpuMillis += shape.requests.cpuMillis;
    memoryBytes += shape.requests.memoryBytes;
  }
  const { allocatable } = node;
  return {
    cpu: allocatable.cpuMillis > 0 ? cpuMillis / allocatable.cpuMillis : 1,
    memory: allocatable.memoryBytes > 0 ? memoryBytes / allocatable.memoryBytes : 1,
  };
}

/**
 * Both resources below the group's thresholds (percent). A threshold of 100 means that resource
 * never keeps a node (any utilization up to full counts as underused), as 100 means "off" for
 * the scale-up thresholds.
 */
export function isUnderused(utilization: Utilization, spec: NodeGroupSpec): boolean {
  const below = (ratio: number, thresholdPercent: number) => thresholdPercent >= 100 ? ratio <= 1 : ratio * 100 < thresholdPercent;
  return below(utilization.cpu, spec.scaleDownPolicy.cpuThreshold) && below(utilization.memory, spec.scaleDownPolicy.memoryThreshold);
}

export function formatPercent(ratio: number): string {
  return `${Math.round(ratio * 1000) / 10}%`;
}
