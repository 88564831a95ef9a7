import { describe, expect, it } from 'vitest';
import { actions, commandKinds, MINUTE_MS, runPlan } from '../../test/fixtures/plan-helpers.ts';
import { dsPod, nodeGroup, snapNode, snapPod, snapshot, TEST_NOW_MS, vm, type BuiltPod } from '../../test/fixtures/snapshot-builders.ts';
import type { NodeGroupSpecInput } from '../../shared/nodegroup.ts';
import type { SnapshotNode } from '../../shared/snapshot.ts';
import type { DrainOperation } from './types.ts';

// NotReady replacement: a managed node NotReady for longer than its group's wait (default 30 min) is
// removed (no evictions), one per group at a time, never when much of the group is NotReady, never
// when it holds local data unless the group opts in, never during its drain backoff.

const TAINT = { key: 'autoscaler.vpsie.com/to-be-deleted', effect: 'NoSchedule' as const };
const since = TEST_NOW_MS - 31 * MINUTE_MS;
const dead = (o: Partial<Parameters<typeof snapNode>[0]> = {}) => snapNode({ name: 'test-dead0', group: 'workers', ready: false, readyTransitionMs: since, ...o });
const healthy = (name: string) => snapNode({ name, group: 'workers' });
function world(nodes: SnapshotNode[], synced = true, o: { pods?: BuiltPod[]; spec?: Partial<NodeGroupSpecInput> } = {}) {
  return snapshot({
    nodeGroups: [nodeGroup({ name: 'workers', offeringIDs: ['medium'], ...o.spec })],
    nodes,
    pods: o.pods ?? [snapPod({ name: 'web', node: 'test-dead0', cpu: '1' })],
    vms: nodes.map((n) => vm({ hostname: n.name })),
    synced,
  });
}

