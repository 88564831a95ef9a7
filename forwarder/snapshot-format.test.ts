import { afterEach, describe, expect, it } from 'vitest';
import { SnapshotBuilder } from '../shared/compact/snapshot-builder.ts';
import { startFakeFunctions, type FakeFunctions } from '../test/forwarder/fake-functions.ts';
import { Delivery } from './delivery/delivery.ts';
import { encodeSnapshotObject } from './snapshot.ts';

// A forwarder upgraded before its functions (or functions rolled back): they refuse format v2 with
// 400 and a problem at `version`; the forwarder then sends v1, and keeps autoscaling.

const clusterId = 'c1';
const signingKey = 'test-signing-key-0123456789';
const snapshot = () => new SnapshotBuilder({ clusterId, forwarder: { id: 'fwd-1', version: 'test', dryRun: false, lastFencingToken: 0 }, takenAtMs: Date.now(), synced: true })
  .addNode({ metadata: { name: 'n1' }, status: { allocatable: { cpu: '2', memory: '4Gi', pods: '110' } } })
  .addPod({ metadata: { name: 'web-1', namespace: 'default', creationTimestamp: '2026-01-01T00:00:00Z' }, spec: { nodeName: 'n1', containers: [] }, status: { phase: 'Running' } })
  .build();

describe('the snapshot format', () => {
  let fake: FakeFunctions;
  afterEach(() => fake?.stop());

  it('falls back to v1 when the functions read only v1, and is then planned', async () => {
    fake = await startFakeFunctions({ clusterId, signingKey, readsOnly: 'v1' });
    const delivery = new Delivery({ functionsUrl: fake.url, clusterId, signingKey, maxAttempts: 1 });
    expect(delivery.snapshotFormat.current).toBe('v2');
    expect(await delivery.deliver(encodeSnapshotObject(snapshot(), delivery.snapshotFormat.current), 0)).toMatchObject({ kind: 'rejected', status: 400 });
    expect(delivery.snapshotFormat.current).toBe('v1');
    expect(await delivery.deliver(encodeSnapshotObject(snapshot(), delivery.snapshotFormat.current), 0)).toMatchObject({ kind: 'plan' });
    expect(fake.snapshots.map((s) => s.pods.map((p) => p.name))).toEqual([['web-1']]);
  });

  it('stays on v2 when a 400 is about anything else', async () => {
    fake = await startFakeFunctions({ clusterId, signingKey });
    const delivery = new Delivery({ functionsUrl: fake.url, clusterId, signingKey, maxAttempts: 1 });
    fake.answers.push({ status: 400, body: JSON.stringify({ error: 'invalid', message: 'snapshot is invalid', problems: [{ path: 'pods.0.name', message: 'too short' }] }) });
    expect(await delivery.deliver(encodeSnapshotObject(snapshot()), 0)).toMatchObject({ kind: 'rejected', status: 400 });
    expect(delivery.snapshotFormat.current).toBe('v2');
    expect(await delivery.deliver(encodeSnapshotObject(snapshot()), 0)).toMatchObject({ kind: 'plan' });
    expect(fake.snapshots).toHaveLength(2);
  });
});
