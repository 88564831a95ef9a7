import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toWire } from '../shared/compact/wire.ts';
import { startDynamo, type Dynamo } from '../test/harness/dynamo.ts';
import { nodeGroup, snapNode, snapPods, snapshot } from '../test/fixtures/snapshot-builders.ts';
import { functionsFixture, readPlan, reconcileRequest } from '../test/functions/fixture.ts';
import { plan } from './planning/plan.ts';
import type { Planner } from './reconcile.ts';

// The decompressed snapshot's limit comes from the function's memory (AWS_LAMBDA_FUNCTION_MEMORY_SIZE,
// 1/64 of it: http/body-limits.ts), not from a fixed 6 MiB: a snapshot over the limit is a 413 that
// names the limit and how to raise it, plans nothing and writes nothing (but the request's nonce,
// as every signed refusal: refusals.int.test.ts); one under it is planned, even above 6 MiB.

const MIB = 1024 * 1024;
let dynamo: Dynamo;
let plannerCalls = 0;
const countingPlanner: Planner = (...args) => {
  plannerCalls += 1;
  return plan(...args);
};

beforeAll(async () => {
  dynamo = await startDynamo({ tableName: 'functions-snapshot-limit' });
});
afterAll(async () => dynamo?.stop());

/** A valid snapshot of about `bytes` as JSON: a node carries a long label (it compresses to almost nothing). */
function snapshotOfSize(bytes: number, takenAtMs: number) {
  const padded = snapNode({ name: 'w-1', group: 'workers', labels: { padding: 'p'.repeat(bytes) } });
  return snapshot({ takenAtMs, nodes: [padded], nodeGroups: [nodeGroup({ name: 'workers' })], pods: snapPods(3, 'web', { node: 'w-1' }) });
}

function gzipRequest(body: unknown, nowMs: number): Request {
  const request = reconcileRequest(new Uint8Array(gzipSync(JSON.stringify(body))), { nowMs });
  request.headers.set('content-encoding', 'gzip');
  return request;
}

const nonNonce = (items: unknown[]) => items.filter((item) => !String(item).includes('"pk":{"S":"nonce#'));

describe('the decompressed snapshot limit', () => {
  it('refuses a snapshot over 1/64 of the memory with a 413 naming the limit, planning and writing nothing', async () => {
    const fx = await functionsFixture(dynamo, { planner: countingPlanner, config: { functionMemoryMb: 128 } });
    expect(fx.deps.bodyLimits.maxSnapshotBytes).toBe(2 * MIB);
    const before = await fx.scan();
    plannerCalls = 0;
    const response = await fx.fetch(gzipRequest(toWire(snapshotOfSize(3 * MIB, fx.now())), fx.now()));
    const body = (await response.json()) as Record<string, unknown>;
    expect(response.status).toBe(413);
    expect(body).toMatchObject({ error: 'payload-too-large', limit: 'decompressed-snapshot', limitBytes: 2 * MIB });
    expect(body.message).toContain('128 MB');
    expect(body.message).toContain('AWS_LAMBDA_FUNCTION_MEMORY_SIZE');
    expect(body.message).toContain('VPSIE_AUTOSCALER_MAX_SNAPSHOT_BYTES');
    expect(plannerCalls).toBe(0);
    expect(nonNonce(await fx.scan())).toEqual(nonNonce(before));
  });

  it('plans a snapshot above the old fixed 6 MiB when the memory allows it', async () => {
    const fx = await functionsFixture(dynamo, { planner: countingPlanner, config: { functionMemoryMb: 512 } });
    plannerCalls = 0;
    const s = snapshotOfSize(7 * MIB, fx.now());
    expect(JSON.stringify(toWire(s)).length).toBeGreaterThan(7 * MIB);
    const response = await fx.fetch(gzipRequest(toWire(s), fx.now()));
    expect((await readPlan(response, fx.now())).clusterId).toBe(s.clusterId);
    expect(plannerCalls).toBe(1);
  });

  it('takes VPSIE_AUTOSCALER_MAX_SNAPSHOT_BYTES over the memory, and names it', async () => {
    const fx = await functionsFixture(dynamo, { planner: countingPlanner, config: { functionMemoryMb: 1024, maxSnapshotBytes: 2 * MIB } });
    plannerCalls = 0;
    const response = await fx.fetch(gzipRequest(toWire(snapshotOfSize(3 * MIB, fx.now()), 'v1'), fx.now()));
    const body = (await response.json()) as Record<string, unknown>;
    expect(response.status).toBe(413);
    expect(body).toMatchObject({ limit: 'decompressed-snapshot', limitBytes: 2 * MIB });
    expect(body.message).toContain('VPSIE_AUTOSCALER_MAX_SNAPSHOT_BYTES');
    expect(plannerCalls).toBe(0);
  });

  it('refuses an uncompressed body over the limit too', async () => {
    const fx = await functionsFixture(dynamo, { planner: countingPlanner, config: { maxSnapshotBytes: MIB } });
    plannerCalls = 0;
    const response = await fx.fetch(reconcileRequest(snapshotOfSize(2 * MIB, fx.now()), { nowMs: fx.now() }));
    expect(response.status).toBe(413);
    expect(await response.json()).toMatchObject({ limit: 'decompressed-snapshot', limitBytes: MIB });
    expect(plannerCalls).toBe(0);
  });

  it('reads both wire formats: v2 from this forwarder, v1 from one not yet upgraded', async () => {
    const fx = await functionsFixture(dynamo, { planner: countingPlanner });
    for (const format of ['v1', 'v2'] as const) {
      const s = snapshot({ takenAtMs: fx.now(), nodes: [snapNode({ name: 'w-1', group: 'workers' })], nodeGroups: [nodeGroup({ name: 'workers' })], pods: snapPods(4, 'web', { node: 'w-1' }) });
      const response = await fx.fetch(gzipRequest(toWire(s, format), fx.now()));
      expect((await readPlan(response, fx.now())).clusterId, format).toBe(s.clusterId);
      fx.advance(1_000);
    }
  });
});
