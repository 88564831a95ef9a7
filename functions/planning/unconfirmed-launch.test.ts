import { describe, expect, it } from 'vitest';
import { commandsOf, MINUTE_MS, resultFor, runPlan } from '../../test/fixtures/plan-helpers.ts';
import { nodeGroup, snapPod, snapshot, TEST_NOW_MS, vm } from '../../test/fixtures/snapshot-builders.ts';
import type { CommandResult, SnapshotVm } from '../../shared/snapshot.ts';
import type { LaunchOperation, PlanResult } from './types.ts';

// A create whose answer was lost (the forwarder reports launch "unconfirmed"): the launch keeps
// waiting for its VM by hostname — VPSie may show an accepted create many seconds late — and is
// never launched a second time; the launch deadline still bounds the wait (removal-safety, item 6).

const pending = snapPod({ name: 'web', cpu: '1', unschedulableSinceMs: TEST_NOW_MS - 60_000 });
function world(vms: SnapshotVm[], results: CommandResult[] = []) {
  return snapshot({ nodeGroups: [nodeGroup({ name: 'workers', offeringIDs: ['medium'] })], pods: [pending], vms, results });
}
const launchOf = (r: PlanResult) => r.state.operations.find((op): op is LaunchOperation => op.kind === 'launch');
const at = (ms: number) => TEST_NOW_MS + ms;

describe('an unconfirmed create', () => {
  it('keeps its launch waiting (no second createVm, no failure) until the VM shows, late', () => {
    const p1 = runPlan(world([]));
    const [create] = commandsOf(p1, 'createVm');
    expect(create).toBeDefined();
    const unconfirmed = resultFor(create!, 'succeeded', { message: 'createVm: connection failed (ECONNRESET); not visible yet', data: { launch: 'unconfirmed', processId: 'proc-1' } });
    let r = runPlan(world([], [unconfirmed]), { state: p1.state, nowMs: at(5_000) });
    for (const ms of [15_000, 30_000, 2 * MINUTE_MS, 4 * MINUTE_MS]) {
      expect(commandsOf(r, 'createVm')).toEqual([]);
      expect(commandsOf(r, 'deleteVm')).toEqual([]);
      expect(launchOf(r)).toMatchObject({ status: 'launching', hostname: create!.hostname });
      r = runPlan(world([]), { state: r.state, nowMs: at(ms) });
    }
    // 4.5 minutes late (the default launch deadline is 5): the pending row appears, the launch goes on.
    const late = runPlan(world([vm({ hostname: create!.hostname, state: 'pending', processId: 'proc-1', marked: true })]), { state: r.state, nowMs: at(4.5 * MINUTE_MS) });
    expect(launchOf(late)?.status).toBe('registering');
    expect(commandsOf(late, 'createVm')).toEqual([]);
  });

  it('fails at the launch deadline like any launch whose VM never came (one clean-up by hostname, backoff)', () => {
    const p1 = runPlan(world([]));
    const [create] = commandsOf(p1, 'createVm');
    const p2 = runPlan(world([], [resultFor(create!, 'succeeded', { data: { launch: 'unconfirmed' } })]), { state: p1.state, nowMs: at(5_000) });
    const end = runPlan(world([]), { state: p2.state, nowMs: at(5 * MINUTE_MS) });
    expect(launchOf(end)).toMatchObject({ status: 'failed', failure: 'launch-deadline' });
    expect(commandsOf(end, 'deleteVm')).toEqual([expect.objectContaining({ hostname: create!.hostname })]);
  });
});
