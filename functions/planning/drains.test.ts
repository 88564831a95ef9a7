import { describe, expect, it } from 'vitest';
import { actions, commandKinds, commandsOf, eventReasons, MINUTE_MS, resultFor, runPlan } from '../../test/fixtures/plan-helpers.ts';
import { nodeGroup, snapNode, snapPod, snapshot, TEST_NOW_MS, vm, type BuiltPod } from '../../test/fixtures/snapshot-builders.ts';
import type { CommandResult, SnapshotNode, SnapshotVm } from '../../shared/snapshot.ts';
import type { DrainOperation, PlanResult } from './types.ts';

// The drain state machine, one reconcile at a time; the test plays the cluster and the forwarder.

const TAINT = { key: 'autoscaler.vpsie.com/to-be-deleted', effect: 'NoSchedule' as const };
const nodeA = (o: Partial<Parameters<typeof snapNode>[0]> = {}) => snapNode({ name: 'test-nodea', group: 'workers', instanceType: 'medium', providerID: 'vpsie://101', ...o });
const tainted = (o: Partial<Parameters<typeof snapNode>[0]> = {}) => nodeA({ taints: [TAINT], unschedulable: true, ...o });
const nodeB = () => snapNode({ name: 'test-nodeb', group: 'workers', instanceType: 'medium' });
const light = (o: Partial<Parameters<typeof snapPod>[0]> = {}) => snapPod({ name: 'light', node: 'test-nodea', cpu: '500m', labels: { app: 'light' }, ...o });
const heavy = snapPod({ name: 'heavy', node: 'test-nodeb', cpu: '3' });
const vms = [vm({ hostname: 'test-nodea', identifier: '101', marked: true }), vm({ hostname: 'test-nodeb', identifier: '102', marked: true })];

function world(o: { a?: SnapshotNode | null; pods?: BuiltPod[]; results?: CommandResult[]; vms?: SnapshotVm[] | null; synced?: boolean } = {}) {
  return snapshot({
    nodeGroups: [nodeGroup({ name: 'workers', offeringIDs: ['medium'] })],
    nodes: [...(o.a === null ? [] : [o.a ?? nodeA()]), nodeB()],
    pods: o.pods ?? [light(), heavy],
    results: o.results ?? [],
    vms: o.vms === undefined ? vms : o.vms,
    synced: o.synced ?? true,
  });
}
const at = (seconds: number) => TEST_NOW_MS + seconds * 1000;
const drainOf = (r: PlanResult) => r.state.operations.find((op): op is DrainOperation => op.kind === 'drain')!;
const policy = { assumeWindowsElapsed: true };

/** Plan 1: the drain starts (taint sent). */
function started() {
  const r = runPlan(world(), { policy });
  expect(commandKinds(r)).toEqual(['taintNode']);
  return r;
}

