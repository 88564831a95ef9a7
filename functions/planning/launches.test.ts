import { describe, expect, it } from 'vitest';
import { actions, commandKinds, commandsOf, eventReasons, MINUTE_MS, resultFor, runPlan } from '../../test/fixtures/plan-helpers.ts';
import { nodeGroup, snapNode, snapPod, snapshot, TEST_NOW_MS, vm } from '../../test/fixtures/snapshot-builders.ts';
import type { CommandResult, SnapshotNode, SnapshotVm } from '../../shared/snapshot.ts';
import type { Command } from '../../shared/plan-message.ts';
import { backoffDelayMs } from './backoff.ts';
import type { LaunchOperation, PlanningState, PlanResult } from './types.ts';
import { testPolicy } from '../../test/fixtures/snapshot-builders.ts';

// Provisioning deadlines and the group backoff. Launches are put in the state as scale-up would.

const HOST = 'test-workers-abc12';
function launch(o: Partial<LaunchOperation> = {}): LaunchOperation {
  return {
    id: 'launch-1', kind: 'launch', nodeGroup: 'default/workers', hostname: HOST, offeringId: 'medium', status: 'launching',
    createdAtMs: TEST_NOW_MS, updatedAtMs: TEST_NOW_MS, launchDeadlineMs: TEST_NOW_MS + 5 * MINUTE_MS, registrationDeadlineMs: TEST_NOW_MS + 15 * MINUTE_MS, ...o,
  };
}
function state(op = launch(), o: Partial<PlanningState> = {}): PlanningState {
  return { groups: {}, nodes: {}, operations: [op], ...o };
}
function world(o: { node?: SnapshotNode; vms?: SnapshotVm[] | null; results?: CommandResult[]; synced?: boolean; pods?: ReturnType<typeof snapPod>[] } = {}) {
  return snapshot({
    pods: o.pods ?? [],
    nodeGroups: [nodeGroup({ name: 'workers', offeringIDs: ['medium'] })],
    nodes: o.node ? [o.node] : [],
    vms: o.vms === undefined ? [] : o.vms,
    results: o.results ?? [],
    synced: o.synced ?? true,
  });
}
const opOf = (r: PlanResult) => r.state.operations.find((op): op is LaunchOperation => op.kind === 'launch' && op.id === 'launch-1');
const min = (n: number) => TEST_NOW_MS + n * MINUTE_MS;

describe('launch progress', () => {
  it('launching → registering when the VM is listed, → succeeded when its Node is Ready', () => {
    const r1 = runPlan(world({ vms: [vm({ hostname: HOST, identifier: '555', state: 'pending' })] }), { state: state(), nowMs: min(1) });
    expect(opOf(r1)).toMatchObject({ status: 'registering', vmIdentifier: '555' });
    const r2 = runPlan(world({ node: snapNode({ name: HOST, group: 'workers', ready: false }), vms: [vm({ hostname: HOST, identifier: '555' })] }), { state: r1.state, nowMs: min(3) });
    expect(opOf(r2)?.status).toBe('registering');
    const r3 = runPlan(world({ node: snapNode({ name: HOST, group: 'workers' }), vms: [vm({ hostname: HOST, identifier: '555' })] }), { state: r2.state, nowMs: min(4) });
    expect(opOf(r3)?.status).toBe('succeeded');
    expect(eventReasons(r3)).toContain('ProvisioningCompleted');
  });

  it('a NotReady Node that hosts a workload pod was Ready: succeeded, never cleaned up as a failed launch (its local data stays the NotReady check\'s business)', () => {
    // The node went Ready, took a pod with an emptyDir and lost its machine before any plan saw it
    // Ready; the registration deadline then passes with the VM gone.
    const node = snapNode({ name: HOST, group: 'workers', ready: false });
    const pods = [snapPod({ name: 'scratch', node: HOST, phase: 'Running', cpu: '100m' })];
    const r = runPlan(world({ node, vms: [], pods }), { state: state(launch({ status: 'registering' })), nowMs: min(16) });
    expect(opOf(r)?.status).toBe('succeeded');
    expect(commandKinds(r)).not.toContain('deleteNode');
    expect(commandKinds(r)).not.toContain('deleteVm');
    // Without the pod, the same Node is a launch that never joined: cleaned up.
    const empty = runPlan(world({ node, vms: [] }), { state: state(launch({ status: 'registering' })), nowMs: min(16) });
    expect(opOf(empty)?.status).toBe('failed');
    expect(commandKinds(empty)).toContain('deleteNode');
  });

  it('a Node of the hostname also counts as the VM existing', () => {
    const r = runPlan(world({ node: snapNode({ name: HOST, group: 'workers', ready: false }), vms: null }), { state: state(), nowMs: min(1) });
    expect(opOf(r)?.status).toBe('registering');
  });

  it('asks to be called back while a launch is in progress', () => {
    const r = runPlan(world(), { state: state(), nowMs: min(1) });
    expect(r.nextContactAfterMs).toBeLessThanOrEqual(min(1) + 15_000);
  });
});

