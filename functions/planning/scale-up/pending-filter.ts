import type { PodShape, SnapshotPod } from '../../../shared/snapshot.ts';
import type { Decision } from '../../../shared/plan-message.ts';
import { isDaemonSetPod } from '../pod-rules.ts';

// Pending pods that must not trigger a scale-up, as Cluster Autoscaler treats them:
//   nominated:  status.nominatedNodeName is set — the scheduler is preempting lower-priority pods on
//               that node for it, so room is about to free up; a new node would be bought for nothing.
//               Or we nominated it for one of our nodes (releaseNode, release-nodes.ts) and the
//               scheduler has not bound it yet. Only while that node exists and takes pods: a pod
//               nominated for a node that is gone (or cordoned, deleted) counts as pending again.
//   expendable: priority below the expendable cutoff (CA's --expendable-pods-priority-cutoff, default
//               −10). Such pods are best-effort filler; overprovisioning pause pods sit at −1 on
//               purpose, above the cutoff, so they still make headroom.
//   daemonset:  its controller pins it to one existing node (matchFields metadata.name); a new node
//               never helps it, and the new node gets its own copy anyway.
// Bound and terminating pods never get here (isUnschedulable).

export type IgnoredWhy = 'pod-nominated' | 'pod-expendable' | 'pod-daemonset';

/** The first of our rules that keeps this pod from triggering a scale-up, if any. */
export function whyIgnored(pod: SnapshotPod, shape: PodShape, expendableCutoff: number, schedulableNode: (name: string) => boolean = () => true): IgnoredWhy | undefined {
  if (isDaemonSetPod(shape)) return 'pod-daemonset';
  if (isExpendable(shape, expendableCutoff)) return 'pod-expendable';
  if (pod.nominatedNodeName !== undefined && schedulableNode(pod.nominatedNodeName)) return 'pod-nominated';
  return undefined;
}

/** Below the cutoff: neither triggers a scale-up nor keeps a node from being removed. */
export function isExpendable(shape: PodShape, expendableCutoff: number): boolean {
  return shape.priority < expendableCutoff;
}

export interface IgnoredPod { key: string; why: IgnoredWhy; priority: number; nominatedNodeName?: string }

/** One decision per ignored pod keeps the reason with the pod; beyond this many, one summary each. */
export const MAX_IGNORED_DECISIONS = 50;

export function ignoredPodDecisions(ignored: readonly IgnoredPod[], expendableCutoff: number): Decision[] {
  const decisions: Decision[] = [];
  for (const why of ['pod-nominated', 'pod-expendable', 'pod-daemonset'] as const) {
    const pods = ignored.filter((p) => p.why === why);
    for (const pod of pods.slice(0, MAX_IGNORED_DECISIONS)) {
      decisions.push({
        kind: 'info',
        target: `pod ${pod.key}`,
        reason: why,
        message: `pending pod ${pod.key} does not trigger a scale-up: ${sentence(pod, expendableCutoff)}`,
        details: why === 'pod-nominated' ? { nominatedNodeName: pod.nominatedNodeName ?? null } : why === 'pod-expendable' ? { priority: pod.priority, expendableCutoff } : {},
      });
    }
    const rest = pods.length - MAX_IGNORED_DECISIONS;
    if (rest > 0) {
      decisions.push({
        kind: 'info',
        target: 'cluster',
        reason: why,
        message: `${rest} more pending pod(s) do not trigger a scale-up for the same reason (${why})`,
        details: { pods: rest },
      });
    }
  }
  return decisions;
}

function sentence(pod: IgnoredPod, expendableCutoff: number): string {
  switch (pod.why) {
    case 'pod-nominated': return `the scheduler nominated node ${pod.nominatedNodeName} for it and is preempting pods there`;
    case 'pod-expendable': return `its priority ${pod.priority} is below the expendable cutoff ${expendableCutoff}`;
    case 'pod-daemonset': return 'it is a DaemonSet pod, pinned to an existing node by its controller';
  }
}
