import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startDynamo, type Dynamo } from '../test/harness/dynamo.ts';
import { nodeGroup, snapPods, snapshot, TEST_CLUSTER_ID } from '../test/fixtures/snapshot-builders.ts';
import { functionsFixture, OTHER_SIGNING_KEY, readPlan, reconcileRequest, SIGNING_KEY, type FunctionsFixture } from '../test/functions/fixture.ts';
import { launchingPlanner } from '../test/functions/launching-planner.ts';
import type { Planner } from './reconcile.ts';

// Every refusal answers its status and leaves the state exactly as it was (a full scan before and
// after). The table is not empty beforehand: one successful reconcile has written state, a lease
// record, a nonce and a last plan, so "unchanged" is a real check. The one write a refusal may make
// is the nonce of a correctly signed request: it is consumed so that the request cannot be re-sent.

let dynamo: Dynamo;
let fx: FunctionsFixture;
let explode = false;
const planner: Planner = (...args) => {
  if (explode) throw new Error(`database password hunter2 and key ${SIGNING_KEY} leaked into an error`);
  return launchingPlanner(...args);
};

beforeAll(async () => {
  dynamo = await startDynamo({ tableName: 'functions-refusals' });
});
afterAll(async () => dynamo?.stop());
beforeEach(async () => {
  explode = false;
  // Lambda's default memory (serverless.yml): the decompressed limit is 16 MiB (http/body-limits.ts).
  fx = await functionsFixture(dynamo, { planner, config: { functionMemoryMb: 1024 } });
  const first = await fx.fetch(reconcileRequest(current(), { nowMs: fx.now() }));
  expect((await readPlan(first, fx.now())).commands).toHaveLength(2);
  fx.advance(1_000);
});

const current = (takenAtMs = fx.now()) => snapshot({ takenAtMs, nodeGroups: [nodeGroup({ name: 'workers' })], pods: snapPods(2, 'web') });

/** fx.scan() gives each item as its DynamoDB JSON. */
const isNonce = (item: unknown) => String(item).includes('"pk":{"S":"nonce#');
const stateItems = async () => (await fx.scan()).filter((item) => !isNonce(item));
const nonceItems = async () => (await fx.scan()).filter(isNonce);

async function expectRefused(request: Request, status: number): Promise<Record<string, unknown>> {
  const before = await fx.scan();
  const response = await fx.fetch(request);
  const body = (await response.json()) as Record<string, unknown>;
  expect(response.status, JSON.stringify(body)).toBe(status);
  const after = await fx.scan();
  expect(after.filter((item) => !isNonce(item))).toEqual(before.filter((item) => !isNonce(item)));
  // At most the request's own nonce was added; none was changed or removed.
  expect(after.filter(isNonce).length - before.filter(isNonce).length).toBeLessThanOrEqual(1);
  expect(after.filter(isNonce)).toEqual(expect.arrayContaining(before.filter(isNonce)));
  return body;
}

/** The nonce item of `nonce`, if the table holds one. */
async function nonceItem(nonce: string): Promise<unknown> {
  return (await nonceItems()).find((item) => String(item).includes(`"pk":{"S":"nonce#${TEST_CLUSTER_ID}#${nonce}"}`));
}

