import { describe, expect, it } from 'vitest';
import { nodeGroup, snapPods, snapshot, TEST_CLUSTER_ID } from '../test/fixtures/snapshot-builders.ts';
import { useFunctionsFixture, readPlan, reconcileRequest, type FunctionsFixture } from '../test/functions/fixture.ts';
import type { Snapshot } from '../shared/snapshot.ts';
import { clusterPk, OPERATION_PREFIX } from './state/keys.ts';
import { MANIFEST_ATTRIBUTE } from './state/commit-manifest.ts';
import type { TableAdapter } from './state/table-adapter.ts';

// No phantom launches (issue 14, item 7): a commit that fails half-way (the store errs after the
// operations are written) answers 500 and sends no plan; the next reconcile must not count that
// plan's `launching` operations as capacity in flight, so scale-up proceeds at once. Real planner,
// real DynamoDB-compatible server (dynalite); the failure is injected into the table adapter.

let fx: FunctionsFixture;
useFunctionsFixture('functions-commit-failure', {}, (fixture) => {
  fx = fixture;
}); // the real plan()

const pending = (): Snapshot =>
  snapshot({
    takenAtMs: fx.now(),
    nodeGroups: [nodeGroup({ name: 'workers', maxNodes: 5 })],
    pods: snapPods(2, 'web', { cpu: '500m', memory: '512Mi', unschedulableSinceMs: fx.now() - 60_000 }),
  });

const createVms = (plan: Awaited<ReturnType<typeof readPlan>>) => plan.commands.filter((c) => c.kind === 'createVm');

/** Launch operations as the items in the table say (whatever counts or not). */
async function launchItems(adapter: TableAdapter): Promise<string[]> {
  const items = await adapter.queryPartition(clusterPk(TEST_CLUSTER_ID), { skPrefix: OPERATION_PREFIX });
  return items.filter((item) => item.kind === 'launch' && item.status === 'launching' && item.archivedAtMs === undefined).map((item) => item.sk.slice(OPERATION_PREFIX.length));
}

async function countedLaunches(): Promise<string[]> {
  const state = await fx.deps.table.clusters.load(TEST_CLUSTER_ID);
  return state.planning.operations.filter((op) => op.kind === 'launch').map((op) => op.id);
}

/** Makes the adapter fail once, on the first write `fails` picks; restores it after. */
function failOnce(adapter: TableAdapter, fails: { put?: (sk: string) => boolean; update?: (expression: string) => boolean }): () => boolean {
  const put = adapter.put.bind(adapter);
  const update = adapter.update.bind(adapter);
  let failed = false;
  adapter.put = async (item, options) => {
    if (!failed && fails.put?.(item.sk)) {
      failed = true;
      throw new Error(`injected: the store failed writing ${item.sk}`);
    }
    return put(item, options);
  };
  adapter.update = async (key, request) => {
    if (!failed && fails.update?.(request.update)) {
      failed = true;
      throw new Error('injected: the store failed writing the manifest');
    }
    return update(key, request);
  };
  return () => failed;
}

describe('removal-safety: a failed commit leaves no phantom operations', () => {
  it('a failure after the operations were written: 500, and the next reconcile launches at once', async () => {
    const adapter = fx.deps.table.adapter;
    const failed = failOnce(adapter, { put: (sk) => sk.startsWith('ng#') });
    const response = await fx.fetch(reconcileRequest(pending(), { nowMs: fx.now() }));
    expect(failed()).toBe(true);
    expect(response.status).toBe(500);
    expect(fx.auditLines()).toEqual([]);
    // The failure came after the operations: their items are in the table…
    const phantoms = await launchItems(adapter);
    expect(phantoms.length).toBeGreaterThanOrEqual(1);
    // …and they do not count.
    expect(await countedLaunches()).toEqual([]);

    fx.advance(15_000);
    const next = await readPlan(await fx.fetch(reconcileRequest(pending(), { nowMs: fx.now() })), fx.now());
    expect(createVms(next).length).toBe(phantoms.length);
    const counted = await countedLaunches();
    expect(counted).toHaveLength(phantoms.length);
    expect(counted.filter((id) => phantoms.includes(id))).toEqual([]);
    // The phantoms were archived by that commit, not left to pile up.
    expect((await launchItems(adapter)).sort()).toEqual([...counted].sort());
  });

  it('a failure of the very last write (every item written, the manifest not): nothing of that plan counts', async () => {
    const adapter = fx.deps.table.adapter;
    // A committed plan first: its launches are what must stay.
    const first = await readPlan(await fx.fetch(reconcileRequest(pending(), { nowMs: fx.now() })), fx.now());
    const firstLaunches = await countedLaunches();
    expect(firstLaunches).toHaveLength(createVms(first).length);

    // More pods: the next plan launches more, and its commit fails at the manifest.
    fx.advance(15_000);
    const more = (): Snapshot => snapshot({ takenAtMs: fx.now(), nodeGroups: [nodeGroup({ name: 'workers', maxNodes: 20 })], pods: snapPods(12, 'web', { cpu: '500m', memory: '512Mi', unschedulableSinceMs: fx.now() - 60_000 }) });
    const failed = failOnce(adapter, { update: (expression) => expression.includes(MANIFEST_ATTRIBUTE) });
    const response = await fx.fetch(reconcileRequest(more(), { nowMs: fx.now() }));
    expect(failed()).toBe(true);
    expect(response.status).toBe(500);
    expect((await launchItems(adapter)).length).toBeGreaterThan(firstLaunches.length);
    const state = await fx.deps.table.clusters.load(TEST_CLUSTER_ID);
    expect(state.planning.operations.map((op) => op.id).sort()).toEqual([...firstLaunches].sort());
    // Nor is that plan replayed to the same request body (its record overwrote the first plan's, and is not believed).
    expect(state.lastPlan).toBeUndefined();

    fx.advance(15_000);
    const next = await readPlan(await fx.fetch(reconcileRequest(more(), { nowMs: fx.now() })), fx.now());
    expect(createVms(next).length).toBeGreaterThanOrEqual(1);
    const counted = await countedLaunches();
    expect(counted).toEqual(expect.arrayContaining(firstLaunches));
    expect(counted).toHaveLength(firstLaunches.length + createVms(next).length);
  });
});
