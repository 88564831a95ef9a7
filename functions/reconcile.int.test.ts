import { describe, expect, it } from 'vitest';
import { nodeGroup, snapPods, snapshot, TEST_CLUSTER_ID } from '../test/fixtures/snapshot-builders.ts';
import { useFunctionsFixture, readPlan, reconcileRequest, type FunctionsFixture } from '../test/functions/fixture.ts';
import { launchingPlanner } from '../test/functions/launching-planner.ts';
import type { Snapshot } from '../shared/snapshot.ts';
import { REPLAYED_HEADER } from './routes/reconcile-route.ts';
import type { Lease } from './state/lease.ts';
import type { TableAdapter } from './state/table-adapter.ts';

// The reconcile path against a real DynamoDB-compatible server: signed plans, the lease under
// concurrency, fencing of a lost lease, retries that must not launch twice, the audit trail.

let fx: FunctionsFixture;
useFunctionsFixture('functions-reconcile', { planner: launchingPlanner }, (fixture) => {
  fx = fixture;
});

const pending = (count: number, overrides: Partial<Snapshot> = {}): Snapshot => ({
  ...snapshot({ takenAtMs: fx.now(), nodeGroups: [nodeGroup({ name: 'workers' })], pods: snapPods(count, 'web') }),
  ...overrides,
});

async function launches(): Promise<string[]> {
  const state = await fx.deps.table.clusters.load(TEST_CLUSTER_ID);
  return state.planning.operations.filter((op) => op.kind === 'launch').map((op) => op.id);
}

describe('POST /v1/reconcile', () => {
  it('answers a signed plan with command ids, the fencing token, decisions and the next contact', async () => {
    const response = await fx.fetch(reconcileRequest(pending(2), { nowMs: fx.now() }));
    const plan = await readPlan(response, fx.now());
    expect(plan).toMatchObject({ version: 'v1', clusterId: TEST_CLUSTER_ID, fencingToken: 1, planId: `${TEST_CLUSTER_ID}-1`, issuedAtMs: fx.now(), nextContactAfterMs: fx.now() + 30_000 });
    expect(plan.commands.map((c) => c.kind)).toEqual(['createVm', 'createVm']);
    expect(plan.decisions).toHaveLength(2);
    expect(response.headers.get(REPLAYED_HEADER)).toBe('false');
    expect(await launches()).toHaveLength(2);
    const contact = (await fx.deps.table.clusters.load(TEST_CLUSTER_ID)).contact;
    expect(contact).toMatchObject({ lastContactMs: fx.now(), forwarderId: 'fwd-1', lastPlanId: plan.planId, nextContactAfterMs: plan.nextContactAfterMs });
  });

  it('accepts a gzip body signed over its compressed bytes', async () => {
    const plan = await readPlan(await fx.fetch(reconcileRequest(pending(1), { nowMs: fx.now(), gzip: true })), fx.now());
    expect(plan.commands).toHaveLength(1);
  });

  it('raises the fencing token above the highest one the forwarder executed', async () => {
    const snap = pending(0);
    snap.forwarder = { ...snap.forwarder, lastFencingToken: 57 };
    expect((await readPlan(await fx.fetch(reconcileRequest(snap, { nowMs: fx.now() })), fx.now())).fencingToken).toBe(58);
  });

  it('logs every command and decision of a committed plan exactly once as one JSON audit line', async () => {
    const plan = await readPlan(await fx.fetch(reconcileRequest(pending(2), { nowMs: fx.now() })), fx.now());
    const all = fx.auditLines();
    const lines = all.filter((line) => line.type !== 'demand');
    expect(lines).toHaveLength(plan.commands.length + plan.decisions.length);
    // And one demand line (functions/audit-demand.ts): the pods the plan answered, by shape.
    const demand = all.filter((line) => line.type === 'demand') as unknown as { planId: string; shapes: { running: number; pending: number }[] }[];
    expect(demand.map((line) => line.planId)).toEqual([plan.planId]);
    expect(demand[0]!.shapes.reduce((sum, s) => sum + s.pending, 0)).toBe(2); // the two pending pods (one ReplicaSet each in this fixture)
    expect(demand[0]!.shapes.every((s) => s.running === 0)).toBe(true);
    const createVm = lines.find((line) => line.type === 'command');
    expect(createVm).toMatchObject({
      cluster: TEST_CLUSTER_ID, planId: plan.planId, fencingToken: 1, kind: 'createVm', commandId: plan.commands[0]!.id,
      target: expect.stringMatching(/^vm test-workers-/), nodeGroup: 'default/workers', reason: 'pending-pods',
      inputs: expect.objectContaining({ offeringId: 'small', datacenterID: 'dc1' }),
    });
    expect(lines.filter((line) => line.type === 'decision')[0]).toMatchObject({ kind: 'scale-up', reason: 'pending-pods', inputs: { pendingPods: 2, inFlight: 0 } });
  });
});