describe('launch deadline', () => {
  it('no VM after the launch deadline: the VM is deleted by hostname, the group backs off, the failure is reported', () => {
    expect(actions(runPlan(world(), { state: state(), nowMs: min(4) }))).toEqual([]);
    const r = runPlan(world(), { state: state(), nowMs: min(5) });
    expect(commandsOf(r, 'deleteVm')).toEqual([expect.objectContaining({ hostname: HOST, reason: 'launch-deadline', operationId: 'launch-1' })]);
    expect(commandsOf(r, 'deleteNode')).toEqual([]);
    expect(opOf(r)).toMatchObject({ status: 'failed', failure: 'launch-deadline' });
    expect(r.state.groups['default/workers']).toMatchObject({ consecutiveFailures: 1, backoffUntilMs: min(10) });
    expect(r.decisions).toContainEqual(expect.objectContaining({ kind: 'launch-failed', reason: 'launch-deadline', nodeGroup: 'default/workers' }));
    expect(eventReasons(r)).toContain('ProvisioningFailed');
    expect(commandsOf(r, 'emitEvent').find((e) => e.eventReason === 'ProvisioningFailed')).toMatchObject({ type: 'Warning', involved: { kind: 'NodeGroup', namespace: 'default', name: 'workers' } });
  });

  it('does not judge a missing VM when VPSie could not be listed', () => {
    const r = runPlan(world({ vms: null }), { state: state(), nowMs: min(6) });
    expect(opOf(r)?.status).toBe('launching');
    expect(actions(r)).toEqual([]);
  });

  it('waits for a synced snapshot before cleaning up', () => {
    const r = runPlan(world({ synced: false }), { state: state(), nowMs: min(6) });
    expect(opOf(r)?.status).toBe('launching');
  });
});

describe('registration deadline', () => {
  it('a VM without a Ready Node after the registration deadline: Node tainted, VM and Node deleted, group backs off', () => {
    const node = snapNode({ name: HOST, group: 'workers', ready: false });
    const vms = [vm({ hostname: HOST, identifier: '555' })];
    const r1 = runPlan(world({ node, vms }), { state: state(), nowMs: min(14) });
    expect(actions(r1)).toEqual([]);
    const r2 = runPlan(world({ node, vms }), { state: r1.state, nowMs: min(15) });
    // The forwarder deletes only tainted Nodes: the taint comes first, in the same plan.
    expect(commandKinds(r2)).toEqual(['taintNode', 'deleteVm', 'deleteNode']);
    expect(commandsOf(r2, 'deleteVm')[0]).toMatchObject({ hostname: HOST, vmIdentifier: '555', reason: 'registration-deadline' });
    expect(commandsOf(r2, 'deleteNode')[0]).toMatchObject({ node: HOST, nodeGroup: { namespace: 'default', name: 'workers' } });
    expect(r2.state.groups['default/workers']?.consecutiveFailures).toBe(1);
  });

  it('applies even when VPSie cannot be listed', () => {
    const r = runPlan(world({ vms: null }), { state: state(), nowMs: min(15) });
    expect(opOf(r)?.failure).toBe('registration-deadline');
  });
});

