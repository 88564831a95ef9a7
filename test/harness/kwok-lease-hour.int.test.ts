import { CoordinationV1Api, CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kwokNode } from './builders.ts';
import { startControlPlane, type ControlPlane } from './control-plane.ts';
import { waitFor } from './wait-for.ts';

// The hour-long hold, clock-accelerated (issue 21, "Must show"): a control plane of its own whose
// node lifecycle runs 20 × faster than the shared harness's, with the same proportions:
//
//                         shared harness     here (÷ 20)
//   node-monitor-grace    50 s (default)     2.5 s
//   kwok Lease duration   40 s               2 s       (0.8 of the grace period in both)
//   kwok Lease renewal    10 s (duration/4)  0.5 s     (kwok renews at a quarter of the duration)
//   node-monitor-period   1 s                0.5 s     (only ÷ 2: 5 checks per grace period here, 50 there;
//                                                       fewer checks can only miss a stale Lease, not invent one)
//
// 72 grace periods are held (72 × 2.5 s = 180 s): what one hour is on the shared harness
// (3600 s / 50 s = 72). A healthy kwok Node must stay Ready throughout with no NodeNotReady Event.
// Then kwok is paused: the same controller must mark the Node NotReady within a few grace periods,
// which shows the hold watched a live, accelerated lifecycle controller (the test could fail).
// Its own control plane, because a 2.5 s grace period on the shared one would turn every other
// test's Nodes NotReady.

const SPEEDUP = 20;
const GRACE_MS = 50_000 / SPEEDUP;
const GRACE_PERIODS = 72;
const HOLD_MS = GRACE_PERIODS * GRACE_MS;
const POLL_MS = 500;

let cp: ControlPlane | undefined;
let core: CoreV1Api;
let coordination: CoordinationV1Api;

beforeAll(async () => {
  cp = await startControlPlane({ nodeLifecycle: { monitorGracePeriod: `${GRACE_MS}ms`, monitorPeriod: '500ms', leaseDurationSeconds: 40 / SPEEDUP } });
  const kc = new KubeConfig();
  kc.loadFromFile(cp.kubeconfigPath);
  core = kc.makeApiClient(CoreV1Api);
  coordination = kc.makeApiClient(CoordinationV1Api);
}, 180_000);

afterAll(async () => {
  if (cp?.pids['kwok']) {
    try {
      process.kill(cp.pids['kwok'], 'SIGCONT');
    } catch {
      // already gone
    }
  }
  await cp?.stop();
});

describe('kwok node leases, an hour-long hold at 20 × speed', () => {
  it(`a healthy kwok Node stays Ready for ${GRACE_PERIODS} grace periods (an hour of the harness's), then turns NotReady once kwok stops renewing`, async () => {
    const name = 'hold-node';
    await core.createNode({ body: kwokNode({ name }) });
    const readyOf = async () => (await core.readNode({ name })).status?.conditions?.find((c) => c.type === 'Ready');
    await waitFor(async () => ((await readyOf())?.status === 'True' ? true : undefined), { timeoutMs: 60_000, description: `node ${name} Ready` });
    const lease = await waitFor(() => coordination.readNamespacedLease({ namespace: 'kube-node-lease', name }).catch(() => undefined), { timeoutMs: 30_000, description: 'its Lease' });
    expect(lease.spec?.leaseDurationSeconds).toBe(2);

    const notReadyAt: number[] = [];
    const renewals = new Set<string>();
    const startedMs = Date.now();
    while (Date.now() - startedMs < HOLD_MS) {
      const ready = await readyOf();
      if (ready?.status !== 'True') notReadyAt.push(Date.now() - startedMs);
      const renewed = await coordination.readNamespacedLease({ namespace: 'kube-node-lease', name });
      renewals.add(String(renewed.spec?.renewTime));
      await new Promise((resolve) => setTimeout(resolve, POLL_MS)); // sampling a real controller's output, not waiting for a clock
    }
    expect(notReadyAt).toEqual([]);
    const ready = (await readyOf())!;
    expect(new Date(ready.lastTransitionTime as unknown as string).getTime()).toBeLessThan(startedMs);
    expect((await core.listNamespacedEvent({ namespace: 'default', fieldSelector: `involvedObject.name=${name}` })).items.filter((e) => e.reason === 'NodeNotReady')).toEqual([]);
    // Renewed all along: at least one distinct renewTime per grace period (sampled).
    expect(renewals.size).toBeGreaterThanOrEqual(GRACE_PERIODS);

    // The control: no renewals → the accelerated lifecycle controller notices within a few grace periods.
    process.kill(cp!.pids['kwok']!, 'SIGSTOP');
    const pausedMs = Date.now();
    await waitFor(async () => ((await readyOf())?.status !== 'True' ? true : undefined), { timeoutMs: 10 * GRACE_MS, description: `node ${name} NotReady after kwok stopped` });
    expect(Date.now() - pausedMs).toBeLessThan(10 * GRACE_MS);
  }, HOLD_MS + 120_000);
});