describe('the lease under concurrency', () => {
  it('20 concurrent reconciles of one cluster: one lease holder at a time, every one served in turn', async () => {
    // Observe the critical section: "inside" goes up when an acquisition returns and down before a
    // release is sent; the store only grants the next acquisition after that release is applied.
    let inside = 0;
    let maxInside = 0;
    const leases = fx.deps.table.leases;
    const acquire = leases.acquire.bind(leases);
    const release = leases.release.bind(leases);
    const rollback = leases.rollback.bind(leases);
    leases.acquire = async (...args: Parameters<typeof acquire>) => {
      const lease = await acquire(...args);
      maxInside = Math.max(maxInside, ++inside);
      return lease;
    };
    leases.release = async (lease: Lease) => { inside--; return release(lease); };
    leases.rollback = async (lease: Lease) => { inside--; return rollback(lease); };
    slowDown(fx.deps.table.adapter, 3);

    let refusals = 0;
    let snapshots = 0;
    const reconcileUntilServed = async () => {
      for (;;) {
        // Like a forwarder: every attempt sends a fresh snapshot (distinct bodies, increasing takenAtMs).
        const snap = pending(1, { takenAtMs: fx.now() + ++snapshots });
        const response = await fx.fetch(reconcileRequest(snap, { nowMs: fx.now() }));
        if (response.status === 200) return readPlan(response, fx.now());
        expect(response.status).toBe(409);
        // Held lease, or a snapshot overtaken by a newer one that was served first.
        expect(['lease-held', 'stale-snapshot']).toContain(((await response.json()) as { error: string }).error);
        refusals++;
        await new Promise((resolve) => setTimeout(resolve, 2 + Math.random() * 5));
      }
    };
    const plans = await Promise.all(Array.from({ length: 20 }, () => reconcileUntilServed()));

    expect(maxInside).toBe(1);
    expect(refusals).toBeGreaterThan(0);
    expect(plans.map((p) => p.fencingToken).sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    // Only the first saw no launch in flight: one pending pod, one launch in all.
    expect(plans.flatMap((p) => p.commands)).toHaveLength(1);
    expect(await launches()).toHaveLength(1);
    expect(fx.auditLines().filter((line) => line.type === 'command')).toHaveLength(1);
  });

  it('a plan made under a lost lease is refused by its fencing token: not persisted, not sent, not audited', async () => {
    // Request A stalls after loading state; meanwhile its lease runs out and request B reconciles.
    const adapter = fx.deps.table.adapter;
    const query = adapter.queryPartition.bind(adapter);
    let stalled = false;
    let bPlan: Awaited<ReturnType<typeof readPlan>> | undefined;
    adapter.queryPartition = async (...args) => {
      const items = await query(...args);
      if (!stalled) {
        stalled = true;
        fx.advance(31_000);
        const b = await fx.fetch(reconcileRequest(pending(1, { takenAtMs: fx.now() }), { nowMs: fx.now() }));
        bPlan = await readPlan(b, fx.now());
      }
      return items;
    };
    const a = await fx.fetch(reconcileRequest(pending(1), { nowMs: fx.now() }));

    expect(a.status).toBe(409);
    expect(await a.json()).toMatchObject({ error: 'conflict' });
    expect(bPlan?.fencingToken).toBe(2);
    expect(bPlan?.commands).toHaveLength(1);
    const state = await fx.deps.table.clusters.load(TEST_CLUSTER_ID);
    expect(state.planning.operations.map((op) => op.id)).toEqual([bPlan!.commands[0]!.operationId]);
    expect(state.lastPlan?.planId).toBe(bPlan!.planId);
    expect(fx.auditLines().every((line) => line.fencingToken === 2)).toBe(true);
  });

  it('a lease lost while the state was being written: the plan is not sent (the writes were fenced, the final check fails)', async () => {
    const adapter = fx.deps.table.adapter;
    const put = adapter.put.bind(adapter);
    adapter.put = async (item, options) => {
      await put(item, options);
      if (item.sk === 'plan') {
        // A stalls after its last write, past its lease; another reconcile takes the lease over.
        fx.advance(31_000);
        await fx.deps.table.leases.acquire(TEST_CLUSTER_ID, 'next-reconcile');
      }
    };
    const snap = pending(1);
    const response = await fx.fetch(reconcileRequest(snap, { nowMs: fx.now() }));
    expect(response.status).toBe(409);
    expect(await response.json()).toMatchObject({ error: 'conflict' });
    expect(fx.auditLines()).toEqual([]);
    // Nor is it replayed when the forwarder retries the same body.
    expect((await fx.deps.table.clusters.load(TEST_CLUSTER_ID)).lastPlan).toBeUndefined();
  });
});

describe('retries never double a command', () => {
  it('the same request body again (the answer was lost) gets the same plan, re-signed: same ids, no new launch, no new audit lines', async () => {
    const snap = pending(2);
    const first = await readPlan(await fx.fetch(reconcileRequest(snap, { nowMs: fx.now() })), fx.now());
    const auditCount = fx.auditLines().length;
    fx.advance(5_000);
    const response = await fx.fetch(reconcileRequest(snap, { nowMs: fx.now() })); // new nonce, same body
    const again = await readPlan(response, fx.now());
    expect(response.headers.get(REPLAYED_HEADER)).toBe('true');
    expect(again).toEqual(first);
    expect(await launches()).toHaveLength(2);
    expect(fx.auditLines()).toHaveLength(auditCount);
  });

  it('the same snapshot and results in a new request: the launches in flight count, nothing is launched again', async () => {
    const first = await readPlan(await fx.fetch(reconcileRequest(pending(2), { nowMs: fx.now() })), fx.now());
    fx.advance(30_000);
    const second = await readPlan(await fx.fetch(reconcileRequest(pending(2, { takenAtMs: fx.now() }), { nowMs: fx.now() })), fx.now());
    expect(first.commands).toHaveLength(2);
    expect(second.commands).toHaveLength(0);
    expect(second.fencingToken).toBeGreaterThan(first.fencingToken);
    expect(await launches()).toHaveLength(2);
  });

  it('replays only within the window: an old identical body is planned afresh (and still launches nothing twice)', async () => {
    const snap = pending(1);
    await fx.fetch(reconcileRequest(snap, { nowMs: fx.now() }));
    fx.advance(301_000);
    const response = await fx.fetch(reconcileRequest(snap, { nowMs: fx.now() }));
    expect(response.headers.get(REPLAYED_HEADER)).toBe('false');
    expect((await readPlan(response, fx.now())).commands).toHaveLength(0);
  });
});

describe('stale snapshots', () => {
  it('refuses a snapshot older than the one the last plan was made from (409), changing nothing', async () => {
    const older = pending(1);
    fx.advance(10_000);
    await readPlan(await fx.fetch(reconcileRequest(pending(1, { takenAtMs: fx.now() }), { nowMs: fx.now() })), fx.now());
    // Nothing but the request's nonce (consumed on refusals too, so it cannot be re-sent).
    const state = async () => (await fx.scan()).filter((item) => !String(item).includes('"pk":{"S":"nonce#'));
    const before = await state();
    const response = await fx.fetch(reconcileRequest(older, { nowMs: fx.now() }));
    expect(response.status).toBe(409);
    expect(await response.json()).toMatchObject({ error: 'stale-snapshot', lastSnapshotTakenAtMs: fx.now() });
    expect(await state()).toEqual(before);
  });
});

describe('trigger flag', () => {
  it('makes the next contact come straight back, once', async () => {
    await fx.fetch(reconcileRequest(pending(0), { nowMs: fx.now() }));
    await fx.deps.table.triggers.request(TEST_CLUSTER_ID);
    fx.advance(10_000);
    const triggered = await readPlan(await fx.fetch(reconcileRequest(pending(0, { takenAtMs: fx.now() }), { nowMs: fx.now() })), fx.now());
    expect(triggered.nextContactAfterMs).toBe(fx.now());
    fx.advance(1_000);
    const after = await readPlan(await fx.fetch(reconcileRequest(pending(0, { takenAtMs: fx.now() }), { nowMs: fx.now() })), fx.now());
    expect(after.nextContactAfterMs).toBe(fx.now() + 30_000);
  });
});

/** Adds latency to every store call, so concurrent requests really overlap. */
function slowDown(adapter: TableAdapter, ms: number): void {
  const sleep = () => new Promise((resolve) => setTimeout(resolve, ms));
  for (const method of ['get', 'put', 'update', 'updateReturningOld', 'delete', 'queryPartition'] as const) {
    const original = (adapter[method] as (...args: unknown[]) => Promise<unknown>).bind(adapter);
    (adapter as unknown as Record<string, unknown>)[method] = async (...args: unknown[]) => {
      await sleep();
      return original(...args);
    };
  }
}
