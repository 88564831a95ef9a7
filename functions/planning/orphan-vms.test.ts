import { describe, expect, it } from 'vitest';
import { actions, commandsOf, MINUTE_MS, runPlan } from '../../test/fixtures/plan-helpers.ts';
import { nodeGroup, snapNode, snapshot, TEST_NOW_MS, vm } from '../../test/fixtures/snapshot-builders.ts';
import type { SnapshotNode, SnapshotVm } from '../../shared/snapshot.ts';
import type { LaunchOperation, PlanningState } from './types.ts';
import { ORPHAN_CONFIRM_MS } from './orphan-vms.ts';

// The orphan-VM sweep: only VMs this cluster marked (or adopted), with its exact hostname pattern
// (prefix "test-", policy of test/fixtures), no operation, no Node, older than the registration
// deadline; extras (a second VM of one hostname) whatever their age; never unmarked ones.

const old = TEST_NOW_MS - 60 * MINUTE_MS;
const ours = (o: Partial<SnapshotVm> & { hostname: string }) => vm({ marked: true, createdAtMs: old, ...o });
function world(vms: SnapshotVm[] | null, nodes: SnapshotNode[] = [], synced = true) {
  return snapshot({ nodeGroups: [nodeGroup({ name: 'workers', offeringIDs: ['medium'] })], nodes, vms, synced });
}
/** Two reconciles ORPHAN_CONFIRM_MS apart (the second may delete). */
function twice(snap: ReturnType<typeof world>, state?: PlanningState) {
  const first = runPlan(snap, state ? { state } : {});
  return { first, second: runPlan(snap, { state: first.state, nowMs: TEST_NOW_MS + ORPHAN_CONFIRM_MS }) };
}

describe('orphan VMs', () => {
  it('deletes an old VM of this cluster that no Node and no operation accounts for, after confirming it', () => {
    const { first, second } = twice(world([ours({ hostname: 'test-workers-lost1', identifier: '9' })]));
    expect(actions(first)).toEqual([]);
    expect(commandsOf(second, 'deleteVm')).toEqual([expect.objectContaining({ hostname: 'test-workers-lost1', vmIdentifier: '9', reason: 'orphan-vm' })]);
    expect(second.decisions).toContainEqual(expect.objectContaining({ kind: 'orphan-vm', target: 'vm test-workers-lost1' }));
  });

  it('never deletes an unmarked VM (made before ownership markers), however old and alone', () => {
    const snap = world([vm({ hostname: 'test-workers-old01', identifier: '8', createdAtMs: old })]);
    const { second } = twice(snap);
    expect(actions(runPlan(snap, { state: second.state, nowMs: TEST_NOW_MS + 24 * 60 * MINUTE_MS }))).toEqual([]);
    expect(second.state.nodes['test-workers-old01']).toBeUndefined();
  });

  it('never deletes another cluster\'s VMs sent by an older forwarder (no ownership fields): c1 and c1-eu', () => {
    // Cluster c1 (prefix "c1-"); c1-eu's VMs match c1's pattern ("eu-pool" as a group) — the issue's case.
    const snap = snapshot({ clusterId: 'c1', nodeGroups: [nodeGroup({ name: 'pool', offeringIDs: ['medium'] })], vms: [vm({ hostname: 'c1-eu-pool-aaaaa', identifier: '1', createdAtMs: old }), vm({ hostname: 'c1-eu-pool-bbbbb', identifier: '2', createdAtMs: old })] });
    const policy = { clusterId: 'c1', hostnamePrefix: 'c1-' };
    const first = runPlan(snap, { policy });
    const later = [1, 2, 5].map((k) => runPlan(snap, { policy, state: first.state, nowMs: TEST_NOW_MS + k * ORPHAN_CONFIRM_MS }));
    expect(later.flatMap((r) => commandsOf(r, 'deleteVm'))).toEqual([]);
  });

  it('does not send the delete again while it is on its way', () => {
    const { second } = twice(world([ours({ hostname: 'test-workers-lost1' })]));
    const third = runPlan(world([ours({ hostname: 'test-workers-lost1' })]), { state: second.state, nowMs: TEST_NOW_MS + ORPHAN_CONFIRM_MS + 30_000 });
    expect(actions(third)).toEqual([]);
  });

  it('leaves VMs younger than the registration deadline alone', () => {
    const { second } = twice(world([ours({ hostname: 'test-workers-young', createdAtMs: TEST_NOW_MS - 13 * MINUTE_MS })]));
    expect(actions(second)).toEqual([]);
  });

  it('leaves VMs with a Node (by name or by providerID) alone', () => {
    const vms = [ours({ hostname: 'test-workers-aaaaa' }), ours({ hostname: 'test-workers-renam', identifier: '42' })];
    const nodes = [snapNode({ name: 'test-workers-aaaaa', group: 'workers' }), snapNode({ name: 'other-name', group: 'workers', providerID: 'vpsie://42' })];
    expect(actions(twice(world(vms, nodes)).second)).toEqual([]);
  });

  it('leaves VMs of a launch in progress alone', () => {
    const op: LaunchOperation = { id: 'l', kind: 'launch', nodeGroup: 'default/workers', hostname: 'test-workers-new01', offeringId: 'medium', status: 'registering', createdAtMs: old, updatedAtMs: old, launchDeadlineMs: TEST_NOW_MS + 5 * MINUTE_MS, registrationDeadlineMs: TEST_NOW_MS + 5 * MINUTE_MS };
    const { second } = twice(world([ours({ hostname: 'test-workers-new01' })]), { groups: {}, nodes: {}, operations: [op] });
    expect(commandsOf(second, 'deleteVm')).toEqual([]);
  });

  it('never touches VMs outside the cluster\'s exact hostname pattern, even marked', () => {
    expect(actions(twice(world([ours({ hostname: 'prod-db-1' }), ours({ hostname: 'test-database' }), ours({ hostname: 'testworkers-aaaaa' })])).second)).toEqual([]);
  });

  it('does nothing on an unsynced snapshot or without a VM list', () => {
    expect(actions(twice(world([ours({ hostname: 'test-workers-lost1' })], [], false)).second)).toEqual([]);
    expect(actions(twice(world(null)).second)).toEqual([]);
  });

  it('dates a VM without a creation time from when it was first seen unaccounted for', () => {
    const snap = world([vm({ hostname: 'test-workers-lost1', marked: true })]);
    const first = runPlan(snap);
    expect(actions(runPlan(snap, { state: first.state, nowMs: TEST_NOW_MS + 14 * MINUTE_MS }))).toEqual([]);
    expect(commandsOf(runPlan(snap, { state: first.state, nowMs: TEST_NOW_MS + 15 * MINUTE_MS }), 'deleteVm')).toHaveLength(1);
  });

  it('forgets the timer when the VM is gone', () => {
    const first = runPlan(world([ours({ hostname: 'test-workers-lost1' })]));
    expect(first.state.nodes['test-workers-lost1']?.vmUnaccountedSinceMs).toBe(TEST_NOW_MS);
    const gone = runPlan(world([]), { state: first.state, nowMs: TEST_NOW_MS + MINUTE_MS });
    expect(gone.state.nodes['test-workers-lost1']).toBeUndefined();
  });
});

