import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startFakeFunctions, type FakeFunctions } from '../test/forwarder/fake-functions.ts';
import { command, ensureNodeGroupCrd, newClusterId, SIGNING_KEY, startTestForwarder, type TestForwarderOptions } from '../test/forwarder/fixture.ts';
import { startStallProxy } from '../test/forwarder/stall-proxy.ts';
import { useHarness, waitFor, type Harness } from '../test/harness/context.ts';
import { loadKubeAuth } from './kube/kube-auth.ts';
import { KubeHttp } from './kube/kube-http.ts';
import { FENCING_TOKEN_ANNOTATION, LeaderElector } from './leader.ts';
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

  it('removal-safety: a leader whose renewal hangs stops leading within renewDeadline, before the standby can take over', async () => {
    // Replica A reaches the API server through a loopback proxy that will stall (connections open,
    // nothing answered: a hung request); B talks to it directly. Short timings keep the test brief.
    const timings = { leaseDurationMs: 6_000, renewDeadlineMs: 3_000, retryPeriodMs: 500 };
    const lease = 'split-brain';
    const auth = await loadKubeAuth(h.info.kubeconfigPath);
    const proxy = await startStallProxy(auth.server);
    const viaProxy = new KubeHttp({ ...auth, server: proxy.url });
    const direct = new KubeHttp(auth);
    const a = new LeaderElector({ kube: viaProxy, namespace: ns, leaseName: lease, identity: 'replica-a', ...timings });
    const b = new LeaderElector({ kube: direct, namespace: ns, leaseName: lease, identity: 'replica-b', ...timings });
    try {
      a.start();
      await waitFor(() => a.isLeader, { timeoutMs: 10_000, intervalMs: 20, description: 'replica-a leads' });
      b.start();
      // Two renewals go through the proxy after B has started watching the Lease.
      const renewed = async () => {
        const object = await direct.request<{ spec?: { renewTime?: string } }>({ method: 'GET', path: `/apis/coordination.k8s.io/v1/namespaces/${ns}/leases/${lease}` });
        return Date.parse(object.spec?.renewTime ?? '');
      };
      const first = await renewed();
      await waitFor(async () => (await renewed()) !== first, { timeoutMs: 5_000, intervalMs: 50, description: 'a renewal' });

      proxy.stall();
      const stalledAtMs = Date.now();
      // The last renewal that landed: its renewTime is A's clock at the start of that request.
      let lastRenewMs = await renewed();
      let aStoppedAtMs: number | undefined;
      let bLeadsAtMs: number | undefined;
      let bothLeading = 0;
      await waitFor(async () => {
        const nowMs = Date.now();
        const [aLeads, bLeads] = [a.isLeader, b.isLeader];
        if (aLeads && bLeads) bothLeading += 1;
        if (!aLeads && aStoppedAtMs === undefined) {
          aStoppedAtMs = nowMs;
          // A renewal may have landed between the first read and the stall.
          lastRenewMs = await renewed();
        }
        if (bLeads && bLeadsAtMs === undefined) bLeadsAtMs = nowMs;
        return bLeadsAtMs !== undefined;
      }, { timeoutMs: 20_000, intervalMs: 10, description: 'replica-b takes over' });

      expect(bothLeading).toBe(0);
      expect(aStoppedAtMs).toBeDefined();
      expect(aStoppedAtMs!).toBeLessThan(bLeadsAtMs!);
      // Bounded by the renew deadline from the last successful renewal (3 s, plus polling and
      // scheduling slack), well before the 6 s lease could have expired for B.
      const stoppedAfterRenewMs = aStoppedAtMs! - lastRenewMs;
      console.log(`split brain: A stopped leading ${stoppedAfterRenewMs} ms after its last renewal (${aStoppedAtMs! - stalledAtMs} ms after the stall); B led ${bLeadsAtMs! - lastRenewMs} ms after it`);
      expect(stoppedAfterRenewMs).toBeLessThanOrEqual(timings.renewDeadlineMs + 300);
      expect(stoppedAfterRenewMs).toBeLessThan(timings.leaseDurationMs);
      expect(bLeadsAtMs! - lastRenewMs).toBeGreaterThanOrEqual(timings.leaseDurationMs - 500);
    } finally {
      proxy.restore();
      await Promise.all([a.stop({ release: false }), b.stop({ release: false })]);
      viaProxy.close();
      direct.close();
      await proxy.close();
    }
  });
});
