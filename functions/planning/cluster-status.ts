import { MAX_STATUS_GROUPS, type ClusterStatus, type GroupSummary } from '../../shared/cluster-status.ts';
import type { PlanContext } from './context.ts';
import { pendingPodCounts } from './pod-events.ts';
import { isUnschedulable } from './scale-up.ts';
import { isoTime } from './status-conditions.ts';

// The last command of a plan: the cluster-wide summary (shared/cluster-status.ts) that the forwarder
// writes to its ConfigMap vpsie-autoscaler-status. Health: Unhealthy when a group is invalid or serves
// fewer than minNodes, Degraded when a group backs off or a pending pod has no group that can help it,
// Healthy otherwise.

function latest(values: (string | undefined)[]): string | undefined {
  const defined = values.filter((v): v is string => v !== undefined).sort();
  return defined.at(-1);
}

export function buildClusterStatus(ctx: PlanContext, groups: readonly GroupSummary[]): ClusterStatus {
  const unschedulable = ctx.snapshot.pods.filter(isUnschedulable).length;
  const counts = pendingPodCounts(ctx);
  const unhealthy = groups.filter((g) => g.health === 'Unhealthy');
  const degraded = groups.filter((g) => g.health === 'Degraded');
  const problems = [
    ...unhealthy.map((g) => `${g.name}: ${g.message}`),
    ...degraded.map((g) => `${g.name}: ${g.message}`),
    ...(counts.notTriggeredScaleUp > 0 ? [`${counts.notTriggeredScaleUp} pending pod(s) no NodeGroup can help (see their NotTriggerScaleUp events)`] : []),
  ];
  const health = unhealthy.length > 0 ? 'Unhealthy' : problems.length > 0 ? 'Degraded' : 'Healthy';
  const message = problems.length > 0
    ? problems.join('; ')
    : groups.length === 0 ? 'no NodeGroup' : `${groups.length} NodeGroup(s) healthy`;
  const lastScaleUpTime = latest(groups.map((g) => g.lastScaleUpTime));
  const lastScaleDownTime = latest(groups.map((g) => g.lastScaleDownTime));
  const lastActivityTime = latest([lastScaleUpTime, lastScaleDownTime]);
  // Unhealthy groups first, so that a bounded list never hides one.
  const rank = { Unhealthy: 0, Degraded: 1, Healthy: 2 } as const;
  const shown = [...groups].sort((a, b) => rank[a.health] - rank[b.health] || a.name.localeCompare(b.name)).slice(0, MAX_STATUS_GROUPS);
  return {
    time: isoTime(ctx.nowMs),
    health,
    message: message.length > 1024 ? `${message.slice(0, 1021)}...` : message,
    nodeGroups: shown,
    ...(groups.length > shown.length ? { nodeGroupsOmitted: groups.length - shown.length } : {}),
    pendingPods: { unschedulable, ...counts },
    ...(lastScaleUpTime !== undefined ? { lastScaleUpTime } : {}),
    ...(lastScaleDownTime !== undefined ? { lastScaleDownTime } : {}),
    ...(lastActivityTime !== undefined ? { lastActivityTime } : {}),
  };
}

export function planClusterStatus(ctx: PlanContext, groups: readonly GroupSummary[]): void {
  const status = buildClusterStatus(ctx, groups);
  ctx.emit({ kind: 'updateClusterStatus', reason: 'status', message: `cluster ${status.health}: ${status.message}`, status });
}
