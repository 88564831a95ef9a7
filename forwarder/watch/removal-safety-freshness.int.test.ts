import { describe, expect, it } from 'vitest';
import { API_GROUP, API_VERSION, INSTANCE_TYPE_LABEL, NODEGROUP_LABEL, NODEGROUP_PLURAL } from '../../shared/labels.ts';
import { runPlan } from '../../test/fixtures/plan-helpers.ts';
import { offering } from '../../test/fixtures/snapshot-builders.ts';
import { snapshotOf, startCache } from '../../test/forwarder/cache-snapshot.ts';
import { ensureNodeGroupCrd, newClusterId } from '../../test/forwarder/fixture.ts';
import { startStallProxy } from '../../test/forwarder/stall-proxy.ts';
import { kwokNode } from '../../test/harness/builders.ts';
import { randomSuffix, useHarness, waitFor } from '../../test/harness/context.ts';
import { loadKubeAuth } from '../kube/kube-auth.ts';
import { KubeHttp } from '../kube/kube-http.ts';

// removal-safety (issue 14, item 4): `synced` used to stay true forever after the first lists, through
// watch outages, so a planner holding destructive steps on `!synced` trusted a picture that had
// stopped updating. Here the forwarder's cache reaches the real API server through a loopback proxy;
// the proxy drops every connection and refuses new ones (an outage). While it is down the cache
// and the snapshot say not synced (per resource, with the age of the last event), a pod bound to an
// empty node meanwhile is invisible, and the planner removes nothing; once the proxy is back the
// cache relists/rewatches, sees the pod, and is synced again.

const ISOLATED = { key: 'removal-safety/isolated', effect: 'NoSchedule' } as const;

describe('removal-safety: freshness through a watch outage', () => {
  it('is not synced while the watches are down, so nothing is removed on the stale picture', async () => {
    const h = useHarness();
    await ensureNodeGroupCrd(h.kc);
    const ns = await h.newNamespace('rsfresh');
    const suffix = randomSuffix();
    const group = `rs-${suffix}`;
    const nodeName = `test-rsf-${suffix}`;
    await h.custom.createNamespacedCustomObject({
      group: API_GROUP, version: API_VERSION, namespace: ns, plural: NODEGROUP_PLURAL,
      body: { apiVersion: `${API_GROUP}/${API_VERSION}`, kind: 'NodeGroup', metadata: { name: group }, spec: { minNodes: 0, maxNodes: 5, datacenterID: 'dc1', offeringIDs: ['small'], osImageID: 'ubuntu-24' } },
    });
    await h.createKwokNode(kwokNode({ name: nodeName, labels: { [NODEGROUP_LABEL]: group, [INSTANCE_TYPE_LABEL]: 'small' }, taints: [ISOLATED] }));

    const auth = await loadKubeAuth(h.info.kubeconfigPath);
    const proxy = await startStallProxy(auth.server);
    const http = new KubeHttp({ ...auth, server: proxy.url });
    const cache = startCache(http, ns);
    const clusterId = newClusterId();
    const offerings = [offering({ identifier: 'small', cpu: 2, ramMiB: 4096 })];
    const planFor = async () => {
      const snapshot = await snapshotOf(cache, { clusterId, offerings });
      const result = runPlan(snapshot, { policy: { assumeWindowsElapsed: true }, nowMs: Date.now() });
      return { snapshot, removed: result.remove.map((r) => r.node).filter((n) => n === nodeName), kept: result.kept.find((k) => k.node === nodeName) };
    };
    try {
      await waitFor(() => cache.synced && cache.nodes.items.has(nodeName) && cache.nodeGroup(ns, group) !== undefined,
        { timeoutMs: 30_000, description: 'the cache holds the node and its group' });

      proxy.cut();
      const cutAtMs = Date.now();
      await waitFor(() => !cache.synced, { timeoutMs: 5_000, intervalMs: 10, description: 'the cache no longer synced' });
      const noticedMs = Date.now() - cutAtMs;
      // A pod without a controller is bound to the empty node while the watches are down.
      await h.core.createNamespacedPod({
        namespace: ns,
        body: { metadata: { name: 'lonely' }, spec: { nodeName, tolerations: [{ ...ISOLATED, operator: 'Exists' }], containers: [{ name: 'c', image: 'registry.k8s.io/pause:3.10' }] } },
      });
      // Every reflector tries again (after its backoff) and is refused: still down, not a blip.
      const refusedBefore = proxy.connections;
      await waitFor(() => proxy.connections >= refusedBefore + 16, { timeoutMs: 20_000, intervalMs: 20, description: 'two retries per watch refused' });
      expect(cache.synced).toBe(false);
      expect(cache.pods.items.has(`${ns}/lonely`)).toBe(false);

      const downForMs = Date.now() - cutAtMs;
      const stale = await planFor();
      expect(stale.snapshot.synced).toBe(false);
      for (const resource of ['pods', 'nodes', 'pdbs', 'daemonSets', 'nodeGroups'] as const) {
        expect(stale.snapshot.freshness?.[resource]?.fresh, resource).toBe(false);
        // Nothing has arrived since the outage began.
        expect(stale.snapshot.freshness?.[resource]?.lastEventAgeMs, resource).toBeGreaterThanOrEqual(downForMs);
      }
      // The node looks empty in the stale picture, but nothing is removed on it.
      expect(stale.removed).toEqual([]);
      expect(stale.kept?.reason).toBe('snapshot-not-synced');

      proxy.restore();
      await waitFor(() => cache.synced && cache.pods.items.has(`${ns}/lonely`), { timeoutMs: 45_000, description: 'synced again, with the pod' });
      const fresh = await planFor();
      expect(fresh.snapshot.synced).toBe(true);
      expect(fresh.removed).toEqual([]);
      expect(fresh.kept?.reason).toBe('not-replicated');
      console.log(`freshness: not synced ${noticedMs} ms after the outage began; synced again after it ended`);
    } finally {
      proxy.restore();
      await cache.stop();
      http.close();
      await proxy.close();
    }
  });
});
