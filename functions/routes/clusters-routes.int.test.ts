import { describe, expect, it } from 'vitest';
import { signMessage } from '../../shared/signing.ts';
import { nodeGroup, snapPods, snapshot, TEST_CLUSTER_ID } from '../../test/fixtures/snapshot-builders.ts';
import { useFunctionsFixture, OTHER_CLUSTER, OTHER_SIGNING_KEY, readPlan, reconcileRequest, SIGNING_KEY, STATUS_TOKEN, TRIGGER_TOKEN, type FunctionsFixture } from '../../test/functions/fixture.ts';
import { launchingPlanner } from '../../test/functions/launching-planner.ts';

// Trigger, status and health routes against dynalite.

let fx: FunctionsFixture;
useFunctionsFixture('functions-cluster-routes', { planner: launchingPlanner }, (fixture) => {
  fx = fixture;
});

const url = (path: string) => `http://functions.local${path}`;
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
const reconcileOnce = async () =>
  readPlan(await fx.fetch(reconcileRequest(snapshot({ takenAtMs: fx.now(), nodeGroups: [nodeGroup({ name: 'workers' })], pods: snapPods(1, 'web') }), { nowMs: fx.now() })), fx.now());

describe('GET /healthz', () => {
  it('answers ok without touching the table', async () => {
    const response = await fx.fetch(new Request(url('/healthz')));
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: 'ok' });
    expect(response.headers.get('x-request-id')).toBeTruthy();
  });

  it('answers unknown routes with a JSON 404', async () => {
    expect((await fx.fetch(new Request(url('/nope')))).status).toBe(404);
  });
});

describe('POST /v1/clusters/:id/trigger', () => {
  it('sets the flag and says when the next contact is expected', async () => {
    await reconcileOnce();
    fx.advance(5_000);
    const response = await fx.fetch(new Request(url(`/v1/clusters/${TEST_CLUSTER_ID}/trigger`), { method: 'POST', headers: bearer(TRIGGER_TOKEN) }));
    expect(response.status).toBe(202);
    const body = (await response.json()) as Record<string, unknown>;
    expect(body).toMatchObject({ clusterId: TEST_CLUSTER_ID, requestedAtMs: fx.now(), pendingTriggers: 1, expectedReconcileByMs: fx.now() - 5_000 + 30_000, basis: 'heartbeat' });
    expect((await fx.deps.table.clusters.load(TEST_CLUSTER_ID)).trigger).toMatchObject({ requestedAtMs: fx.now(), count: 1 });
    // The next contact consumes it and asks the forwarder to come straight back.
    const plan = await reconcileOnce();
    expect(plan.nextContactAfterMs).toBe(fx.now());
    expect((await fx.deps.table.clusters.load(TEST_CLUSTER_ID)).trigger).toBeUndefined();
  });

  it('answers a flood of 200 with 1 accepted per 5 s interval and 429 + Retry-After for the rest, writing nothing for those', async () => {
    await reconcileOnce();
    const trigger = () => fx.fetch(new Request(url(`/v1/clusters/${TEST_CLUSTER_ID}/trigger`), { method: 'POST', headers: bearer(TRIGGER_TOKEN) }));
    const statuses = async (count: number) => {
      const responses = await Promise.all(Array.from({ length: count }, trigger));
      return { accepted: responses.filter((r) => r.status === 202).length, limited: responses.filter((r) => r.status === 429), all: responses };
    };
    const first = await statuses(200);
    expect(first.accepted).toBe(1);
    expect(first.limited).toHaveLength(199);
    for (const response of first.limited) expect(response.headers.get('retry-after')).toBe('5');
    expect(await first.limited[0]!.json()).toMatchObject({ error: 'rate-limited', retryAfterMs: 5_000 });
    expect((await fx.deps.table.clusters.load(TEST_CLUSTER_ID)).trigger).toMatchObject({ count: 1 });

    // Still inside the interval (4.999 s later): refused, nothing written.
    fx.advance(4_999);
    const before = await fx.scan();
    expect((await statuses(20)).accepted).toBe(0);
    expect(await fx.scan()).toEqual(before);

    // The interval has passed: exactly one more of the next 200.
    fx.advance(1);
    expect((await statuses(200)).accepted).toBe(1);
    expect((await fx.deps.table.clusters.load(TEST_CLUSTER_ID)).trigger).toMatchObject({ count: 2 });
  });

  it('keeps the limit when a reconcile consumed the flag in between', async () => {
    await reconcileOnce();
    const trigger = () => fx.fetch(new Request(url(`/v1/clusters/${TEST_CLUSTER_ID}/trigger`), { method: 'POST', headers: bearer(TRIGGER_TOKEN) }));
    expect((await trigger()).status).toBe(202);
    fx.advance(1_000);
    await reconcileOnce();
    expect((await fx.deps.table.clusters.load(TEST_CLUSTER_ID)).trigger).toBeUndefined();
    expect((await trigger()).status).toBe(429);
  });

  it('limits each cluster on its own', async () => {
    const trigger = (cluster: string, token: string) => fx.fetch(new Request(url(`/v1/clusters/${cluster}/trigger`), { method: 'POST', headers: bearer(token) }));
    expect((await trigger(TEST_CLUSTER_ID, TRIGGER_TOKEN)).status).toBe(202);
    expect((await trigger(OTHER_CLUSTER, 'trigger-token-of-the-other-cluster')).status).toBe(202);
    expect((await trigger(TEST_CLUSTER_ID, TRIGGER_TOKEN)).status).toBe(429);
  });

  it('says so when no forwarder has called yet', async () => {
    const response = await fx.fetch(new Request(url(`/v1/clusters/${TEST_CLUSTER_ID}/trigger`), { method: 'POST', headers: bearer(TRIGGER_TOKEN) }));
    expect(await response.json()).toMatchObject({ expectedReconcileByMs: null, basis: 'never-contacted' });
  });

  it('refuses a missing or wrong token, another cluster\'s token and an unknown cluster alike — writing nothing', async () => {
    await reconcileOnce();
    const before = await fx.scan();
    for (const [cluster, headers] of [
      [TEST_CLUSTER_ID, {}],
      [TEST_CLUSTER_ID, bearer('wrong-token-wrong-token')],
      [OTHER_CLUSTER, bearer(TRIGGER_TOKEN)],
      ['unknown', bearer(TRIGGER_TOKEN)],
    ] as const) {
      const response = await fx.fetch(new Request(url(`/v1/clusters/${cluster}/trigger`), { method: 'POST', headers }));
      expect(response.status).toBe(401);
      expect(response.headers.get('www-authenticate')).toBe('Bearer');
    }
    expect(await fx.scan()).toEqual(before);
  });
});

