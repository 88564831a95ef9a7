import { describe, expect, it } from 'vitest';
import { actions, commandKinds, MINUTE_MS, runPlan } from '../../test/fixtures/plan-helpers.ts';
import { nodeGroup, snapNode, snapPod, snapshot, TEST_NOW_MS, vm } from '../../test/fixtures/snapshot-builders.ts';
import type { SnapshotNode } from '../../shared/snapshot.ts';
import type { DrainOperation } from './types.ts';

// NotReady replacement: a managed node NotReady for longer than notReadyReplaceAfterMs is removed
// (no evictions), one per group at a time, never when much of the group is NotReady.

const TAINT = { key: 'autoscaler.vpsie.com/to-be-deleted', effect: 'NoSchedule' as const };
const since = TEST_NOW_MS - 11 * MINUTE_MS;
const dead = (o: Partial<Parameters<typeof snapNode>[0]> = {}) => snapNode({ name: 'test-dead', group: 'workers', ready: false, readyTransitionMs: since, ...o });
const healthy = (name: string) => snapNode({ name, group: 'workers' });
function world(nodes: SnapshotNode[], synced = true) {
  return snapshot({
    nodeGroups: [nodeGroup({ name: 'workers', offeringIDs: ['medium'] })],
    nodes,
    pods: [snapPod({ name: 'web', node: 'test-dead', cpu: '1' })],
    vms: nodes.map((n) => vm({ hostname: n.name })),
    synced,
  });
}

describe('NotReady replacement', () => {
  it('replaces a node NotReady for longer than notReadyReplaceAfterMs: taint, then delete the Node without evictions', () => {
    const r1 = runPlan(world([dead(), healthy('test-b'), healthy('test-c')]));
    expect(commandKinds(r1)).toEqual(['taintNode']);
    expect(r1.decisions).toContainEqual(expect.objectContaining({ kind: 'replace-node', target: 'node test-dead', reason: 'not-ready' }));
    expect(r1.remove).toEqual([{ node: 'test-dead', nodeGroup: 'default/workers', reason: 'not-ready' }]);
    const r2 = runPlan(world([dead({ taints: [TAINT] }), healthy('test-b'), healthy('test-c')]), { state: r1.state, nowMs: TEST_NOW_MS + 10_000 });
    expect(commandKinds(r2)).toEqual(['deleteNode', 'deleteVm']);
  });

  it('waits until the node has been NotReady long enough', () => {
    const r = runPlan(world([dead({ readyTransitionMs: TEST_NOW_MS - 9 * MINUTE_MS }), healthy('test-b'), healthy('test-c')]));
    expect(actions(r)).toEqual([]);
    expect(r.nextContactAfterMs).toBeLessThanOrEqual(TEST_NOW_MS + MINUTE_MS);
  });

  it('times from the first NotReady sighting when the transition time is unknown, and resets when Ready', () => {
    const r1 = runPlan(world([dead({ readyTransitionMs: undefined }), healthy('test-b'), healthy('test-c')]));
    expect(r1.state.nodes['test-dead']?.notReadySinceMs).toBe(TEST_NOW_MS);
    const r2 = runPlan(world([healthy('test-dead'), healthy('test-b'), healthy('test-c')]), { state: r1.state, nowMs: TEST_NOW_MS + MINUTE_MS });
    expect(r2.state.nodes['test-dead']?.notReadySinceMs).toBeUndefined();
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
    const joining = { id: 'l', kind: 'launch' as const, nodeGroup: 'default/workers', hostname: 'test-dead', offeringId: 'medium', status: 'registering' as const, createdAtMs: since, updatedAtMs: since, launchDeadlineMs: since + 5 * MINUTE_MS, registrationDeadlineMs: TEST_NOW_MS + MINUTE_MS };
    const r = runPlan(world([dead(), healthy('test-b'), healthy('test-c')]), { state: { groups: {}, nodes: {}, operations: [joining] } });
    expect(r.state.operations.some((op): op is DrainOperation => op.kind === 'drain')).toBe(false);
    const unmanaged = runPlan(world([dead({ group: undefined }), healthy('test-b')]));
    expect(actions(unmanaged)).toEqual([]);
  });

  it('needs a synced snapshot', () => {
    expect(actions(runPlan(world([dead(), healthy('test-b'), healthy('test-c')], false)))).toEqual([]);
  });
});