describe('group backoff', () => {
  it('5 minutes, doubling to at most 30', () => {
    const policy = testPolicy();
    expect([1, 2, 3, 4, 5, 10].map((n) => backoffDelayMs(n, policy) / MINUTE_MS)).toEqual([5, 10, 20, 30, 30, 30]);
  });

  it('consecutive failures double the backoff; a success resets it', () => {
    const failedTwice: PlanningState = state(launch(), { groups: { 'default/workers': { consecutiveFailures: 2, backoffUntilMs: min(0) } } });
    const r = runPlan(world(), { state: failedTwice, nowMs: min(5) });
    expect(r.state.groups['default/workers']).toMatchObject({ consecutiveFailures: 3, backoffUntilMs: min(5 + 20) });
    const ok = runPlan(world({ node: snapNode({ name: HOST, group: 'workers' }) }), { state: failedTwice, nowMs: min(2) });
    expect(ok.state.groups['default/workers']).toEqual({ consecutiveFailures: 0 });
  });
});

describe('createVm results', () => {
  const createCommand = { id: 'createVm-1', kind: 'createVm' } as unknown as Command;
  const sent = (op = launch()) => state(op, { sentCommands: [{ commandId: 'createVm-1', kind: 'createVm', operationId: 'launch-1', target: HOST, sentAtMs: TEST_NOW_MS }] });

  it('an accepted create records the VM identifier', () => {
    const r = runPlan(world({ results: [resultFor(createCommand, 'succeeded', { data: { vmIdentifier: '777' } })] }), { state: sent(), nowMs: min(1) });
    expect(opOf(r)).toMatchObject({ status: 'launching', vmIdentifier: '777' });
  });

  it('a failed create fails the launch at once: clean-up, backoff, event', () => {
    const r = runPlan(world({ results: [resultFor(createCommand, 'failed', { message: 'quota exceeded' })] }), { state: sent(), nowMs: min(1) });
    expect(opOf(r)).toMatchObject({ status: 'failed', failure: 'create-failed' });
    expect(commandKinds(r)).toEqual(['deleteVm']);
    expect(r.state.groups['default/workers']?.consecutiveFailures).toBe(1);
    expect(eventReasons(r)).toContain('ProvisioningFailed');
  });

  it('a create result whose id is unknown is matched by hostname', () => {
    const unknown = { ...resultFor(createCommand, 'failed'), commandId: 'createVm-from-before', data: { hostname: HOST } };
    const r = runPlan(world({ results: [unknown] }), { state: state(), nowMs: min(1) });
    expect(opOf(r)?.status).toBe('failed');
  });

  it('a dry-run create ends the launch without a failure or backoff', () => {
    const r = runPlan(world({ results: [resultFor(createCommand, 'dry-run')] }), { state: sent(), nowMs: min(1) });
    expect(opOf(r)).toMatchObject({ status: 'failed', failure: 'dry-run' });
    expect(actions(r)).toEqual([]);
    expect(r.state.groups['default/workers']).toBeUndefined();
  });

  it('a failed create reported twice backs off once and cleans up once', () => {
    const failed = resultFor(createCommand, 'failed');
    const r1 = runPlan(world({ results: [failed] }), { state: sent(), nowMs: min(1) });
    const r2 = runPlan(world({ results: [failed] }), { state: r1.state, nowMs: min(1) + 30_000 });
    expect(actions(r2)).toEqual([]);
    expect(r2.state.groups['default/workers']?.consecutiveFailures).toBe(1);
  });
});

describe('with scale-up', () => {
  it('a createVm from scale-up that fails is matched by its command id; the group backs off and launches nothing more', () => {
    const pending = snapPod({ name: 'web', cpu: '1', memory: '1Gi', unschedulableSinceMs: TEST_NOW_MS - 60_000 });
    const snap = (results: CommandResult[] = []) => snapshot({ nodeGroups: [nodeGroup({ name: 'workers', offeringIDs: ['medium'] })], pods: [pending], results });
    const p1 = runPlan(snap());
    const create = commandsOf(p1, 'createVm');
    expect(create).toHaveLength(1);
    const p2 = runPlan(snap([resultFor(create[0]!, 'failed', { message: 'quota exceeded' })]), { state: p1.state, nowMs: min(1) });
    expect(p2.state.operations.find((op) => op.id === create[0]!.operationId)).toMatchObject({ status: 'failed', failure: 'create-failed' });
    expect(p2.state.groups['default/workers']).toMatchObject({ consecutiveFailures: 1, backoffUntilMs: min(6) });
    expect(commandsOf(p2, 'createVm')).toEqual([]);
    expect(commandsOf(p2, 'deleteVm')).toHaveLength(1);
  });
});
