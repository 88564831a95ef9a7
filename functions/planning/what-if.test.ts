import { describe, expect, it } from 'vitest';
import { commandsOf, MINUTE_MS, resultFor, runPlan } from '../../test/fixtures/plan-helpers.ts';
import { nodeGroup, snapNode, snapPod, snapPods, snapshot, TEST_NOW_MS, vm } from '../../test/fixtures/snapshot-builders.ts';
import type { CommandResult } from '../../shared/snapshot.ts';
import type { PlanningState, PlanResult } from './types.ts';

// A dry-run forwarder's plans are what-ifs: nothing they start is persisted, so the first live plan
// after the switch decides as if the dry run had never happened.

const HEARTBEAT_MS = 30_000;
const pending = snapPods(8, 'web', { cpu: '1', unschedulableSinceMs: TEST_NOW_MS - MINUTE_MS });
function world(o: { dryRun: boolean; results?: CommandResult[]; nowMs: number }) {
  return snapshot({
    dryRun: o.dryRun,
    takenAtMs: o.nowMs,
    nodeGroups: [nodeGroup({ name: 'workers', offeringIDs: ['medium'], maxNodes: 10 })],
    pods: pending,
    results: o.results ?? [],
  });
}
const policy = { assumeWindowsElapsed: true };

/** Ten minutes of dry-run heartbeats, each reporting the previous plan's dry-run results. */
function dryRunFor(minutes: number, { reportLast }: { reportLast: boolean }): { state: PlanningState; last: PlanResult; endMs: number } {
  let state: PlanningState = { groups: {}, nodes: {}, operations: [] };
  let results: CommandResult[] = [];
  let last: PlanResult | undefined;
  let nowMs = TEST_NOW_MS;
  for (; nowMs < TEST_NOW_MS + minutes * MINUTE_MS; nowMs += HEARTBEAT_MS) {
    last = runPlan(world({ dryRun: true, results, nowMs }), { state, policy, nowMs });
    state = last.state;
    results = last.commands.map((c) => resultFor(c, 'dry-run'));
  }
  if (reportLast) {
    // A graceful stop reports the last plan's results (with a what-if snapshot).
    state = runPlan(world({ dryRun: true, results, nowMs }), { state, policy, nowMs }).state;
  }
  return { state, last: last!, endMs: nowMs };
}

describe('dry-run is a what-if', () => {
  it('every dry-run plan proposes the launches, and none of them is kept in the state', () => {
    const { state, last } = dryRunFor(10, { reportLast: false });
    expect(commandsOf(last, 'createVm').length).toBeGreaterThan(0);
    expect(state.operations).toEqual([]);
    expect(state.sentCommands ?? []).toEqual([]);
    expect(state.groups['default/workers']?.lastScaleUpMs).toBeUndefined();
    expect(state.groups['default/workers']?.backoffUntilMs).toBeUndefined();
  });

  it('the first live plan after ten minutes of dry run launches nodes (last results never reported)', () => {
    const { state, last, endMs } = dryRunFor(10, { reportLast: false });
    const live = runPlan(world({ dryRun: false, nowMs: endMs + 5_000 }), { state, policy, nowMs: endMs + 5_000 });
    const creates = commandsOf(live, 'createVm');
    expect(creates.length).toBe(commandsOf(last, 'createVm').length);
    expect(live.decisions.filter((d) => d.kind === 'launch-failed')).toEqual([]);
    // The live plan's launches are in flight for real: the next live plan waits for them.
    const next = runPlan(world({ dryRun: false, nowMs: endMs + 35_000 }), { state: live.state, policy, nowMs: endMs + 35_000 });
    expect(commandsOf(next, 'createVm')).toEqual([]);
  });

  it('the first live plan launches nodes after a graceful stop reported the last dry-run results', () => {
    const { state, endMs } = dryRunFor(10, { reportLast: true });
    const live = runPlan(world({ dryRun: false, nowMs: endMs + 5_000 }), { state, policy, nowMs: endMs + 5_000 });
    expect(commandsOf(live, 'createVm').length).toBeGreaterThan(0);
  });

  it('a launch started live before the switch to dry run stays in flight', () => {
    const live = runPlan(world({ dryRun: false, nowMs: TEST_NOW_MS }), { state: { groups: {}, nodes: {}, operations: [] }, policy, nowMs: TEST_NOW_MS });
    const launched = live.state.operations.map((op) => op.id);
    expect(launched.length).toBeGreaterThan(0);
    const dry = runPlan(world({ dryRun: true, nowMs: TEST_NOW_MS + HEARTBEAT_MS }), { state: live.state, policy, nowMs: TEST_NOW_MS + HEARTBEAT_MS });
    expect(dry.state.operations.map((op) => op.id)).toEqual(launched);
    expect(dry.state.groups['default/workers']?.lastScaleUpMs).toBe(TEST_NOW_MS);
  });

  it('a dry-run drain is not kept: scale-down has nothing in progress when live begins', () => {
    const idle = snapNode({ name: 'test-idle', group: 'workers', instanceType: 'medium' });
    const busy = snapNode({ name: 'test-busy', group: 'workers', instanceType: 'medium' });
    const w = (dryRun: boolean) => snapshot({
      dryRun,
      nodeGroups: [nodeGroup({ name: 'workers', offeringIDs: ['medium'] })],
      nodes: [idle, busy],
      pods: [snapPod({ name: 'a', node: 'test-busy', cpu: '3' })],
      vms: [vm({ hostname: 'test-idle', identifier: '1', marked: true }), vm({ hostname: 'test-busy', identifier: '2', marked: true })],
    });
    const dry = runPlan(w(true), { policy });
    expect(commandsOf(dry, 'taintNode').map((c) => c.node)).toEqual(['test-idle']);
    expect(dry.state.operations).toEqual([]);
    expect(dry.state.groups['default/workers']?.lastScaleDownMs).toBeUndefined();
    const live = runPlan(w(false), { state: dry.state, policy, nowMs: TEST_NOW_MS + HEARTBEAT_MS });
    expect(commandsOf(live, 'taintNode').map((c) => c.node)).toEqual(['test-idle']);
  });
});
