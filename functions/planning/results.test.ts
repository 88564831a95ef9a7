import { describe, expect, it } from 'vitest';
import { actions, commandsOf, resultFor, runPlan } from '../../test/fixtures/plan-helpers.ts';
import { nodeGroup, snapNode, snapPod, snapshot, TEST_NOW_MS, vm, type BuiltPod } from '../../test/fixtures/snapshot-builders.ts';
import type { Command } from '../../shared/plan-message.ts';
import type { CommandResult, SnapshotNode } from '../../shared/snapshot.ts';
import { SEEN_RESULTS_LIMIT } from './results.ts';
import type { LaunchOperation, PlanningState, PlanResult } from './types.ts';

// Results are applied once: a result reported again (same command id) changes nothing and
// produces no command; same snapshot, state and time give the same plan.

const TAINT = { key: 'autoscaler.vpsie.com/to-be-deleted', effect: 'NoSchedule' as const };
const nodeA = (tainted: boolean) => snapNode({ name: 'test-nodea', group: 'workers', instanceType: 'medium', ...(tainted ? { taints: [TAINT], unschedulable: true } : {}) });
const nodeB = snapNode({ name: 'test-nodeb', group: 'workers', instanceType: 'medium' });
const light = snapPod({ name: 'light', node: 'test-nodea', cpu: '500m' });
const heavy = snapPod({ name: 'heavy', node: 'test-nodeb', cpu: '3' });
function world(o: { a?: SnapshotNode | null; pods?: BuiltPod[]; results?: CommandResult[]; vmA?: boolean } = {}) {
  return snapshot({
    nodeGroups: [nodeGroup({ name: 'workers', offeringIDs: ['medium'] })],
    nodes: [...(o.a === null ? [] : [o.a ?? nodeA(false)]), nodeB],
    pods: o.pods ?? [light, heavy],
    results: o.results ?? [],
    vms: [...(o.vmA === false ? [] : [vm({ hostname: 'test-nodea', identifier: '1', marked: true })]), vm({ hostname: 'test-nodeb', identifier: '2', marked: true })],
  });
}
const policy = { assumeWindowsElapsed: true };

/** Reporting `results` again on the next reconcile must be the same as reporting nothing. */
function expectReplayIsNoop(snapshotWith: (results: CommandResult[]) => ReturnType<typeof world>, results: CommandResult[], state: PlanningState, nowMs: number): void {
  const replayed = runPlan(snapshotWith(results), { state, policy, nowMs });
  const silent = runPlan(snapshotWith([]), { state, policy, nowMs });
  expect(actions(replayed)).toEqual(actions(silent));
  expect(replayed.state).toEqual(silent.state);
}

