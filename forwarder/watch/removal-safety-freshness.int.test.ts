import { describe, expect, it } from 'vitest';
import { startCache } from '../../test/forwarder/cache-snapshot.ts';
import { createIsolatedNode, ISOLATED, planForNode } from '../../test/forwarder/isolated-node.ts';
import { startStallProxy } from '../../test/forwarder/stall-proxy.ts';
import { useHarness, waitFor } from '../../test/harness/context.ts';
import { loadKubeAuth } from '../kube/kube-auth.ts';
import { KubeHttp } from '../kube/kube-http.ts';

// removal-safety (issue 14, item 4): `synced` used to stay true forever after the first lists, through
// watch outages, so a planner holding destructive steps on `!synced` trusted a picture that had
// stopped updating. Here the forwarder's cache reaches the real API server through a loopback proxy;
// the proxy drops every connection and refuses new ones (an outage). While it is down the cache
// and the snapshot say not synced (per resource, with the age of the last event), a pod bound to an
// empty node meanwhile is invisible, and the planner removes nothing; once the proxy is back the
// cache relists/rewatches, sees the pod, and is synced again.


describe('removal-safety: freshness through a watch outage', () => {
  it('is not synced while the watches are down, so nothing is removed on the stale picture', async () => {
    const h = useHarness();
    const { ns, group, nodeName } = await createIsolatedNode(h, { namespace: 'rsfresh', nodePrefix: 'test-rsf' });

    const auth = await loadKubeAuth(h.info.kubeconfigPath);
    const proxy = await startStallProxy(auth.server);
    const http = new KubeHttp({ ...auth, server: proxy.url });
    const cache = startCache(http, ns);
    const planFor = planForNode(cache, nodeName);
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
