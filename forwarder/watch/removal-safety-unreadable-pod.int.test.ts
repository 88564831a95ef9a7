import { describe, expect, it } from 'vitest';
import { startCache } from '../../test/forwarder/cache-snapshot.ts';
import { createIsolatedNode, ISOLATED, planForNode } from '../../test/forwarder/isolated-node.ts';
import { useHarness, waitFor } from '../../test/harness/context.ts';
import { loadKubeAuth } from '../kube/kube-auth.ts';
import { KubeHttp } from '../kube/kube-http.ts';

// removal-safety (issue 14, item 3): a pod the forwarder cannot compact used to be dropped from the
// cache, so its node looked empty and was removed with the pod on it. Here a real pod whose memory
// request the API server accepts (7 EiB) but the forwarder cannot represent exactly sits, without a
// controller, on an otherwise empty managed node: the snapshot carries it as unknown and the planner
// keeps the node; once the pod is gone the same node is removed (the block is the pod, nothing else).


describe('removal-safety: unreadable pods fail closed', () => {
  it('keeps the node of a pod the forwarder cannot read, and removes it once the pod is gone', async () => {
    const h = useHarness();
    const { ns, group, nodeName } = await createIsolatedNode(h, { namespace: 'rsunread', nodePrefix: 'test-rs' });
    await h.core.createNamespacedPod({
      namespace: ns,
      body: {
        metadata: { name: 'huge' },
        spec: { nodeName, tolerations: [{ ...ISOLATED, operator: 'Exists' }], containers: [{ name: 'c', image: 'registry.k8s.io/pause:3.10', resources: { requests: { memory: '7Ei' } } }] },
      },
    });

    const http = new KubeHttp(await loadKubeAuth(h.info.kubeconfigPath));
    const cache = startCache(http, ns);
    const planFor = planForNode(cache, nodeName);
    try {
      // compactErrors counts the pod's failed compaction (the old cache counted it too, then dropped the pod).
      await waitFor(() => cache.synced && cache.nodes.items.has(nodeName) && cache.nodeGroup(ns, group) !== undefined && cache.compactErrors > 0,
        { timeoutMs: 30_000, description: 'the cache holds the node and the group, and has met the pod' });
      expect(cache.pods.items.has(`${ns}/huge`)).toBe(false);

      const held = await planFor();
      expect(held.removed).toEqual([]);
      expect(held.kept).toMatchObject({ reason: 'unreadable-pod', message: expect.stringContaining(`${ns}/huge`) });
      expect(held.snapshot.synced).toBe(true); // the pod's node is known: only that node is held
      expect(held.snapshot.unknownPods).toEqual([{ namespace: ns, name: 'huge', nodeName, reason: expect.stringContaining('too large') }]);
      expect(held.snapshot.freshness?.pods).toMatchObject({ fresh: true, unreadable: 1 });

      // Control: without the pod the same node is empty and goes.
      await h.core.deleteNamespacedPod({ namespace: ns, name: 'huge', gracePeriodSeconds: 0 });
      await waitFor(async () => (await planFor()).snapshot.unknownPods === undefined, { timeoutMs: 30_000, description: 'the pod gone from the snapshot' });
      const freed = await planFor();
      expect(freed.snapshot.unknownPods).toBeUndefined();
      expect(freed.removed).toEqual([nodeName]);
    } finally {
      await cache.stop();
      http.close();
    }
  });
});
