import { describe, expect, it } from 'vitest';
import { actions, commandsOf, MINUTE_MS, runPlan } from '../../test/fixtures/plan-helpers.ts';
import { nodeGroup, snapNode, snapshot, TEST_NOW_MS, vm } from '../../test/fixtures/snapshot-builders.ts';
import type { SnapshotNode, SnapshotVm } from '../../shared/snapshot.ts';
import type { LaunchOperation, PlanningState } from './types.ts';
import { ORPHAN_CONFIRM_MS } from './orphan-vms.ts';

// Orphan VMs: the cluster's prefix, no operation, no Node, older than the registration deadline.

const old = TEST_NOW_MS - 60 * MINUTE_MS;
function world(vms: SnapshotVm[] | null, nodes: SnapshotNode[] = [], synced = true) {
  return snapshot({ nodeGroups: [nodeGroup({ name: 'workers', offeringIDs: ['medium'] })], nodes, vms, synced });
}
/** Two reconciles ORPHAN_CONFIRM_MS apart (the second may delete). */
function twice(snap: ReturnType<typeof world>, state?: PlanningState) {
  const first = runPlan(snap, state ? { state } : {});
  return { first, second: runPlan(snap, { state: first.state, nowMs: TEST_NOW_MS + ORPHAN_CONFIRM_MS }) };
}

describe('orphan VMs', () => {
  it('deletes an old VM with the prefix that no Node and no operation accounts for, after confirming it', () => {
    const { first, second } = twice(world([vm({ hostname: 'test-lost', identifier: '9', createdAtMs: old })]));
    expect(actions(first)).toEqual([]);
    expect(commandsOf(second, 'deleteVm')).toEqual([expect.objectContaining({ hostname: 'test-lost', vmIdentifier: '9', reason: 'orphan-vm' })]);
    expect(second.decisions).toContainEqual(expect.objectContaining({ kind: 'orphan-vm', target: 'vm test-lost' }));
  });

  it('does not send the delete again while it is on its way', () => {
    const { second } = twice(world([vm({ hostname: 'test-lost', createdAtMs: old })]));
    const third = runPlan(world([vm({ hostname: 'test-lost', createdAtMs: old })]), { state: second.state, nowMs: TEST_NOW_MS + ORPHAN_CONFIRM_MS + 30_000 });
    expect(actions(third)).toEqual([]);
  });

  it('leaves VMs younger than the registration deadline alone', () => {
    const { second } = twice(world([vm({ hostname: 'test-young', createdAtMs: TEST_NOW_MS - 13 * MINUTE_MS })]));
    expect(actions(second)).toEqual([]);
  });

  it('leaves VMs with a Node (by name or by providerID) alone', () => {
    const vms = [vm({ hostname: 'test-a', createdAtMs: old }), vm({ hostname: 'test-renamed', identifier: '42', createdAtMs: old })];
    const nodes = [snapNode({ name: 'test-a', group: 'workers' }), snapNode({ name: 'other-name', group: 'workers', providerID: 'vpsie://42' })];
    expect(actions(twice(world(vms, nodes)).second)).toEqual([]);
  });

  it('leaves VMs of a launch in progress alone', () => {
    const op: LaunchOperation = { id: 'l', kind: 'launch', nodeGroup: 'default/workers', hostname: 'test-new', offeringId: 'medium', status: 'registering', createdAtMs: old, updatedAtMs: old, launchDeadlineMs: TEST_NOW_MS + 5 * MINUTE_MS, registrationDeadlineMs: TEST_NOW_MS + 5 * MINUTE_MS };
    const { second } = twice(world([vm({ hostname: 'test-new', createdAtMs: old })]), { groups: {}, nodes: {}, operations: [op] });
    expect(commandsOf(second, 'deleteVm')).toEqual([]);
  });

  it('never touches VMs without the cluster prefix', () => {
    expect(actions(twice(world([vm({ hostname: 'prod-db-1', createdAtMs: old })])).second)).toEqual([]);
  });

  it('does nothing on an unsynced snapshot or without a VM list', () => {
    expect(actions(twice(world([vm({ hostname: 'test-lost', createdAtMs: old })], [], false)).second)).toEqual([]);
    expect(actions(twice(world(null)).second)).toEqual([]);
  });

  it('dates a VM without a creation time from when it was first seen unaccounted for', () => {
    const snap = world([vm({ hostname: 'test-lost' })]);
    const first = runPlan(snap);
    expect(actions(runPlan(snap, { state: first.state, nowMs: TEST_NOW_MS + 14 * MINUTE_MS }))).toEqual([]);
    expect(commandsOf(runPlan(snap, { state: first.state, nowMs: TEST_NOW_MS + 15 * MINUTE_MS }), 'deleteVm')).toHaveLength(1);
  });

  it('forgets the timer when the VM is gone', () => {
    const first = runPlan(world([vm({ hostname: 'test-lost' })]));
    const gone = runPlan(world([]), { state: first.state, nowMs: TEST_NOW_MS + MINUTE_MS });
    expect(gone.state.nodes['test-lost']).toBeUndefined();
  });
});