describe('command results', () => {
  it('every result of a whole drain, reported a second time, changes nothing', () => {
    const p1 = runPlan(world(), { policy });
    const r1 = commandsOf(p1, 'taintNode').map((c) => resultFor(c));
    const p2 = runPlan(world({ a: nodeA(true), results: r1 }), { state: p1.state, policy, nowMs: TEST_NOW_MS + 10_000 });
    expectReplayIsNoop((results) => world({ a: nodeA(true), results }), r1, p2.state, TEST_NOW_MS + 20_000);

    const r2 = commandsOf(p2, 'evictPod').map((c) => resultFor(c, 'failed', { data: { status: 429 } }));
    const p3 = runPlan(world({ a: nodeA(true), results: r2 }), { state: p2.state, policy, nowMs: TEST_NOW_MS + 20_000 });
    expect(commandsOf(p3, 'evictPod')).toHaveLength(1); // the retry
    expectReplayIsNoop((results) => world({ a: nodeA(true), results }), r2, p3.state, TEST_NOW_MS + 30_000);

    const r3 = commandsOf(p3, 'evictPod').map((c) => resultFor(c));
    const p4 = runPlan(world({ a: nodeA(true), pods: [heavy], results: r3 }), { state: p3.state, policy, nowMs: TEST_NOW_MS + 30_000 });
    expectReplayIsNoop((results) => world({ a: nodeA(true), pods: [heavy], results }), r3, p4.state, TEST_NOW_MS + 40_000);

    // The VM first; the Node once the VM is gone.
    const r4 = commandsOf(p4, 'deleteVm').map((c) => resultFor(c));
    expect(r4).toHaveLength(1);
    const p5 = runPlan(world({ a: nodeA(true), pods: [heavy], vmA: false, results: r4 }), { state: p4.state, policy, nowMs: TEST_NOW_MS + 40_000 });
    expectReplayIsNoop((results) => world({ a: nodeA(true), pods: [heavy], vmA: false, results }), r4, p5.state, TEST_NOW_MS + 50_000);

    const r5 = commandsOf(p5, 'deleteNode').map((c) => resultFor(c));
    expect(r5).toHaveLength(1);
    const p6 = runPlan(world({ a: null, pods: [heavy], vmA: false, results: r5 }), { state: p5.state, policy, nowMs: TEST_NOW_MS + 50_000 });
    expectReplayIsNoop((results) => world({ a: null, pods: [heavy], vmA: false, results }), r5, p6.state, TEST_NOW_MS + 60_000);
  });

  it('a failed launch reported a second time neither cleans up nor backs off again', () => {
    const launch: LaunchOperation = {
      id: 'launch-1', kind: 'launch', nodeGroup: 'default/workers', hostname: 'test-new', offeringId: 'medium', status: 'launching',
      createdAtMs: TEST_NOW_MS, updatedAtMs: TEST_NOW_MS, launchDeadlineMs: TEST_NOW_MS + 300_000, registrationDeadlineMs: TEST_NOW_MS + 900_000,
    };
    const state: PlanningState = { groups: {}, nodes: {}, operations: [launch], sentCommands: [{ commandId: 'c-1', kind: 'createVm', operationId: 'launch-1', target: 'test-new', sentAtMs: TEST_NOW_MS }] };
    const failed = [resultFor({ id: 'c-1', kind: 'createVm' } as Command, 'failed')];
    const p1 = runPlan(world({ results: failed }), { state, nowMs: TEST_NOW_MS + 5_000 });
    expect(commandsOf(p1, 'deleteVm')).toHaveLength(1);
    expectReplayIsNoop((results) => world({ results }), failed, p1.state, TEST_NOW_MS + 10_000);
  });

  it('ignores results of commands it does not know', () => {
    const stray = [resultFor({ id: 'evictPod-unknown', kind: 'evictPod' } as Command, 'failed', { data: { status: 429 } })];
    const r = runPlan(world({ results: stray }));
    expect(actions(r)).toEqual([]);
    expect(r.state.seenResults).toEqual(['evictPod-unknown']);
  });

  it('remembers a bounded number of result ids and forgets answered commands', () => {
    const many = Array.from({ length: SEEN_RESULTS_LIMIT + 10 }, (_, i) => resultFor({ id: `x-${i}`, kind: 'deleteVm' } as Command));
    const r = runPlan(world({ results: many }));
    expect(r.state.seenResults).toHaveLength(SEEN_RESULTS_LIMIT);
    expect(r.state.seenResults?.at(-1)).toBe(`x-${SEEN_RESULTS_LIMIT + 9}`);
    const p1 = runPlan(world(), { policy });
    const taint = commandsOf(p1, 'taintNode')[0]!;
    expect(p1.state.sentCommands?.map((s) => s.commandId)).toContain(taint.id);
    const p2 = runPlan(world({ a: nodeA(true), results: [resultFor(taint)] }), { state: p1.state, policy, nowMs: TEST_NOW_MS + 10_000 });
    expect(p2.state.sentCommands?.map((s) => s.commandId)).not.toContain(taint.id);
  });
});

describe('determinism', () => {
  it('the same snapshot, state and time give the same plan, ids included', () => {
    const p1 = runPlan(world(), { policy });
    const snap = world({ a: nodeA(true), results: commandsOf(p1, 'taintNode').map((c) => resultFor(c)) });
    const run = (): PlanResult => runPlan(snap, { state: structuredClone(p1.state), policy, nowMs: TEST_NOW_MS + 10_000 });
    expect(run()).toEqual(run());
    expect(run().commands.map((c) => c.id)).toEqual(run().commands.map((c) => c.id));
  });

  it('does not mutate the state it is given', () => {
    const p1 = runPlan(world(), { policy });
    const before = structuredClone(p1.state);
    runPlan(world({ a: nodeA(true) }), { state: p1.state, policy, nowMs: TEST_NOW_MS + 10_000 });
    expect(p1.state).toEqual(before);
  });
});