describe('NotReady replacement', () => {
  it('replaces a node NotReady for longer than 30 minutes (the default): taint, then delete the Node without evictions', () => {
    const r1 = runPlan(world([dead(), healthy('test-b'), healthy('test-c')]));
    expect(commandKinds(r1)).toEqual(['taintNode']);
    expect(r1.decisions).toContainEqual(expect.objectContaining({ kind: 'replace-node', target: 'node test-dead0', reason: 'not-ready' }));
    expect(r1.remove).toEqual([{ node: 'test-dead0', nodeGroup: 'default/workers', reason: 'not-ready' }]);
    const r2 = runPlan(world([dead({ taints: [TAINT] }), healthy('test-b'), healthy('test-c')]), { state: r1.state, nowMs: TEST_NOW_MS + 10_000 });
    // The VM goes first (drains.ts), and no pod is evicted.
    expect(commandKinds(r2)[0]).toBe('deleteVm');
    expect(commandKinds(r2)).not.toContain('evictPod');
  });

  it('waits until the node has been NotReady for 30 minutes by default', () => {
    const nodes = [dead({ readyTransitionMs: TEST_NOW_MS - 29 * MINUTE_MS }), healthy('test-b'), healthy('test-c')];
    const r = runPlan(world(nodes));
    expect(actions(r)).toEqual([]);
    expect(r.nextContactAfterMs).toBeLessThanOrEqual(TEST_NOW_MS + MINUTE_MS);
    expect(actions(runPlan(world(nodes), { state: r.state, nowMs: TEST_NOW_MS + MINUTE_MS - 1 }))).toEqual([]);
    expect(commandKinds(runPlan(world(nodes), { state: r.state, nowMs: TEST_NOW_MS + MINUTE_MS }))).toEqual(['taintNode']);
  });

  it('uses the group\'s notReadyReplacement.afterSeconds when set', () => {
    const nodes = [dead({ readyTransitionMs: TEST_NOW_MS - 11 * MINUTE_MS }), healthy('test-b'), healthy('test-c')];
    expect(commandKinds(runPlan(world(nodes, true, { spec: { notReadyReplacement: { afterSeconds: 600 } } })))).toEqual(['taintNode']);
    // 720 s = 12 min: not yet after 11.
    expect(actions(runPlan(world(nodes, true, { spec: { notReadyReplacement: { afterSeconds: 720 } } })))).toEqual([]);
  });

  it('times from the first NotReady sighting when the transition time is unknown, and resets when Ready', () => {
    const r1 = runPlan(world([dead({ readyTransitionMs: undefined }), healthy('test-b'), healthy('test-c')]));
    expect(r1.state.nodes['test-dead0']?.notReadySinceMs).toBe(TEST_NOW_MS);
    const r2 = runPlan(world([healthy('test-dead0'), healthy('test-b'), healthy('test-c')]), { state: r1.state, nowMs: TEST_NOW_MS + MINUTE_MS });
    expect(r2.state.nodes['test-dead0']?.notReadySinceMs).toBeUndefined();
  });

  it('does not replace while too much of the group is NotReady (partition)', () => {
    const r = runPlan(world([dead(), dead({ name: 'test-dead2' }), healthy('test-b')]));
    expect(actions(r)).toEqual([]);
    expect(r.decisions).toContainEqual(expect.objectContaining({ kind: 'replace-node', reason: 'too-many-not-ready' }));
  });

  it('replaces one node per group at a time', () => {
    const nodes = [dead(), dead({ name: 'test-dead2' }), ...['b', 'c', 'd', 'e', 'f'].map((x) => healthy(`test-${x}`))];
    const r1 = runPlan(world(nodes));
    expect(commandKinds(r1)).toEqual(['taintNode']);
    const r2 = runPlan(world(nodes), { state: r1.state, nowMs: TEST_NOW_MS + 5_000 });
    expect(r2.state.operations.filter((op) => op.kind === 'drain')).toHaveLength(1);
  });

  it('leaves a joining node to its launch (registration deadline), and unmanaged nodes alone', () => {
    const joining = { id: 'l', kind: 'launch' as const, nodeGroup: 'default/workers', hostname: 'test-dead0', offeringId: 'medium', status: 'registering' as const, createdAtMs: since, updatedAtMs: since, launchDeadlineMs: since + 5 * MINUTE_MS, registrationDeadlineMs: TEST_NOW_MS + MINUTE_MS };
    // (No workload pod on it: a Node that hosts one was Ready, and its launch has succeeded — launches.ts.)
    const r = runPlan(world([dead(), healthy('test-b'), healthy('test-c')], true, { pods: [] }), { state: { groups: {}, nodes: {}, operations: [joining] } });
    expect(r.state.operations.some((op): op is DrainOperation => op.kind === 'drain')).toBe(false);
    const unmanaged = runPlan(world([dead({ group: undefined }), healthy('test-b')]));
    expect(actions(unmanaged)).toEqual([]);
  });

  it('removal-safety: keeps a node with local storage or a pod without a controller unless the group opts in', () => {
    const nodes = [dead(), healthy('test-b'), healthy('test-c')];
    const scratch = snapPod({ name: 'db', node: 'test-dead0', localVolumes: ['scratch'] });
    const kept = runPlan(world(nodes, true, { pods: [scratch] }));
    expect(actions(kept)).toEqual([]);
    expect(kept.remove).toEqual([]);
    expect(kept.decisions).toContainEqual(expect.objectContaining({
      kind: 'replace-node', target: 'node test-dead0', reason: 'local-data',
      message: expect.stringContaining('pod default/db keeps data on the node (volume scratch)'),
    }));
    // Still so while Kubernetes deletes the pod: the data is on the disk until the VM goes.
    expect(actions(runPlan(world(nodes, true, { pods: [snapPod({ name: 'db', node: 'test-dead0', localVolumes: ['scratch'], terminating: true })] })))).toEqual([]);
    const bare = runPlan(world(nodes, true, { pods: [snapPod({ name: 'solo', node: 'test-dead0', owner: null })] }));
    expect(actions(bare)).toEqual([]);
    expect(bare.decisions).toContainEqual(expect.objectContaining({ reason: 'local-data', message: expect.stringContaining('pod default/solo has no controller') }));
    // Opted in: replaced.
    expect(commandKinds(runPlan(world(nodes, true, { pods: [scratch], spec: { notReadyReplacement: { replaceNodesWithLocalData: true } } })))).toEqual(['taintNode']);
  });

  it('replaces nodes whose only local data is DaemonSet pods, named safe volumes, or a bare pod already being deleted', () => {
    const nodes = [dead(), healthy('test-b'), healthy('test-c')];
    const cases: BuiltPod[][] = [
      [dsPod({ name: 'agent', node: 'test-dead0', localVolumes: ['host'] })],
      [snapPod({ name: 'cache', node: 'test-dead0', localVolumes: ['tmp'], annotations: { 'cluster-autoscaler.kubernetes.io/safe-to-evict-local-volumes': 'tmp' } })],
      [snapPod({ name: 'solo', node: 'test-dead0', owner: null, terminating: true })],
      [snapPod({ name: 'done', node: 'test-dead0', owner: null, localVolumes: ['x'], phase: 'Succeeded' })],
    ];
    for (const pods of cases) expect(commandKinds(runPlan(world(nodes, true, { pods })))).toEqual(['taintNode']);
  });

  it('honours the drain backoff of a node whose removal failed before', () => {
    const nodes = [dead(), healthy('test-b'), healthy('test-c')];
    const state = { groups: {}, nodes: { 'test-dead0': { drainBackoffUntilMs: TEST_NOW_MS + 5 * MINUTE_MS } }, operations: [] };
    const r = runPlan(world(nodes), { state });
    expect(actions(r)).toEqual([]);
    expect(r.decisions).toContainEqual(expect.objectContaining({ kind: 'replace-node', reason: 'drain-backoff' }));
    expect(r.nextContactAfterMs).toBeLessThanOrEqual(TEST_NOW_MS + 5 * MINUTE_MS);
    expect(commandKinds(runPlan(world(nodes), { state: r.state, nowMs: TEST_NOW_MS + 5 * MINUTE_MS }))).toEqual(['taintNode']);
  });

  it('removes the Node of a launch that failed earlier at once, even as half of a two-node group', () => {
    const failed = { id: 'l', kind: 'launch' as const, nodeGroup: 'default/workers', hostname: 'test-dead0', offeringId: 'medium', status: 'failed' as const, failure: 'registration-deadline', createdAtMs: since, updatedAtMs: TEST_NOW_MS - 2_000, launchDeadlineMs: since + 5 * MINUTE_MS, registrationDeadlineMs: since + 15 * MINUTE_MS };
    // Never Ready (no transition time), tainted by the launch's clean-up, which VPSie refused.
    const nodes = [dead({ readyTransitionMs: undefined, taints: [TAINT] }), healthy('test-b')];
    const r = runPlan(world(nodes), { state: { groups: {}, nodes: {}, operations: [failed] } });
    expect(r.decisions).toContainEqual(expect.objectContaining({ kind: 'replace-node', target: 'node test-dead0', reason: 'failed-launch' }));
    expect(r.state.operations.filter((op): op is DrainOperation => op.kind === 'drain').map((op) => [op.node, op.reason])).toEqual([['test-dead0', 'not-ready']]);
    // Not in the plan that failed it (that plan sent its own clean-up).
    const same = runPlan(world(nodes), { state: { groups: {}, nodes: {}, operations: [{ ...failed, updatedAtMs: TEST_NOW_MS }] } });
    expect(same.state.operations.some((op) => op.kind === 'drain')).toBe(false);
    // An ordinary NotReady node as half of the group is still left alone (partition guard).
    expect(actions(runPlan(world([dead(), healthy('test-b')])))).toEqual([]);
  });

  it('needs a synced snapshot', () => {
    expect(actions(runPlan(world([dead(), healthy('test-b'), healthy('test-c')], false)))).toEqual([]);
  });
});