describe('drain', () => {
  it('runs taint → re-check → evict → wait → delete VM → (VM gone) delete Node → verify', () => {
    const p1 = started();
    const taint = commandsOf(p1, 'taintNode')[0]!;

    // The taint is visible and the re-check passes: evictions go out.
    const p2 = runPlan(world({ a: tainted(), results: [resultFor(taint)] }), { state: p1.state, policy, nowMs: at(10) });
    expect(drainOf(p2).status).toBe('draining');
    expect(commandsOf(p2, 'evictPod')).toEqual([expect.objectContaining({ namespace: 'default', pod: 'light', node: 'test-nodea', operationId: drainOf(p1).id })]);

    // Evicted: the pod is terminating (its grace period runs). Nothing new is sent, the drain waits.
    const evict = commandsOf(p2, 'evictPod')[0]!;
    const p3 = runPlan(world({ a: tainted(), pods: [light({ terminating: true }), heavy], results: [resultFor(evict)] }), { state: p2.state, policy, nowMs: at(20) });
    expect(actions(p3)).toEqual([]);
    expect(drainOf(p3).status).toBe('draining');
    expect(drainOf(p3).evicted).toEqual(['default/light']);
    // Asked back 2 s after a step was sent (its result is all the next step needs), 10 s while it waits.
    expect([p1, p2, p3].map((r) => r.nextContactAfterMs)).toEqual([TEST_NOW_MS + 2_000, at(12), at(30)]);

    // The pod is gone: the VM goes first; the Node stays, tainted, while the machine goes away.
    const p4 = runPlan(world({ a: tainted(), pods: [heavy] }), { state: p3.state, policy, nowMs: at(30) });
    expect(commandKinds(p4)).toEqual(['deleteVm']);
    expect(commandsOf(p4, 'deleteVm')).toEqual([expect.objectContaining({ hostname: 'test-nodea', vmIdentifier: '101', nodeGroup: { namespace: 'default', name: 'workers' } })]);
    expect(eventReasons(p4)).toContain('DrainCompleted');
    expect(p4.nextContactAfterMs).toBe(at(32));

    // VPSie accepted the deletion but still lists the VM: the Node is not deleted yet (the delete
    // of the VM is sent again: it is idempotent, the forwarder reports a VM already going as gone).
    const p5 = runPlan(world({ a: tainted(), pods: [heavy], results: [resultFor(commandsOf(p4, 'deleteVm')[0]!)] }), { state: p4.state, policy, nowMs: at(40) });
    expect(commandsOf(p5, 'deleteNode')).toEqual([]);

    // The VM is gone: now the Node.
    const p6 = runPlan(world({ a: tainted(), pods: [heavy], vms: [vms[1]!] }), { state: p5.state, policy, nowMs: at(50) });
    expect(commandKinds(p6)).toEqual(['deleteNode']);

    // Node and VM gone: verified, done.
    const p7 = runPlan(world({ a: null, pods: [heavy], vms: [vms[1]!], results: [resultFor(commandsOf(p6, 'deleteNode')[0]!)] }), { state: p6.state, policy, nowMs: at(60) });
    expect(drainOf(p7).status).toBe('succeeded');
    expect(actions(p7)).toEqual([]);
  });

  it('removal-safety: a Node that re-registers untainted is tainted again before it is deleted, never deleted as it is', () => {
    const p1 = started();
    const p2 = runPlan(world({ a: tainted(), pods: [heavy], results: [resultFor(commandsOf(p1, 'taintNode')[0]!)] }), { state: p1.state, policy, nowMs: at(10) });
    expect(commandKinds(p2)).toEqual(['deleteVm']);
    // Someone deleted the Node meanwhile; the VM is still going.
    const p3 = runPlan(world({ a: null, pods: [heavy], results: [resultFor(commandsOf(p2, 'deleteVm')[0]!)] }), { state: p2.state, policy, nowMs: at(20) });
    expect(drainOf(p3).status).toBe('deleting-vm');
    // The kubelet, still alive, re-registers the Node without the taint; then the VM goes.
    const p4 = runPlan(world({ a: nodeA(), pods: [heavy], vms: [vms[1]!] }), { state: p3.state, policy, nowMs: at(30) });
    expect(commandKinds(p4)).toEqual(['taintNode']);
    // Tainted again (the forwarder also re-checks its pods live before the delete): now it is deleted.
    const p5 = runPlan(world({ a: tainted(), pods: [heavy], vms: [vms[1]!] }), { state: p4.state, policy, nowMs: at(40) });
    expect(commandKinds(p5)).toEqual(['deleteNode']);
    const p6 = runPlan(world({ a: null, pods: [heavy], vms: [vms[1]!] }), { state: p5.state, policy, nowMs: at(50) });
    expect(drainOf(p6).status).toBe('succeeded');
  });

  it('never drains a node whose VM carries no ownership marker (the forwarder would never delete it)', () => {
    const unmarked = [vm({ hostname: 'test-nodea', identifier: '101' }), vms[1]!];
    const r = runPlan(world({ vms: unmarked }), { policy });
    expect(commandKinds(r)).toEqual([]);
    expect(r.decisions).toContainEqual(expect.objectContaining({ kind: 'keep-node', target: 'node test-nodea', reason: 'vm-unmarked' }));
    // Adopted (the forwarder reports it marked): drained as usual.
    expect(commandKinds(runPlan(world(), { policy }))).toEqual(['taintNode']);
  });

  it('waits for the taint to be visible before re-checking, and re-sends a lost taint', () => {
    const p1 = started();
    const p2 = runPlan(world(), { state: p1.state, policy, nowMs: at(10) });
    expect(drainOf(p2).status).toBe('cordoning');
    expect(actions(p2)).toEqual([]);
    const p3 = runPlan(world(), { state: p2.state, policy, nowMs: at(130) });
    expect(commandKinds(p3)).toEqual(['taintNode']);
  });

  it('aborts when a blocking pod landed between the decision and the taint (taint-then-recheck)', () => {
    const p1 = started();
    const intruder = snapPod({ name: 'intruder', node: 'test-nodea', owner: null, cpu: '100m' });
    const p2 = runPlan(world({ a: tainted(), pods: [light(), heavy, intruder] }), { state: p1.state, policy, nowMs: at(10) });
    expect(commandKinds(p2)).toEqual(['untaintNode']);
    expect(commandsOf(p2, 'evictPod')).toEqual([]);
    expect(drainOf(p2)).toMatchObject({ status: 'aborting', failure: 'not-replicated' });
    expect(p2.decisions).toContainEqual(expect.objectContaining({ kind: 'drain-aborted', target: 'node test-nodea', reason: 'not-replicated' }));
    // Not a failure: no backoff, but the underuse window starts over.
    expect(p2.state.nodes['test-nodea']?.drainBackoffUntilMs).toBeUndefined();
    expect(p2.state.nodes['test-nodea']?.underusedSinceMs).toBeUndefined();
    // Untaint visible → the operation ends.
    const p3 = runPlan(world({ pods: [light(), heavy, intruder] }), { state: p2.state, policy: { assumeWindowsElapsed: false }, nowMs: at(20) });
    expect(drainOf(p3).status).toBe('failed');
  });

  it('aborts when a pod that went pending meanwhile fits only on the node being removed', () => {
    const p1 = started();
    const newcomer = snapPod({ name: 'newcomer', cpu: '2', unschedulableSinceMs: TEST_NOW_MS + 5_000 });
    const p2 = runPlan(world({ a: tainted(), pods: [light(), heavy, newcomer] }), { state: p1.state, policy, nowMs: at(10) });
    expect(drainOf(p2)).toMatchObject({ status: 'aborting', failure: 'needed-by-pending-pod' });
    expect(commandsOf(p2, 'evictPod')).toEqual([]);
    // A pending pod that fits nowhere, this node included, does not keep it.
    const giant = snapPod({ name: 'giant', cpu: '16', unschedulableSinceMs: TEST_NOW_MS + 5_000 });
    const p3 = runPlan(world({ a: tainted(), pods: [light(), heavy, giant] }), { state: p1.state, policy, nowMs: at(10) });
    expect(drainOf(p3).status).toBe('draining');
  });

  it('aborts when the pods no longer fit elsewhere at the re-check', () => {
    const p1 = started();
    const filler = snapPod({ name: 'filler', node: 'test-nodeb', cpu: '900m' });
    const p2 = runPlan(world({ a: tainted(), pods: [light(), heavy, filler] }), { state: p1.state, policy, nowMs: at(10) });
    expect(drainOf(p2)).toMatchObject({ status: 'aborting', failure: 'pods-do-not-fit' });
    expect(commandKinds(p2)).toEqual(['untaintNode']);
  });

  it('retries a 429 on a later reconcile, and a 429 reported twice sends nothing more', () => {
    const p1 = started();
    const p2 = runPlan(world({ a: tainted() }), { state: p1.state, policy, nowMs: at(10) });
    const evict = commandsOf(p2, 'evictPod')[0]!;
    const refused = resultFor(evict, 'failed', { data: { status: 429 }, message: 'Cannot evict pod as it would violate the pod\'s disruption budget.' });
    const p3 = runPlan(world({ a: tainted(), results: [refused] }), { state: p2.state, policy, nowMs: at(20) });
    expect(commandsOf(p3, 'evictPod')).toHaveLength(1);
    expect(commandsOf(p3, 'evictPod')[0]!.id).not.toBe(evict.id);
    const p4 = runPlan(world({ a: tainted(), results: [refused] }), { state: p3.state, policy, nowMs: at(30) });
    expect(actions(p4)).toEqual([]);
  });

  it('a drain that hits its deadline untaints and uncordons the node, records the failure and backs the node off', () => {
    const p1 = started();
    const p2 = runPlan(world({ a: tainted() }), { state: p1.state, policy, nowMs: at(10) });
    const stuck = { a: tainted(), pods: [light({ terminating: true }), heavy] };
    const p3 = runPlan(world(stuck), { state: p2.state, policy, nowMs: at(9 * 60) });
    expect(actions(p3)).toEqual([]);
    const p4 = runPlan(world(stuck), { state: p3.state, policy, nowMs: TEST_NOW_MS + 10 * MINUTE_MS });
    expect(commandsOf(p4, 'untaintNode')).toEqual([expect.objectContaining({ node: 'test-nodea', reason: 'drain-deadline' })]);
    expect(commandKinds(p4)).toEqual(['untaintNode']);
    expect(eventReasons(p4)).toEqual(expect.arrayContaining(['DrainFailed']));
    expect(p4.decisions).toContainEqual(expect.objectContaining({ kind: 'drain-aborted', reason: 'drain-deadline' }));
    expect(p4.state.nodes['test-nodea']?.drainBackoffUntilMs).toBe(TEST_NOW_MS + 10 * MINUTE_MS + 30 * MINUTE_MS);
    expect(drainOf(p4).status).toBe('aborting');

    // Still tainted later (untaint lost): it is sent again; once a snapshot shows the node clean, done.
    const p5 = runPlan(world(stuck), { state: p4.state, policy, nowMs: TEST_NOW_MS + 13 * MINUTE_MS });
    expect(commandKinds(p5)).toEqual(['untaintNode']);
    const p6 = runPlan(world({ pods: [light(), heavy] }), { state: p5.state, policy, nowMs: TEST_NOW_MS + 14 * MINUTE_MS });
    expect(drainOf(p6).status).toBe('failed');
    expect(p6.kept.find((k) => k.node === 'test-nodea')?.reason).toBe('drain-backoff');
  });

  it('aborts on its deadline even on an unsynced snapshot, but takes no other step without a synced one', () => {
    const p1 = started();
    const p2 = runPlan(world({ a: tainted(), synced: false }), { state: p1.state, policy, nowMs: at(10) });
    expect(actions(p2)).toEqual([]);
    expect(drainOf(p2).status).toBe('cordoning');
    const p3 = runPlan(world({ a: tainted(), synced: false }), { state: p2.state, policy, nowMs: TEST_NOW_MS + 10 * MINUTE_MS });
    expect(commandKinds(p3)).toEqual(['untaintNode']);
  });

  it('does not abort once the Node is being deleted: the deadline applies up to the drain only', () => {
    const p1 = started();
    const p2 = runPlan(world({ a: tainted(), pods: [heavy] }), { state: p1.state, policy, nowMs: at(10) });
    expect(commandKinds(p2)).toEqual(['deleteVm']); // empty after re-check: no evictions; the VM first
    const p3 = runPlan(world({ a: tainted(), pods: [heavy] }), { state: p2.state, policy, nowMs: TEST_NOW_MS + 11 * MINUTE_MS });
    expect(commandKinds(p3)).toEqual(['deleteVm']); // no answer for 2 minutes: sent again
    expect(drainOf(p3).status).toBe('deleting-node');
  });

  it('drains again instead of deleting the Node when a pod landed after the drain finished', () => {
    const p1 = started();
    const p2 = runPlan(world({ a: tainted(), pods: [heavy] }), { state: p1.state, policy, nowMs: at(10) });
    expect(drainOf(p2).status).toBe('deleting-node');
    const late = snapPod({ name: 'late', node: 'test-nodea', cpu: '100m', tolerations: [{ operator: 'Exists' }] });
    const p3 = runPlan(world({ a: tainted(), pods: [heavy, late] }), { state: p2.state, policy, nowMs: TEST_NOW_MS + 3 * MINUTE_MS });
    expect(commandKinds(p3)).toEqual(['evictPod']);
    expect(drainOf(p3).status).toBe('draining');
  });

  it('waits for a VM list before deleting or verifying the VM', () => {
    const p1 = started();
    const p2 = runPlan(world({ a: tainted(), pods: [heavy] }), { state: p1.state, policy, nowMs: at(10) });
    const p3 = runPlan(world({ a: null, pods: [heavy], vms: null }), { state: p2.state, policy, nowMs: at(20) });
    expect(actions(p3)).toEqual([]);
    expect(drainOf(p3).status).toBe('deleting-vm');
  });

  it('a dry-run forwarder ends the drain quietly (nothing was tainted)', () => {
    const p1 = started();
    const taint = commandsOf(p1, 'taintNode')[0]!;
    const p2 = runPlan(world({ results: [resultFor(taint, 'dry-run')] }), { state: p1.state, policy: { assumeWindowsElapsed: false }, nowMs: at(10) });
    expect(drainOf(p2)).toMatchObject({ status: 'failed', failure: 'dry-run' });
    expect(p2.state.nodes['test-nodea']?.drainBackoffUntilMs).toBeUndefined();
  });

  it('a failed taint aborts the drain and backs the node off', () => {
    const p1 = started();
    const taint = commandsOf(p1, 'taintNode')[0]!;
    const p2 = runPlan(world({ results: [resultFor(taint, 'failed', { message: 'conflict' })] }), { state: p1.state, policy, nowMs: at(10) });
    expect(commandKinds(p2)).toEqual(['untaintNode']);
    expect(drainOf(p2).failure).toBe('taint-failed');
    expect(p2.state.nodes['test-nodea']?.drainBackoffUntilMs).toBeGreaterThan(at(10));
  });

  it('treats an eviction answered 404 (pod already gone) as done', () => {
    const p1 = started();
    const p2 = runPlan(world({ a: tainted() }), { state: p1.state, policy, nowMs: at(10) });
    const evict = commandsOf(p2, 'evictPod')[0]!;
    const p3 = runPlan(world({ a: tainted(), results: [resultFor(evict, 'failed', { data: { status: 404 } })] }), { state: p2.state, policy, nowMs: at(20) });
    expect(drainOf(p3).evicted).toEqual(['default/light']);
    // Asked back 2 s after a step was sent (its result is all the next step needs), 10 s while it waits.
    expect([p1, p2, p3].map((r) => r.nextContactAfterMs)).toEqual([TEST_NOW_MS + 2_000, at(12), at(30)]);
    expect(commandsOf(p3, 'evictPod')).toEqual([]);
  });

  describe('removal deadline (deleteNode/deleteVm never finishing)', () => {
    /** Plans 1-2: the drain starts, the node turns out empty: deleteVm at at(10) (the Node once the VM is gone). */
    function deleting() {
      const p1 = started();
      const p2 = runPlan(world({ a: tainted(), pods: [heavy] }), { state: p1.state, policy, nowMs: at(10) });
      expect(commandKinds(p2)).toEqual(['deleteVm']);
      expect(drainOf(p2).removalDeadlineMs).toBe(at(10) + 15 * MINUTE_MS);
      return p2;
    }

    it('retries failing deletions until the deadline, then hands the node back, backs it off and says why', () => {
      const p2 = deleting();
      const failed = (p: PlanResult) => [...commandsOf(p, 'deleteNode'), ...commandsOf(p, 'deleteVm')].map((c) => resultFor(c, 'failed', { message: 'VPSie 500' }));
      const p3 = runPlan(world({ a: tainted(), pods: [heavy], results: failed(p2) }), { state: p2.state, policy, nowMs: at(20) });
      expect(commandKinds(p3)).toEqual(['deleteVm']); // failed: sent again at once; the Node is never deleted before its VM
      const p4 = runPlan(world({ a: tainted(), pods: [heavy], results: failed(p3) }), { state: p3.state, policy, nowMs: at(10) + 15 * MINUTE_MS - 1 });
      expect(commandKinds(p4)).toEqual(['deleteVm']);
      expect(drainOf(p4).status).toBe('deleting-node');

      const p5 = runPlan(world({ a: tainted(), pods: [heavy], results: failed(p4) }), { state: p4.state, policy, nowMs: at(10) + 15 * MINUTE_MS });
      expect(commandKinds(p5)).toEqual(['untaintNode']);
      expect(drainOf(p5)).toMatchObject({ status: 'aborting', failure: 'removal-deadline' });
      expect(p5.decisions).toContainEqual(expect.objectContaining({ kind: 'drain-aborted', reason: 'removal-deadline', message: expect.stringMatching(/node test-nodea and its VM still exist 15 minutes after the removal began; the node is handed back/) }));
      expect(eventReasons(p5)).toEqual(['DrainFailed', 'DrainFailed']);
      expect(p5.state.nodes['test-nodea']?.drainBackoffUntilMs).toBeGreaterThan(at(10) + 15 * MINUTE_MS);

      // Untainted and schedulable again: the operation ends, nothing more is deleted.
      const p6 = runPlan(world({ pods: [heavy] }), { state: p5.state, policy, nowMs: at(10) + 16 * MINUTE_MS });
      expect(drainOf(p6).status).toBe('failed');
      expect(commandsOf(p6, 'deleteNode')).toEqual([]);
      expect(commandsOf(p6, 'deleteVm')).toEqual([]);
    });

    it('does not hand back a node whose VM deletion VPSie accepted', () => {
      const p2 = deleting();
      const accepted = resultFor(commandsOf(p2, 'deleteVm')[0]!);
      // VPSie accepted the deletion, and never finishes it (the VM stays listed).
      const p3 = runPlan(world({ a: tainted(), pods: [heavy], results: [accepted] }), { state: p2.state, policy, nowMs: at(20) });
      expect(drainOf(p3).vmDeleteAccepted).toBe(true);
      expect(commandsOf(p3, 'deleteNode')).toEqual([]);
      const p4 = runPlan(world({ a: tainted(), pods: [heavy] }), { state: p3.state, policy, nowMs: at(10) + 15 * MINUTE_MS });
      expect(actions(p4)).toEqual([]);
      expect(drainOf(p4)).toMatchObject({ status: 'failed', failure: 'removal-deadline' });
      expect(p4.decisions).toContainEqual(expect.objectContaining({ reason: 'removal-deadline', message: expect.stringContaining("VPSie accepted the VM's deletion, so the node is not handed back") }));
    });

    it('ends quietly for a VM that outlives its Node: the orphan-VM sweep owns it from then on', () => {
      const p2 = deleting();
      const aged = [vm({ hostname: 'test-nodea', identifier: '101', createdAtMs: TEST_NOW_MS - 60 * MINUTE_MS, marked: true }), vms[1]!];
      // The Node was deleted by someone else; the VM deletion keeps failing.
      const p3 = runPlan(world({ a: null, pods: [heavy], vms: aged, results: [resultFor(commandsOf(p2, 'deleteVm')[0]!, 'failed', { message: 'VPSie 500' })] }), { state: p2.state, policy, nowMs: at(20) });
      expect(drainOf(p3).status).toBe('deleting-vm');
      const p4 = runPlan(world({ a: null, pods: [heavy], vms: aged }), { state: p3.state, policy, nowMs: at(10) + 15 * MINUTE_MS });
      expect(commandsOf(p4, 'untaintNode')).toEqual([]);
      expect(drainOf(p4)).toMatchObject({ status: 'failed', failure: 'removal-deadline' });
      expect(p4.decisions).toContainEqual(expect.objectContaining({ reason: 'removal-deadline', message: expect.stringContaining('the VM of node test-nodea still exists') }));
      // No longer accounted for by an operation (seen so at the give-up): confirmed a minute later, deleted by the sweep.
      const p5 = runPlan(world({ a: null, pods: [heavy], vms: aged }), { state: p4.state, policy, nowMs: at(10) + 15 * MINUTE_MS + 30_000 });
      expect(commandsOf(p5, 'deleteVm')).toEqual([]);
      const p6 = runPlan(world({ a: null, pods: [heavy], vms: aged }), { state: p5.state, policy, nowMs: at(10) + 16 * MINUTE_MS });
      expect(commandsOf(p6, 'deleteVm')).toEqual([expect.objectContaining({ hostname: 'test-nodea', reason: 'orphan-vm' })]);
    });
  });
});