describe('GET /v1/clusters/:id/status', () => {
  it('shows node groups, operations in flight, timers, the lease and the last decisions', async () => {
    const plan = await reconcileOnce();
    fx.advance(2_000);
    const response = await fx.fetch(new Request(url(`/v1/clusters/${TEST_CLUSTER_ID}/status`), { headers: bearer(STATUS_TOKEN) }));
    expect(response.status).toBe(200);
    const status = (await response.json()) as Record<string, any>;
    expect(status.clusterId).toBe(TEST_CLUSTER_ID);
    expect(status.lease).toEqual({ held: false, leaseUntilMs: 0, fencingToken: 1 });
    expect(status.forwarder).toMatchObject({ forwarderId: 'fwd-1', lastContactMs: fx.now() - 2_000, silentForMs: 2_000 });
    expect(status.nodeGroups).toEqual([{ name: 'default/workers', consecutiveFailures: 0, lastScaleUpMs: fx.now() - 2_000 }]);
    expect(status.operations).toHaveLength(1);
    expect(status.operations[0]).toMatchObject({ kind: 'launch', status: 'launching' });
    expect(status.lastPlan).toMatchObject({ planId: plan.planId, fencingToken: 1, commandCount: 1 });
    expect(status.lastPlan.decisions).toEqual(plan.decisions);
    expect(status.trigger).toEqual({ pending: false });
  });

  it('does not open the status to the trigger token, nor to a cluster without a status token', async () => {
    await reconcileOnce();
    const forbidden = await fx.fetch(new Request(url(`/v1/clusters/${TEST_CLUSTER_ID}/status`), { headers: bearer(TRIGGER_TOKEN) }));
    expect(forbidden.status).toBe(401);
    expect(await forbidden.text()).not.toContain('operations');
    // The other cluster has no status token: no bearer token reads its status, not even its trigger token.
    expect((await fx.fetch(new Request(url(`/v1/clusters/${OTHER_CLUSTER}/status`), { headers: bearer('trigger-token-of-the-other-cluster') }))).status).toBe(401);
  });

  it('accepts a signed GET from the cluster\'s forwarder key', async () => {
    await reconcileOnce();
    const path = `/v1/clusters/${TEST_CLUSTER_ID}/status`;
    const headers = signMessage({ key: SIGNING_KEY, clusterId: TEST_CLUSTER_ID, method: 'GET', path, body: '', nowMs: fx.now() });
    const response = await fx.fetch(new Request(url(path), { headers }));
    expect(response.status).toBe(200);
  });

  it('refuses a signed GET for another cluster (403) and a bad token (401)', async () => {
    const path = `/v1/clusters/${TEST_CLUSTER_ID}/status`;
    const headers = signMessage({ key: OTHER_SIGNING_KEY, clusterId: OTHER_CLUSTER, method: 'GET', path, body: '', nowMs: fx.now() });
    expect((await fx.fetch(new Request(url(path), { headers }))).status).toBe(403);
    expect((await fx.fetch(new Request(url(path), { headers: bearer('nope-nope-nope-nope') }))).status).toBe(401);
    expect((await fx.fetch(new Request(url(path)))).status).toBe(401);
  });
});
