import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startDynamo, type Dynamo } from '../../test/harness/dynamo.ts';
import type { LaunchOperation, PlanningState } from '../planning/types.ts';
import { FencingTokenError, LeaseHeldError, LeaseLostError, MAX_FENCING_TOKEN_JUMP } from './lease.ts';
import type { LastPlanRecord } from './cluster-records.ts';
import { createStateTable, type StateTable } from './state-table.ts';
import { ConditionFailedError } from './table-adapter.ts';

// The table rules against a real DynamoDB-compatible server (dynalite), with a controlled clock.

let dynamo: Dynamo;
let nowMs: number;
let table: StateTable;
let tableCounter = 0;

beforeAll(async () => {
  dynamo = await startDynamo({ tableName: 'state-table-rules' });
});
afterAll(async () => dynamo?.stop());
beforeEach(() => {
  nowMs = 1_700_000_000_000;
  // A fresh cluster id per test keeps tests apart on one table.
  tableCounter++;
  table = createStateTable({ client: dynamo.client, tableName: dynamo.tableName, clock: () => nowMs, leaseMs: 30_000 });
});
const cluster = () => `c${tableCounter}`;

function launch(id: string, overrides: Partial<LaunchOperation> = {}): LaunchOperation {
  return {
    id, kind: 'launch', nodeGroup: 'default/workers', hostname: `c-workers-${id}`, offeringId: 'o1', status: 'launching',
    createdAtMs: nowMs, updatedAtMs: nowMs, launchDeadlineMs: nowMs + 300_000, registrationDeadlineMs: nowMs + 900_000, ...overrides,
  };
}

function lastPlan(planId: string, fencingToken: number): LastPlanRecord {
  return { planId, fencingToken, issuedAtMs: nowMs, forwarderId: 'fw', requestSha256: 'abc', commandCount: 0, decisions: [] };
}
const contact = { lastContactMs: 0, forwarderId: 'fw', forwarderVersion: '1', nextContactAfterMs: 0, lastPlanId: 'p', lastSnapshotTakenAtMs: 0 };

