import { NODEGROUP_LABEL, TO_BE_DELETED_TAINT } from '../shared/labels.ts';
import type { ClusterCache } from './watch/cluster-cache.ts';
import type { ForwarderMetrics } from './metrics.ts';

// Per-group figures for /metrics, from the forwarder's own view (one pass over the pods).

export interface GroupStats {
  nodes: { ready: number; not_ready: number; draining: number; launching: number };
  requested: { cpuMillis: number; memoryBytes: number };
  allocatable: { cpuMillis: number; memoryBytes: number };
  unschedulablePods: number;
}

export function computeGroupStats(cache: ClusterCache, launching: (group: string) => number): Map<string, GroupStats> {
  const stats = new Map<string, GroupStats>();
  const statsFor = (group: string) => {
    let entry = stats.get(group);
    if (!entry) {
      entry = { nodes: { ready: 0, not_ready: 0, draining: 0, launching: 0 }, requested: { cpuMillis: 0, memoryBytes: 0 }, allocatable: { cpuMillis: 0, memoryBytes: 0 }, unschedulablePods: 0 };
      stats.set(group, entry);
    }
    return entry;
  };
  for (const group of cache.nodeGroups.items.values()) statsFor(group.name).nodes.launching = launching(group.name);
  stats.set('', statsFor(''));

  const readyGroupOf = new Map<string, GroupStats>();
  for (const node of cache.nodes.items.values()) {
    const group = node.labels[NODEGROUP_LABEL];
    if (group === undefined) continue;
    const entry = statsFor(group);
    if (node.taints.some((t) => t.key === TO_BE_DELETED_TAINT)) entry.nodes.draining += 1;
    else if (node.ready) entry.nodes.ready += 1;
    else entry.nodes.not_ready += 1;
    if (node.ready) {
      entry.allocatable.cpuMillis += node.allocatable.cpuMillis;
      entry.allocatable.memoryBytes += node.allocatable.memoryBytes;
      readyGroupOf.set(node.name, entry);
    }
  }
  for (const { pod, shape } of cache.pods.items.values()) {
    if (pod.nodeName) {
      const entry = readyGroupOf.get(pod.nodeName);
      if (entry && !pod.terminating) {
        entry.requested.cpuMillis += shape.shape.requests.cpuMillis;
        entry.requested.memoryBytes += shape.shape.requests.memoryBytes;
      }
    } else if (pod.unschedulableSinceMs !== undefined) {
      statsFor(selectedGroup(shape.shape)).unschedulablePods += 1;
    }
  }
  return stats;
}

/** The group a pod asks for through nodeSelector or a required node affinity on the group label. */
function selectedGroup(shape: { nodeSelector: Record<string, string>; nodeAffinity: Array<{ matchExpressions?: Array<{ key: string; operator: string; values?: string[] }> }> }): string {
  const bySelector = shape.nodeSelector[NODEGROUP_LABEL];
  if (bySelector) return bySelector;
  for (const term of shape.nodeAffinity) {
    const expression = term.matchExpressions?.find((e) => e.key === NODEGROUP_LABEL && e.operator === 'In' && e.values?.length === 1);
    if (expression?.values?.[0]) return expression.values[0];
  }
  return '';
}

export function publishGroupStats(metrics: ForwarderMetrics, stats: Map<string, GroupStats>): void {
  metrics.nodegroupNodes.reset();
  metrics.nodeUtilization.reset();
  metrics.unschedulablePods.reset();
  for (const [group, s] of stats) {
    metrics.unschedulablePods.set({ nodegroup: group }, s.unschedulablePods);
    if (group === '') continue;
    for (const [state, count] of Object.entries(s.nodes)) metrics.nodegroupNodes.set({ nodegroup: group, state }, count);
    metrics.nodeUtilization.set({ nodegroup: group, resource: 'cpu' }, s.allocatable.cpuMillis > 0 ? s.requested.cpuMillis / s.allocatable.cpuMillis : 0);
    metrics.nodeUtilization.set({ nodegroup: group, resource: 'memory' }, s.allocatable.memoryBytes > 0 ? s.requested.memoryBytes / s.allocatable.memoryBytes : 0);
  }
}
