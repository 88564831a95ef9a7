import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startFakeFunctions, type FakeFunctions } from '../test/forwarder/fake-functions.ts';
import { command, ensureNodeGroupCrd, newClusterId, SIGNING_KEY, startTestForwarder, type TestForwarderOptions } from '../test/forwarder/fixture.ts';
import { useHarness, waitFor, type Harness } from '../test/harness/context.ts';
import { loadKubeAuth } from './kube/kube-auth.ts';
import { KubeHttp } from './kube/kube-http.ts';
import { FENCING_TOKEN_ANNOTATION } from './leader.ts';
import type { ForwarderHandle } from './main.ts';

// Two replicas on one Lease: one leads (delivers and executes), the other watches; kill the leader
// and the standby takes over, carrying on from the predecessor's fencing token.

const LEASE = 'vpsie-autoscaler-forwarder';

describe('leader election', () => {
  let h: Harness;
  let fake: FakeFunctions;
  let ns: string;
  let clusterId: string;
  const running: ForwarderHandle[] = [];

  const start = (identity: string, extra: Partial<TestForwarderOptions> = {}) =>
    startTestForwarder({
      namespace: ns, clusterId, fake, identity, kubeconfigPath: h.info.kubeconfigPath, heartbeatMs: 2_000,
      // production timings: lease 10 s, renew deadline 7 s, retry 2 s
      extra: { leaderElection: { enabled: true } },
      ...extra,
    }).then((f) => {
      running.push(f);
      return f;
    });

  beforeEach(async () => {
    h = useHarness();
    await ensureNodeGroupCrd(h.kc);
    ns = await h.newNamespace('lease');
    clusterId = newClusterId();
    fake = await startFakeFunctions({ clusterId, signingKey: SIGNING_KEY });
  });
  afterEach(async () => {
    await Promise.all(running.splice(0).map((f) => f.stop()));
    await fake.stop();
  });

  it('only the leader delivers; the standby takes over after the leader dies, from its fencing token', async () => {
    const a = await start('replica-a');
    await waitFor(() => a.isLeader(), { timeoutMs: 20_000, description: 'replica-a leads' });
    const b = await start('replica-b');
    await b.waitForSynced();

    // The leader executes a plan with fencing token 41; the token reaches the Lease.
    fake.answers.push({ status: 200, fencingToken: 41, commands: [command({ kind: 'emitEvent', involved: { kind: 'NodeGroup', namespace: ns, name: 'none' }, type: 'Normal', eventReason: 'Test', message: 'x' })] });
    a.trigger();
    await waitFor(async () => {
      const lease = await h.coordination.readNamespacedLease({ namespace: ns, name: LEASE });
      return lease.metadata?.annotations?.[FENCING_TOKEN_ANNOTATION] === '41';
    }, { timeoutMs: 20_000, description: 'fencing token 41 stored on the Lease' });

    expect((await h.coordination.readNamespacedLease({ namespace: ns, name: LEASE })).spec?.holderIdentity).toBe('replica-a');

    // A few heartbeats: every snapshot comes from the leader.
    const mark = fake.snapshots.length;
    await waitFor(() => fake.snapshots.length >= mark + 2, { timeoutMs: 20_000, description: 'two more heartbeats' });
    expect(new Set(fake.snapshots.map((s) => s.forwarder.id))).toEqual(new Set(['replica-a']));
    expect(b.isLeader()).toBe(false);

    const killedAtMs = Date.now();
    await a.crash(); // no Lease release: as if the process were killed
    await waitFor(() => b.isLeader(), { timeoutMs: 25_000, description: 'replica-b takes over' });
    const takeoverMs = Date.now() - killedAtMs;
    console.log(`leader failover: replica-b took over ${(takeoverMs / 1000).toFixed(1)} s after replica-a died (lease 10 s, retry 2 s)`);

    const fromB = await waitFor(() => fake.snapshots.find((s) => s.forwarder.id === 'replica-b'), { timeoutMs: 20_000, description: 'a snapshot from replica-b' });
    expect(fromB.forwarder.lastFencingToken).toBeGreaterThanOrEqual(41); // A executed 41 (and the empty heartbeat plans after it)
    const lease = await h.coordination.readNamespacedLease({ namespace: ns, name: LEASE });
    expect(lease.spec?.holderIdentity).toBe('replica-b');
    expect(lease.spec?.leaseTransitions).toBeGreaterThanOrEqual(1);

    // B refuses a plan older than what A executed.
    fake.answers.push({ status: 200, fencingToken: 40 });
    const count = fake.snapshots.length;
    b.trigger();
    await waitFor(() => fake.snapshots.length > count, { description: 'next snapshot from b' });
    await b.loop.idle();
    expect(b.loop.lastOutcome).toBe('refused');
  });

  it('a leader that stops gracefully hands the Lease over at once', async () => {
    const a = await start('replica-a');
    await waitFor(() => a.isLeader(), { timeoutMs: 20_000, description: 'replica-a leads' });
    const b = await start('replica-b');
    await b.waitForSynced();
    await a.stop();
    const lease = await h.coordination.readNamespacedLease({ namespace: ns, name: LEASE });
    expect(lease.spec?.holderIdentity ?? '').toBe('');
    await waitFor(() => b.isLeader(), { timeoutMs: 10_000, description: 'replica-b takes over the released Lease' });
  });

  it('writes acquireTime and renewTime with microsecond precision', async () => {
    const a = await start('replica-a');
    await waitFor(() => a.isLeader(), { timeoutMs: 20_000, description: 'replica-a leads' });
    const kube = new KubeHttp(await loadKubeAuth(h.info.kubeconfigPath));
    const { body } = await kube.requestRaw({ method: 'GET', path: `/apis/coordination.k8s.io/v1/namespaces/${ns}/leases/${LEASE}` });
    kube.close();
    expect(body).toMatch(/"renewTime":"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z"/);
    expect(body).toMatch(/"acquireTime":"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z"/);
  });
});