describe('cluster lease', () => {
  it('increases the fencing token on every acquisition, also for the same owner', async () => {
    const first = await table.leases.acquire(cluster(), 'a');
    expect(first.fencingToken).toBe(1);
    expect(first.leaseUntilMs).toBe(nowMs + 30_000);
    const again = await table.leases.acquire(cluster(), 'a');
    expect(again.fencingToken).toBe(2);
    expect(await table.leases.release(again)).toBe(true);
    const next = await table.leases.acquire(cluster(), 'b');
    expect(next.fencingToken).toBe(3);
  });

  it('refuses a second owner while the lease runs, with a retry hint', async () => {
    await table.leases.acquire(cluster(), 'a');
    const error = await table.leases.acquire(cluster(), 'b').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LeaseHeldError);
    expect((error as LeaseHeldError).retryAfterMs).toBeGreaterThanOrEqual(1_000);
    expect((error as LeaseHeldError).leaseUntilMs).toBe(nowMs + 30_000);
  });

  it('lets an expired lease be taken over; the old holder can then neither confirm nor release', async () => {
    const old = await table.leases.acquire(cluster(), 'a');
    nowMs += 30_001;
    const taken = await table.leases.acquire(cluster(), 'b');
    expect(taken.fencingToken).toBe(old.fencingToken + 1);
    await expect(table.leases.confirm(old)).rejects.toBeInstanceOf(LeaseLostError);
    expect(await table.leases.release(old)).toBe(false);
    expect((await table.leases.read(cluster()))?.owner).toBe('b');
  });

  it('hands the lease to exactly one of 20 concurrent acquirers', async () => {
    const results = await Promise.allSettled(Array.from({ length: 20 }, (_, i) => table.leases.acquire(cluster(), `owner-${i}`)));
    const won = results.filter((r) => r.status === 'fulfilled');
    expect(won).toHaveLength(1);
    expect(results.filter((r) => r.status === 'rejected' && r.reason instanceof LeaseHeldError)).toHaveLength(19);
  });

  it('raises the token above what the forwarder already executed (a recreated table restarts at 1)', async () => {
    const lease = await table.leases.acquire(cluster(), 'a');
    const raised = await table.leases.raiseAbove(lease, 41);
    expect(raised.fencingToken).toBe(42);
    expect(await table.leases.raiseAbove(raised, 3)).toBe(raised);
    await table.leases.release(raised);
    expect((await table.leases.acquire(cluster(), 'b')).fencingToken).toBe(43);
  });

  it('refuses a reported token far above the stored one, or past 2^52, and writes nothing', async () => {
    const first = await table.leases.acquire(cluster(), 'a');
    await table.leases.release(first);
    const lease = await table.leases.acquire(cluster(), 'a'); // token 2, the item existed before
    expect(lease.fencingToken).toBe(2);
    for (const reported of [2 + MAX_FENCING_TOKEN_JUMP, 2 ** 53 - 1, 2 ** 53, 2 ** 60, 2 ** 52, -1, 1.5]) {
      await expect(table.leases.raiseAbove(lease, reported), String(reported)).rejects.toBeInstanceOf(FencingTokenError);
    }
    expect((await table.leases.read(cluster()))?.fencingToken).toBe(2);
    // Just inside the bound it moves.
    expect((await table.leases.raiseAbove(lease, 1 + MAX_FENCING_TOKEN_JUMP)).fencingToken).toBe(2 + MAX_FENCING_TOKEN_JUMP);
  });

  it('on a new table (no lease item yet) raises up to 2^52 − 1 and hands out exact tokens past 2^52', async () => {
    const lease = await table.leases.acquire(cluster(), 'a');
    expect(lease.previous).toBeUndefined();
    const raised = await table.leases.raiseAbove(lease, 2 ** 52 - 1);
    expect(raised.fencingToken).toBe(2 ** 52);
    await table.leases.release(raised);
    // 2^52 + 1 is still exact; the stored token, read back, equals it.
    const next = await table.leases.acquire(cluster(), 'b');
    expect(next.fencingToken).toBe(2 ** 52 + 1);
    expect((await table.leases.read(cluster()))?.fencingToken).toBe(2 ** 52 + 1);
  });

  it('clears an expired, unreleased lease in housekeeping but never a running one', async () => {
    await table.leases.acquire(cluster(), 'a');
    expect(await table.leases.clearExpired(cluster())).toBeUndefined();
    nowMs += 31_000;
    expect((await table.leases.clearExpired(cluster()))?.owner).toBe('a');
    const record = await table.leases.read(cluster());
    expect(record?.owner).toBeUndefined();
    expect(record?.fencingToken).toBe(1);
  });
});

describe('nonces', () => {
  it('accepts a nonce once until it expires (expiry checked in the condition, not by TTL)', async () => {
    expect(await table.nonces.remember(cluster(), 'n1', nowMs + 1_000)).toBe(true);
    expect(await table.nonces.remember(cluster(), 'n1', nowMs + 1_000)).toBe(false);
    expect(await table.nonces.remember(cluster(), 'n2', nowMs + 1_000)).toBe(true);
    nowMs += 1_001;
    expect(await table.nonces.remember(cluster(), 'n1', nowMs + 1_000)).toBe(true);
  });

  it('keeps the nonce in the TTL attribute in seconds and its expiry in milliseconds', async () => {
    await table.nonces.remember(cluster(), 'n1', nowMs + 1_000);
    const item = await table.adapter.get({ pk: `nonce#${cluster()}#n1`, sk: 'nonce' });
    expect(item?.expiresAtMs).toBe(nowMs + 1_000);
    expect(item?.ttl).toBe(Math.ceil((nowMs + 1_000) / 1000) + 60);
  });

  it('lets exactly one of 8 racing uses of one nonce through', async () => {
    const results = await Promise.all(Array.from({ length: 8 }, () => table.nonces.remember(cluster(), 'n', nowMs + 5_000)));
    expect(results.filter(Boolean)).toHaveLength(1);
    expect(await table.nonces.remember(cluster(), 'n', nowMs + 5_000)).toBe(false);
  });
});