describe('refusals change nothing', () => {
  it('401 without signature headers', async () => {
    const request = new Request('http://functions.local/v1/reconcile', { method: 'POST', body: JSON.stringify(current()) });
    const body = await expectRefused(request, 401);
    expect(body).toMatchObject({ error: 'unauthenticated', reason: 'missing' });
  });

  it('401 for a wrong key, and for a cluster that is not configured', async () => {
    expect(await expectRefused(reconcileRequest(current(), { nowMs: fx.now(), key: OTHER_SIGNING_KEY }), 401)).toMatchObject({ reason: 'bad-signature' });
    const stranger = snapshot({ clusterId: 'stranger', takenAtMs: fx.now() });
    expect(await expectRefused(reconcileRequest(stranger, { nowMs: fx.now() }), 401)).toMatchObject({ reason: 'bad-signature' });
  });

  it('401 for a body changed after signing', async () => {
    const tampered = reconcileRequest(current(), { nowMs: fx.now(), tamper: (b) => new TextEncoder().encode(new TextDecoder().decode(b).replace('"synced":true', '"synced":false')) });
    expect(await expectRefused(tampered, 401)).toMatchObject({ reason: 'bad-signature' });
  });

  it('401 for an old timestamp', async () => {
    expect(await expectRefused(reconcileRequest(current(), { nowMs: fx.now() - 301_000 }), 401)).toMatchObject({ reason: 'stale' });
  });

  it('401 for a reused nonce', async () => {
    const nonce = 'nonce-used-twice-0123456789';
    const once = await fx.fetch(reconcileRequest(current(), { nowMs: fx.now(), nonce }));
    expect(once.status).toBe(200);
    fx.advance(1_000);
    expect(await expectRefused(reconcileRequest(current(), { nowMs: fx.now(), nonce }), 401)).toMatchObject({ reason: 'replayed' });
  });

  it('400 for a body that is not JSON', async () => {
    const body = await expectRefused(reconcileRequest('{"version":', { nowMs: fx.now() }), 400);
    expect(body).toMatchObject({ error: 'invalid' });
    expect(JSON.stringify(body.problems)).toMatch(/not valid JSON/);
  });

  it('400 naming the failing path of a schema violation', async () => {
    const bad = JSON.parse(JSON.stringify(current())) as { pods: { createdAtMs: unknown }[] };
    bad.pods[1]!.createdAtMs = -5;
    const body = await expectRefused(reconcileRequest(JSON.stringify(bad), { nowMs: fx.now() }), 400);
    expect(body.problems).toEqual([expect.objectContaining({ path: 'pods.1.createdAtMs' })]);
  });

  it('400 for a lastFencingToken far above the stored token, or past the exact range', async () => {
    for (const reported of [2 ** 40, 1_000_002, 2 ** 53 - 1, 2 ** 53 + 2]) {
      const forged = JSON.parse(JSON.stringify(current())) as { forwarder: { lastFencingToken: number } };
      forged.forwarder.lastFencingToken = reported;
      const body = await expectRefused(reconcileRequest(JSON.stringify(forged), { nowMs: fx.now() }), 400);
      expect(JSON.stringify(body.problems), String(reported)).toContain('forwarder.lastFencingToken');
    }
    // The stored token did not move: the next honest reconcile gets token 2.
    expect((await readPlan(await fx.fetch(reconcileRequest(current(), { nowMs: fx.now() })), fx.now())).fencingToken).toBe(2);
  });

  it('400 for broken gzip', async () => {
    const request = reconcileRequest(new Uint8Array([0x1f, 0x8b, 1, 2, 3]), { nowMs: fx.now() });
    request.headers.set('content-encoding', 'gzip');
    // The signature covers the bytes, not the header, so this is a correctly signed broken body.
    await expectRefused(request, 400);
  });

  it('403 for a snapshot of another cluster than the one that signed', async () => {
    const other = snapshot({ clusterId: 'other', takenAtMs: fx.now() });
    await expectRefused(reconcileRequest(other, { nowMs: fx.now(), clusterId: TEST_CLUSTER_ID }), 403);
  });

  it('409 with Retry-After while another reconcile holds the lease', async () => {
    const lease = await fx.deps.table.leases.acquire(TEST_CLUSTER_ID, 'someone-else');
    const before = await stateItems();
    const response = await fx.fetch(reconcileRequest(current(), { nowMs: fx.now() }));
    expect(response.status).toBe(409);
    expect(Number(response.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(await response.json()).toMatchObject({ error: 'lease-held', leaseUntilMs: lease.leaseUntilMs });
    expect(await stateItems()).toEqual(before);
  });

  it('consumes the nonce of a request refused with 409: re-sent once the lease is free, it is a replay', async () => {
    const lease = await fx.deps.table.leases.acquire(TEST_CLUSTER_ID, 'someone-else');
    const nonce = 'refused-once-then-resent-0123';
    const snap = current();
    const first = await fx.fetch(reconcileRequest(snap, { nowMs: fx.now(), nonce }));
    expect(first.status).toBe(409);
    expect(await nonceItem(nonce)).toBeDefined();
    expect(await fx.deps.table.leases.release(lease)).toBe(true);
    fx.advance(2_000);
    // The very bytes and headers captured off the wire, 2 s later and well inside the 300 s skew window.
    const resent = await fx.fetch(reconcileRequest(snap, { nowMs: fx.now() - 2_000, nonce }));
    expect(resent.status).toBe(401);
    expect(await resent.json()).toMatchObject({ reason: 'replayed' });
  });

  it('consumes the nonce of a signed request refused with 400, but not of a forged one', async () => {
    const signedNonce = 'signed-but-invalid-012345';
    await expectRefused(reconcileRequest('{"version":', { nowMs: fx.now(), nonce: signedNonce }), 400);
    expect(await nonceItem(signedNonce)).toBeDefined();
    const forgedNonce = 'forged-with-other-key-0123';
    await expectRefused(reconcileRequest(current(), { nowMs: fx.now(), nonce: forgedNonce, key: OTHER_SIGNING_KEY }), 401);
    expect(await nonceItem(forgedNonce)).toBeUndefined();
  });

  it('413 for a body over 6 MiB, compressed or not, before any signature work', async () => {
    const big = new Uint8Array(6 * 1024 * 1024 + 1).fill(0x20);
    expect(await expectRefused(reconcileRequest(big, { nowMs: fx.now() }), 413)).toMatchObject({ error: 'payload-too-large' });
  });

  it('413 for a gzip bomb that inflates past the decompressed limit (1/64 of the memory: 16 MiB)', async () => {
    const bomb = new Uint8Array(gzipSync(Buffer.alloc(17 * 1024 * 1024, 0x20)));
    expect(bomb.byteLength).toBeLessThan(200_000);
    const request = reconcileRequest(bomb, { nowMs: fx.now() });
    request.headers.set('content-encoding', 'gzip');
    expect(await expectRefused(request, 413)).toMatchObject({ error: 'payload-too-large', limit: 'decompressed-snapshot', limitBytes: 16 * 1024 * 1024 });
  });

  it('415 for an encoding other than gzip', async () => {
    const request = reconcileRequest(current(), { nowMs: fx.now() });
    request.headers.set('content-encoding', 'br');
    await expectRefused(request, 415);
  });

  it('500 without secrets when planning fails — and the lease it took is rolled back', async () => {
    explode = true;
    const body = await expectRefused(reconcileRequest(current(), { nowMs: fx.now() }), 500);
    expect(body).toEqual({ error: 'internal', message: 'internal error', requestId: expect.any(String) });
    const text = JSON.stringify(body);
    expect(text).not.toContain('hunter2');
    expect(text).not.toContain(SIGNING_KEY);
    expect(fx.logs.some((line) => line.level === 'error' && JSON.stringify(line).includes('hunter2'))).toBe(true);
  });
});
