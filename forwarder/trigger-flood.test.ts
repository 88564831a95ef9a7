import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SnapshotBuilder } from '../shared/compact/snapshot-builder.ts';
import { FakeClock } from '../test/forwarder/fake-clock.ts';
import { startFakeFunctions, type FakeFunctions } from '../test/forwarder/fake-functions.ts';
import { BATCHER_DEFAULTS, ReconcileBatcher } from './batcher.ts';
import { Delivery } from './delivery/delivery.ts';
import type { Executor } from './executor/executor.ts';
import { startHttpServer, type ForwarderHttpServer } from './http-server.ts';
import { ForwarderMetrics } from './metrics.ts';
import { ReconcileLoop } from './reconcile-loop.ts';
import { encodeSnapshotObject } from './snapshot.ts';
import { silentLogger } from './util/logger.ts';

// A flood of POST /trigger (real HTTP, real bearer check) against the real batcher and reconcile loop,
// delivering real signed snapshots to a fake functions endpoint: the number of reconciles the
// functions see is bounded by the trigger interval, whatever the number of triggers. Time is the
// injected fake clock (started at the wall clock so the signatures' timestamps pass).

const clusterId = 'c1';
const signingKey = 'trigger-flood-signing-key-0123456789';
const triggerToken = 'trigger-flood-token-0123';

let fake: FakeFunctions;
let server: ForwarderHttpServer;
let batcher: ReconcileBatcher;
let loop: ReconcileLoop;
let clock: FakeClock;

beforeEach(async () => {
  fake = await startFakeFunctions({ clusterId, signingKey });
  clock = new FakeClock(Date.now());
  const delivery = new Delivery({ functionsUrl: fake.url, clusterId, signingKey, clock, maxAttempts: 1 });
  loop = new ReconcileLoop({
    clock,
    logger: silentLogger,
    batcher: () => batcher,
    delivery,
    executor: {} as Executor, // the fake's plans carry no commands: nothing to execute
    isLeader: () => true,
    isSynced: () => true,
    buildSnapshot: async ({ lastFencingToken }) =>
      encodeSnapshotObject(new SnapshotBuilder({ clusterId, forwarder: { id: 'fwd-1', version: 'test', dryRun: false, lastFencingToken }, takenAtMs: clock.now(), synced: true }).build()),
    listVms: async () => [],
    listOfferings: async () => [],
    onFencingToken: () => {},
  });
  batcher = new ReconcileBatcher({ clock, onFire: (reasons) => loop.trigger(reasons) });
  server = await startHttpServer({
    host: '127.0.0.1', port: 0, triggerPort: 0, registry: new ForwarderMetrics({ defaultMetrics: false }).registry,
    healthy: () => true, ready: () => ({ ready: true, detail: {} }), triggerToken, onTrigger: () => batcher.now('webhook'),
  });
});
afterEach(async () => {
  batcher.stop();
  await loop.stop();
  await server.close();
  await fake.stop();
});

const trigger = () => fetch(`${server.triggerUrl}/trigger`, { method: 'POST', headers: { authorization: `Bearer ${triggerToken}` } });

describe('a flood of POST /trigger', () => {
  it('464 triggers in 5 s make 2 reconciles (one at once, the rest coalesced 5 s later), not one each', async () => {
    const stepMs = 10; // one trigger every 10 ms: 464 in 4.64 s
    const floodMs = 464 * stepMs;
    let accepted = 0;
    for (let i = 0; i < 464; i++) {
      if ((await trigger()).status === 202) accepted++;
      await clock.advanceAsync(stepMs, stepMs);
    }
    expect(accepted).toBe(464);
    await clock.advanceAsync(1_500, 50); // past the 5 s mark, well before the 30 s heartbeat
    await loop.idle();
    expect(fake.refusals).toEqual([]);
    expect(fake.snapshots).toHaveLength(2);
    expect(loop.reconciles).toBe(2);
    const bound = 1 + Math.ceil((floodMs + 1_500) / BATCHER_DEFAULTS.webhookMinIntervalMs);
    expect(fake.snapshots.length).toBeLessThanOrEqual(bound);
  });

  it('serves /trigger on its own port only, so a NetworkPolicy can admit it from selected sources', async () => {
    expect(server.triggerUrl).not.toBe(server.url);
    const onMain = await fetch(`${server.url}/trigger`, { method: 'POST', headers: { authorization: `Bearer ${triggerToken}` } });
    expect(onMain.status).toBe(404);
    expect((await fetch(`${server.triggerUrl}/metrics`)).status).toBe(404);
    expect((await trigger()).status).toBe(202);
  });
});