describe('planning state', () => {
  const state = (): PlanningState => ({
    groups: { 'default/workers': { consecutiveFailures: 0, lastScaleUpMs: nowMs } },
    nodes: { 'w-1': { underusedSinceMs: nowMs }, 'w-2': {} },
    operations: [launch('op-1'), launch('op-2')],
    seenResults: ['cmd-1'],
  });

  it('round-trips through commit and load, writing only what changed', async () => {
    const lease = await table.leases.acquire(cluster(), 'a');
    const loaded = await table.clusters.load(cluster());
    expect(loaded.planning).toEqual({ groups: {}, nodes: {}, operations: [] });
    const first = await table.clusters.commit({ lease, loaded, next: state(), contact, lastPlan: lastPlan('p1', lease.fencingToken) });
    expect(first.itemsWritten).toBe(2 + 2 + 1 + 1 + 1 + 1); // ops, nodes, group, rest (seenResults), contact, plan

    const reloaded = await table.clusters.load(cluster());
    expect(reloaded.planning).toEqual(state());
    expect(reloaded.lastPlan?.planId).toBe('p1');
    const second = await table.clusters.commit({ lease, loaded: reloaded, next: state(), contact, lastPlan: lastPlan('p2', lease.fencingToken) });
    expect(second.itemsWritten).toBe(2); // contact + plan
  });

  it('removal-safety: a commit that fails before its manifest counts for nothing; the next one repairs the items', async () => {
    const lease1 = await table.leases.acquire(cluster(), 'a');
    await table.clusters.commit({ lease: lease1, loaded: await table.clusters.load(cluster()), next: state(), contact, lastPlan: lastPlan('p1', lease1.fencingToken) });
    await table.leases.release(lease1);

    // Commit 2 changes op-1, archives op-2, adds op-3, changes the group and seenResults, then the
    // manifest write (the lease update naming it) fails.
    const lease2 = await table.leases.acquire(cluster(), 'b');
    const changed = state();
    changed.operations = [launch('op-1', { status: 'registering', vmIdentifier: 'vm-1' }), launch('op-3')];
    changed.groups['default/workers'] = { consecutiveFailures: 2, backoffUntilMs: nowMs + 600_000 };
    changed.seenResults = ['cmd-1', 'cmd-2'];
    const update = table.adapter.update.bind(table.adapter);
    table.adapter.update = async (key, request) => {
      if (request.update.includes('committedGz')) throw new Error('injected: the store failed');
      return update(key, request);
    };
    await expect(table.clusters.commit({ lease: lease2, loaded: await table.clusters.load(cluster()), next: changed, contact, lastPlan: lastPlan('p2', lease2.fencingToken) })).rejects.toThrow('injected');
    table.adapter.update = update;
    await table.leases.release(lease2);

    const after = await table.clusters.load(cluster());
    expect(after.planning).toEqual(state());
    expect(after.lastPlan).toBeUndefined(); // p2 is not replayed

    // Commit 3 changes nothing, yet rewrites what commit 2 left, so the items show what counts again.
    const lease3 = await table.leases.acquire(cluster(), 'c');
    await table.clusters.commit({ lease: lease3, loaded: after, next: state(), contact, lastPlan: lastPlan('p3', lease3.fencingToken) });
    const items = await table.adapter.queryPartition(`cluster#${cluster()}`);
    const op = (id: string) => items.find((item) => item.sk === `op#${id}`);
    expect(JSON.parse(String(op('op-1')?.data))).toEqual(launch('op-1'));
    expect(op('op-2')?.archivedAtMs).toBeUndefined();
    expect(op('op-3')?.archivedAtMs).toBeDefined();
    expect((await table.clusters.load(cluster())).planning).toEqual(state());
  });

  it('archives operations that leave the state and deletes node timers that do', async () => {
    const lease = await table.leases.acquire(cluster(), 'a');
    await table.clusters.commit({ lease, loaded: await table.clusters.load(cluster()), next: state(), contact, lastPlan: lastPlan('p1', 1) });
    const next = state();
    next.operations = [launch('op-2')];
    delete next.nodes['w-2'];
    await table.clusters.commit({ lease, loaded: await table.clusters.load(cluster()), next, contact, lastPlan: lastPlan('p2', 1) });

    const reloaded = await table.clusters.load(cluster());
    expect(reloaded.planning.operations.map((o) => o.id)).toEqual(['op-2']);
    expect(Object.keys(reloaded.planning.nodes)).toEqual(['w-1']);
    const archived = await table.adapter.get({ pk: `cluster#${cluster()}`, sk: 'op#op-1' });
    expect(archived?.archivedAtMs).toBe(nowMs);
    expect(archived?.ttl).toBe(Math.ceil((nowMs + 7 * 24 * 3_600_000) / 1000));
  });

  it('increments the group version and refuses a write from a stale version', async () => {
    const lease = await table.leases.acquire(cluster(), 'a');
    await table.clusters.commit({ lease, loaded: await table.clusters.load(cluster()), next: state(), contact, lastPlan: lastPlan('p1', 1) });
    const stale = await table.clusters.load(cluster());
    const changed = state();
    changed.groups['default/workers']!.consecutiveFailures = 1;
    await table.clusters.commit({ lease, loaded: await table.clusters.load(cluster()), next: changed, contact, lastPlan: lastPlan('p2', 1) });
    expect((await table.adapter.get({ pk: `cluster#${cluster()}`, sk: 'ng#default/workers' }))?.version).toBe(2);

    const other = state();
    other.groups['default/workers']!.consecutiveFailures = 7;
    await expect(table.clusters.commit({ lease, loaded: stale, next: other, contact, lastPlan: lastPlan('p3', 1) })).rejects.toBeInstanceOf(ConditionFailedError);
  });

  it('refuses to persist for a lost lease and writes nothing', async () => {
    const old = await table.leases.acquire(cluster(), 'a');
    const loaded = await table.clusters.load(cluster());
    nowMs += 31_000;
    await table.leases.acquire(cluster(), 'b');
    const before = await table.adapter.queryPartition(`cluster#${cluster()}`);
    await expect(table.clusters.commit({ lease: old, loaded, next: state(), contact, lastPlan: lastPlan('p1', old.fencingToken) })).rejects.toBeInstanceOf(LeaseLostError);
    expect(await table.adapter.queryPartition(`cluster#${cluster()}`)).toEqual(before);
  });

  it('never lets an older fencing token overwrite an item a newer lease wrote', async () => {
    const old = await table.leases.acquire(cluster(), 'a');
    const oldLoaded = await table.clusters.load(cluster());
    nowMs += 31_000;
    const newer = await table.leases.acquire(cluster(), 'b');
    await table.clusters.commit({ lease: newer, loaded: await table.clusters.load(cluster()), next: state(), contact, lastPlan: lastPlan('p2', newer.fencingToken) });
    // The old holder passed confirm() before it lost the lease, then stalled: its item writes must fail.
    const op = launch('op-1', { status: 'failed' });
    await expect(
      table.adapter.put({ pk: `cluster#${cluster()}`, sk: 'op#op-1', data: JSON.stringify(op), fencingToken: old.fencingToken }, {
        condition: 'attribute_not_exists(#pk) OR #fencingToken <= :token', values: { ':token': old.fencingToken },
      }),
    ).rejects.toBeInstanceOf(ConditionFailedError);
    expect(oldLoaded.planning.operations).toEqual([]);
  });
});

describe('trigger flag', () => {
  it('is kept when a newer trigger arrived after the reconcile read it', async () => {
    const seen = await table.triggers.request(cluster());
    nowMs += table.triggers.minIntervalMs; // the next one the rate limit admits
    const newer = await table.triggers.request(cluster());
    expect(newer.requestedAtMs).toBe(seen.requestedAtMs);
    expect(newer.count).toBe(2);
    expect(await table.triggers.consume(cluster(), seen)).toBe(false);
    expect(await table.triggers.consume(cluster(), newer)).toBe(true);
    expect((await table.clusters.load(cluster())).trigger).toBeUndefined();
  });
});
