import { describe, expect, it } from 'vitest';
import { commandResult, nodeGroup, snapPods, snapshot, TEST_CLUSTER_ID } from '../test/fixtures/snapshot-builders.ts';
import { useFunctionsFixture, readPlan, reconcileRequest, type FunctionsFixture } from '../test/functions/fixture.ts';
import type { CommandResult, Snapshot } from '../shared/snapshot.ts';
import { REPLAYED_HEADER } from './routes/reconcile-route.ts';

// The same guarantees with the real planning core (functions/planning) behind the HTTP API and
// the table: the state it returns survives the round trip, so retries never launch twice.

let fx: FunctionsFixture;
useFunctionsFixture('functions-real-planner', {}, (fixture) => {
  fx = fixture;
}); // the real plan()

const pending = (results: CommandResult[] = []): Snapshot =>
  snapshot({
    takenAtMs: fx.now(),
    nodeGroups: [nodeGroup({ name: 'workers', maxNodes: 5 })],
    pods: snapPods(3, 'web', { cpu: '500m', memory: '512Mi', unschedulableSinceMs: fx.now() - 60_000 }),
    results,
  });

const reconcile = async (snap: Snapshot) => {
  const response = await fx.fetch(reconcileRequest(snap, { nowMs: fx.now() }));
  return { response, plan: await readPlan(response, fx.now()) };
};
const createVms = (plan: Awaited<ReturnType<typeof readPlan>>) => plan.commands.filter((c) => c.kind === 'createVm');

describe('reconcile with the real planner', () => {
  it('launches for pending pods once: a resent request gets the same plan, a new one sees the launch in flight', async () => {
    const snap = pending();
    const first = await reconcile(snap);
    expect(createVms(first.plan).length).toBeGreaterThanOrEqual(1);
    const launchIds = createVms(first.plan).map((c) => c.id);

    fx.advance(2_000);
    const resent = await reconcile(snap); // the answer was lost; the same body again, newly signed
    expect(resent.response.headers.get(REPLAYED_HEADER)).toBe('true');
    expect(createVms(resent.plan).map((c) => c.id)).toEqual(launchIds);

    fx.advance(30_000);
    const next = await reconcile(pending());
    expect(next.response.headers.get(REPLAYED_HEADER)).toBe('false');
    expect(createVms(next.plan)).toEqual([]);
    const state = await fx.deps.table.clusters.load(TEST_CLUSTER_ID);
    expect(state.planning.operations.filter((op) => op.kind === 'launch')).toHaveLength(launchIds.length);
  });

  it('a result reported twice changes nothing the second time', async () => {
    const first = await reconcile(pending());
    const create = createVms(first.plan)[0]!;
    const accepted = commandResult({ commandId: create.id, planId: first.plan.planId, kind: 'createVm', outcome: 'succeeded', atMs: fx.now() + 1_000 });
    fx.advance(30_000);
    await reconcile(pending([accepted]));
    const afterFirst = (await fx.deps.table.clusters.load(TEST_CLUSTER_ID)).planning;
    fx.advance(30_000);
    const again = await reconcile(pending([accepted]));
    const afterSecond = (await fx.deps.table.clusters.load(TEST_CLUSTER_ID)).planning;
    expect(createVms(again.plan)).toEqual([]);
    expect(afterSecond.operations.map((op) => [op.id, op.status])).toEqual(afterFirst.operations.map((op) => [op.id, op.status]));
    expect(afterSecond.seenResults ?? []).toContain(create.id);
  });
});
