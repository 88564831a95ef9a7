import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SnapshotBuilder } from '../../shared/compact/snapshot-builder.ts';
import type { Command } from '../../shared/plan-message.ts';
import { startFakeFunctions, type FakeFunctions } from '../../test/forwarder/fake-functions.ts';
import { encodeSnapshotObject } from '../snapshot.ts';
import { systemClock } from '../util/clock.ts';
import { Delivery } from './delivery.ts';

const clusterId = 'c1';
const signingKey = 'test-signing-key-0123456789';

function snapshot(lastFencingToken = 0) {
  return encodeSnapshotObject(snapshotObject(lastFencingToken));
}

function snapshotObject(lastFencingToken: number) {
  return new SnapshotBuilder({ clusterId, forwarder: { id: 'fwd-1', version: 'test', dryRun: false, lastFencingToken }, takenAtMs: Date.now(), synced: true })
    .addNode({ metadata: { name: 'n1', labels: { a: 'b' } }, status: { allocatable: { cpu: '2', memory: '4Gi', pods: '110' } } })
    .build();
}

const event: Command = {
  id: 'ev-1', kind: 'emitEvent', reason: 'test', message: 'hello', type: 'Normal', eventReason: 'Test',
  involved: { kind: 'NodeGroup', namespace: 'default', name: 'workers' },
};

describe('Delivery', () => {
  let fake: FakeFunctions;
  let delivery: Delivery;
  beforeEach(async () => {
    fake = await startFakeFunctions({ clusterId, signingKey });
    delivery = new Delivery({ functionsUrl: fake.url, clusterId, signingKey, backoff: { initialMs: 1, maxMs: 5 }, maxAttempts: 3 });
  });
  afterEach(() => fake.stop());

  it('sends a gzip, signed snapshot and returns the verified plan', async () => {
    fake.answers.push({ status: 200, commands: [event], fencingToken: 7 });
    const outcome = await delivery.deliver(snapshot(), 0);
    expect(fake.refusals).toEqual([]);
    expect(fake.snapshots).toHaveLength(1);
    expect(fake.snapshots[0]!.nodes[0]!.name).toBe('n1');
    expect(outcome).toMatchObject({ kind: 'plan', attempts: 1, plan: { fencingToken: 7, commands: [event] } });
    if (outcome.kind === 'plan') expect(outcome.requestBytes).toBeLessThan(outcome.rawBytes);
  });

  it('verifies a gzip-compressed plan over the compressed bytes', async () => {
    fake.answers.push({ status: 200, commands: [event], gzip: true });
    expect(await delivery.deliver(snapshot(), 0)).toMatchObject({ kind: 'plan', plan: { commands: [event] } });
  });

  it('retries 5xx and 429, each attempt signed afresh', async () => {
    fake.answers.push({ status: 503 }, { status: 429 }, { status: 200 });
    const outcome = await delivery.deliver(snapshot(), 0);
    expect(outcome).toMatchObject({ kind: 'plan', attempts: 3 });
    expect(fake.refusals).toEqual([]); // no replayed nonce
    expect(fake.snapshots).toHaveLength(3);
  });

  it('reports unreachable after the last attempt', async () => {
    fake.answers.push({ hangUp: true }, { hangUp: true }, { hangUp: true });
    expect(await delivery.deliver(snapshot(), 0)).toMatchObject({ kind: 'unreachable', attempts: 3 });
  });

  it('reports unreachable when nothing listens', async () => {
    await fake.stop();
    const nowhere = new Delivery({ functionsUrl: fake.url, clusterId, signingKey, backoff: { initialMs: 1, maxMs: 2 }, maxAttempts: 2 });
    expect(await nowhere.deliver(snapshot(), 0)).toMatchObject({ kind: 'unreachable', attempts: 2 });
    fake = await startFakeFunctions({ clusterId, signingKey });
  });

  it('returns busy with Retry-After on 409 (lease held), without retrying', async () => {
    fake.answers.push({ status: 409, retryAfterSeconds: 7 });
    expect(await delivery.deliver(snapshot(), 0)).toEqual({ kind: 'busy', retryAfterMs: 7_000, attempts: 1 });
    expect(fake.snapshots).toHaveLength(1);
  });

  it('reads an HTTP-date Retry-After against its own clock, and ignores a malformed one', async () => {
    // A clock one minute behind the wall: the date is 30 s ahead of it (and 30 s in the wall's past).
    const nowMs = Math.floor(Date.now() / 1000) * 1000 - 60_000;
    const behind = { ...systemClock, now: () => nowMs };
    const lagging = new Delivery({ functionsUrl: fake.url, clusterId, signingKey, clock: behind, maxAttempts: 1 });
    fake.answers.push({ status: 409, retryAfter: new Date(nowMs + 30_000).toUTCString() }, { status: 409, retryAfter: 'soon' });
    expect(await lagging.deliver(snapshot(), 0)).toEqual({ kind: 'busy', retryAfterMs: 30_000, attempts: 1 });
    expect(await lagging.deliver(snapshot(), 0)).toEqual({ kind: 'busy', retryAfterMs: 5_000, attempts: 1 }); // the default wait
  });

  it('does not retry a 400', async () => {
    fake.answers.push({ status: 400, body: 'invalid snapshot' });
    expect(await delivery.deliver(snapshot(), 0)).toMatchObject({ kind: 'rejected', status: 400, attempts: 1 });
  });

  it('is refused by the functions when its key is wrong', async () => {
    const wrong = new Delivery({ functionsUrl: fake.url, clusterId, signingKey: 'another-key', maxAttempts: 1 });
    expect(await wrong.deliver(snapshot(), 0)).toMatchObject({ kind: 'rejected', status: 401 });
    expect(fake.refusals[0]).toMatch(/bad-signature/);
  });

  it('refuses a plan whose body does not match its signature', async () => {
    fake.answers.push({ status: 200, commands: [event], tamper: true });
    expect(await delivery.deliver(snapshot(), 0)).toMatchObject({ kind: 'refused', reason: 'signature' });
  });

  it('refuses a plan whose fencing token is older than one already executed', async () => {
    fake.answers.push({ status: 200, commands: [event], fencingToken: 4 });
    expect(await delivery.deliver(snapshot(5), 5)).toMatchObject({ kind: 'refused', reason: 'stale-fencing-token', plan: { fencingToken: 4 } });
    fake.answers.push({ status: 200, fencingToken: 5 });
    expect(await delivery.deliver(snapshot(5), 5)).toMatchObject({ kind: 'plan' });
  });

  it('refuses a plan for another cluster', async () => {
    fake.answers.push({ status: 200, clusterId: 'c2' });
    expect(await delivery.deliver(snapshot(), 0)).toMatchObject({ kind: 'refused', reason: 'wrong-cluster' });
  });

  it('signs the path of a functions URL with a stage prefix', async () => {
    const staged = new Delivery({ functionsUrl: `${fake.url}/prod/`, clusterId, signingKey, maxAttempts: 1 });
    expect(staged.signedPath).toBe('/prod/v1/reconcile');
  });
});
