import { describe, expect, it } from 'vitest';
import { nodeGroup, snapPods, snapshot, TEST_CLUSTER_ID } from '../test/fixtures/snapshot-builders.ts';
import { useFunctionsFixture, OTHER_CLUSTER, readPlan, reconcileRequest, type FunctionsFixture } from '../test/functions/fixture.ts';
import { launchingPlanner } from '../test/functions/launching-planner.ts';
import { runHousekeeping } from './housekeeping.ts';

let fx: FunctionsFixture;
useFunctionsFixture('functions-housekeeping', { planner: launchingPlanner, config: { silentForwarderAfterMs: 600_000, staleOperationAfterMs: 3_600_000 } }, (fixture) => {
  fx = fixture;
});

const housekeep = () => runHousekeeping(fx.deps);
const errors = () => fx.logs.filter((line) => line.level === 'error');

describe('housekeeping', () => {
  it('is quiet about a cluster whose forwarder calls, and warns about one that never called', async () => {
    await readPlan(await fx.fetch(reconcileRequest(snapshot({ takenAtMs: fx.now() }), { nowMs: fx.now() })), fx.now());
    const report = await housekeep();
    expect(report).toEqual([
      { clusterId: OTHER_CLUSTER, expiredLeaseCleared: false, forwarder: 'never-contacted', staleOperations: [] },
      { clusterId: TEST_CLUSTER_ID, expiredLeaseCleared: false, forwarder: 'ok', staleOperations: [] },
    ]);
    expect(errors()).toEqual([]);
  });

  it('logs an ERROR naming the cluster whose forwarder stopped calling', async () => {
    await fx.fetch(reconcileRequest(snapshot({ takenAtMs: fx.now() }), { nowMs: fx.now() }));
    fx.advance(11 * 60_000);
    const report = await housekeep();
    expect(report.find((r) => r.clusterId === TEST_CLUSTER_ID)?.forwarder).toBe('silent');
    expect(errors()).toEqual([
      expect.objectContaining({ cluster: TEST_CLUSTER_ID, alert: 'forwarder-silent', silentForMs: 11 * 60_000, msg: expect.stringContaining(`cluster ${TEST_CLUSTER_ID} stopped calling`) }),
    ]);
  });

  it('clears a lease that ran out without release, and reports operations long past their deadline', async () => {
    await fx.fetch(reconcileRequest(snapshot({ takenAtMs: fx.now(), nodeGroups: [nodeGroup({ name: 'workers' })], pods: snapPods(1, 'web') }), { nowMs: fx.now() }));
    await fx.deps.table.leases.acquire(TEST_CLUSTER_ID, 'crashed-reconcile');
    fx.advance(15 * 60_000 + 61 * 60_000); // registration deadline (15 min) + more than an hour
    const report = await housekeep();
    const mine = report.find((r) => r.clusterId === TEST_CLUSTER_ID)!;
    expect(mine.expiredLeaseCleared).toBe(true);
    expect(mine.staleOperations).toHaveLength(1);
    expect((await fx.deps.table.leases.read(TEST_CLUSTER_ID))?.owner).toBeUndefined();
    expect(errors().map((line) => line.alert).sort()).toEqual(['forwarder-silent', 'stale-operation']);
    expect(fx.logs.some((line) => line.level === 'warn' && line.owner === 'crashed-reconcile')).toBe(true);
  });
});
