import { TO_BE_DELETED_TAINT } from '../../../shared/labels.ts';
import type { Snapshot } from '../../../shared/snapshot.ts';
import { runPlan } from '../../fixtures/plan-helpers.ts';
import { nodeGroup, snapNode, TEST_NOW_MS } from '../../fixtures/snapshot-builders.ts';
import type { DrainOperation, PlanningState, PlanResult, Policy } from '../../../functions/planning/types.ts';

// Shared by the ported golden cases: how the anchors' notions map onto ours.
//   eligible (CA's eligibility checker)  → a managed node of group "ng1"; non-eligible nodes stay in
//                                          the cluster as destinations only: they carry the
//                                          scale-down-disabled annotation;
//   node undergoing deletion             → a drain in progress in the state + our taint;
//   recently evicted pod                 → a pending pod (the controller's replacement);
//   unneeded / deleted                   → in PlanResult.remove.
// The anchors' planner tests bypass utilization (a fake eligibility checker): thresholds are 100.

export const GROUP = 'ng1';
// Cluster Autoscaler has no disruption budgets (its limits are global: --max-scale-down-parallelism,
// --max-empty-bulk-delete, both far above these cases): its cases are ported with a budget that
// never binds, so that they test what CA tests — which nodes are unneeded — not our budget default.
export const groupSpec = (o: Record<string, unknown> = {}) =>
  nodeGroup({ name: GROUP, offeringIDs: ['medium'], maxNodes: 1000, scaleDownPolicy: { cpuThreshold: 100, memoryThreshold: 100 }, disruption: { budgets: [{ nodes: '100%' }] }, ...o });

/** CA's BuildTestNode(name, milliCPU, memBytes). */
export function caNode(name: string, cpuMillis: number, memoryBytes: number, o: { eligible?: boolean; deleting?: boolean; ready?: boolean; managed?: boolean } = {}) {
  const eligible = o.eligible ?? true;
  return snapNode({
    name,
    ...(o.managed === false ? {} : { group: GROUP }),
    cpu: cpuMillis,
    memory: memoryBytes,
    ...(o.ready === false ? { ready: false } : {}),
    ...(eligible ? {} : { annotations: { 'cluster-autoscaler.kubernetes.io/scale-down-disabled': 'true' } }),
    ...(o.deleting ? { taints: [{ key: TO_BE_DELETED_TAINT, effect: 'NoSchedule' as const }], unschedulable: true } : {}),
  });
}

/** State with a drain in progress for each named node (CA: "undergoing deletion"). */
export function deleting(...nodes: string[]): PlanningState {
  return {
    groups: {},
    nodes: {},
    operations: nodes.map((node): DrainOperation => ({
      id: `drain-${node}`, kind: 'drain', nodeGroup: `default/${GROUP}`, node, hostname: node, empty: false, status: 'draining',
      createdAtMs: TEST_NOW_MS - 60_000, updatedAtMs: TEST_NOW_MS - 60_000, deadlineMs: TEST_NOW_MS + 540_000, evicted: [], reason: 'underused',
    })),
  };
}

export function planOnce(snap: Snapshot, o: { state?: PlanningState; policy?: Partial<Policy> } = {}): PlanResult {
  return runPlan(snap, { ...(o.state ? { state: o.state } : {}), policy: { assumeWindowsElapsed: true, maxEmptyRemovalsPerGroup: 10, maxNonEmptyDrainsPerGroup: 10, ...o.policy } });
}

export const removedNodes = (r: PlanResult) => r.remove.map((x) => x.node).sort();