describe('duplicate VMs (one hostname, two identifiers)', () => {
  const hostname = 'test-workers-dup01';
  const node = (id: string) => snapNode({ name: hostname, group: 'workers', providerID: `vpsie://${id}` });
  const young = TEST_NOW_MS - 2 * MINUTE_MS;

  it('deletes the second VM and keeps the one the Node\'s providerID names, even when it is the younger one', () => {
    const vms = [ours({ hostname, identifier: 'first', createdAtMs: old }), ours({ hostname, identifier: 'second', createdAtMs: young })];
    const { first, second } = twice(world(vms, [node('second')]));
    expect(actions(first)).toEqual([]);
    expect(commandsOf(second, 'deleteVm')).toEqual([expect.objectContaining({ hostname, vmIdentifier: 'first', reason: 'duplicate-vm' })]);
  });

  it('without a Node keeps the oldest and deletes the other, without waiting for the registration deadline', () => {
    const vms = [ours({ hostname, identifier: 'b-younger', createdAtMs: young }), ours({ hostname, identifier: 'a-older', createdAtMs: young - 1_000 })];
    const op: LaunchOperation = { id: 'l', kind: 'launch', nodeGroup: 'default/workers', hostname, offeringId: 'medium', status: 'registering', createdAtMs: young, updatedAtMs: young, launchDeadlineMs: TEST_NOW_MS + 5 * MINUTE_MS, registrationDeadlineMs: TEST_NOW_MS + 10 * MINUTE_MS };
    const { second } = twice(world(vms), { groups: {}, nodes: {}, operations: [op] });
    expect(commandsOf(second, 'deleteVm')).toEqual([expect.objectContaining({ vmIdentifier: 'b-younger', reason: 'duplicate-vm' })]);
  });

  it('with neither Node nor operation deletes both, one per reconcile', () => {
    const vms = [ours({ hostname, identifier: 'x1' }), ours({ hostname, identifier: 'x2', createdAtMs: old + 1 })];
    const { second } = twice(world(vms));
    expect(commandsOf(second, 'deleteVm')).toEqual([expect.objectContaining({ vmIdentifier: 'x1', reason: 'orphan-vm' })]);
  });

  it('never deletes an unmarked extra, nor takes a pending row or a "gone" row for a second VM', () => {
    const vms = [ours({ hostname, identifier: 'kept' }), vm({ hostname, identifier: 'legacy', createdAtMs: young }), ours({ hostname, state: 'pending', processId: 'p' }), ours({ hostname, identifier: 'deleted', state: 'gone' })];
    expect(actions(twice(world(vms, [node('kept')])).second)).toEqual([]);
  });
});
