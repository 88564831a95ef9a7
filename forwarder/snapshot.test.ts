import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { parseWireSnapshot } from '../shared/compact/wire.ts';
import type { KubeHttp } from './kube/kube-http.ts';
import { encodeSnapshot } from './snapshot.ts';
import { silentLogger } from './util/logger.ts';
import { ClusterCache } from './watch/cluster-cache.ts';

function cacheWith(pods: number) {
  const cache = new ClusterCache({
    http: {} as KubeHttp, namespace: 'ns', logger: silentLogger,
    triggers: { unschedulablePod: () => {}, nodeGroupChanged: () => {}, nodePressure: () => {} },
    listerFor: () => async () => ({ items: [], resourceVersion: '1' }),
    watcherFor: () => async () => ({ abort: () => {} }),
  });
  cache.nodes.upsert({ metadata: { name: 'n1', labels: { zone: 'zürich-1' } }, status: { allocatable: { cpu: '4', memory: '8Gi', pods: '110' } } }, 'list');
  cache.nodeGroups.upsert({ metadata: { name: 'workers', namespace: 'ns', generation: 2 }, spec: { maxNodes: 3, note: 'x'.repeat(100_000) } }, 'list');
  for (let i = 0; i < pods; i++) {
    cache.pods.upsert({
      metadata: { name: `web-${i}`, namespace: 'ns', labels: { app: `web-${i % 7}`, owner: 'jürgen' }, creationTimestamp: '2024-01-01T00:00:00Z' },
      spec: { nodeName: 'n1', containers: [{ name: 'c', image: 'x', resources: { requests: { cpu: `${100 + (i % 7)}m` } } }] },
      status: { phase: 'Running' },
    }, 'list');
  }
  return cache;
}

describe('encodeSnapshot', () => {
  it('streams a valid gzip snapshot with every pod pointing at its shared shape', async () => {
    const cache = cacheWith(5_000);
    const encoded = await encodeSnapshot(cache, {
      clusterId: 'c1', forwarder: { id: 'f', version: 'test', dryRun: false, lastFencingToken: 3 }, takenAtMs: 1,
      offerings: [], vms: null, results: [{ commandId: 'a', planId: 'p', kind: 'emitEvent', outcome: 'succeeded', atMs: 1 }],
    });
    const raw = gunzipSync(encoded.body);
    expect(raw.length).toBe(encoded.rawBytes);
    const snapshot = parseWireSnapshot(JSON.parse(raw.toString('utf8')));
    expect(encoded.format).toBe('v2');
    expect(snapshot.pods).toHaveLength(5_000);
    expect(snapshot.podShapes).toHaveLength(7);
    expect(snapshot.podShapes[snapshot.pods[8]!.shape]!.labels).toEqual({ app: 'web-1', owner: 'jürgen' });
    expect(snapshot.pods[8]).toMatchObject({ namespace: 'ns', name: 'web-8', nodeName: 'n1', phase: 'Running' });
    expect(snapshot.nodes[0]!.labels.zone).toBe('zürich-1');
    expect(snapshot.results).toHaveLength(1);
    expect(snapshot.vms).toBeNull();
    expect(snapshot.forwarder.lastFencingToken).toBe(3);
  });

  it('encodes an empty cluster', async () => {
    const cache = cacheWith(0);
    const encoded = await encodeSnapshot(cache, { clusterId: 'c1', forwarder: { id: 'f', version: 't', dryRun: true, lastFencingToken: 0 }, takenAtMs: 1, offerings: [], vms: [], results: [] });
    expect(parseWireSnapshot(JSON.parse(gunzipSync(encoded.body).toString())).pods).toEqual([]);
  });

  it('streams the same snapshot in v1, for functions that read only v1', async () => {
    const cache = cacheWith(300);
    const meta = { clusterId: 'c1', forwarder: { id: 'f', version: 't', dryRun: false, lastFencingToken: 0 }, takenAtMs: Date.UTC(2026, 0, 1, 0, 0, 0, 250), offerings: [], vms: [], results: [] };
    const read = async (format: 'v1' | 'v2') => JSON.parse(gunzipSync((await encodeSnapshot(cache, { ...meta, format })).body).toString()) as { version: string; pods: unknown };
    const [v1, v2] = [await read('v1'), await read('v2')];
    expect(v1.version).toBe('v1');
    expect(Array.isArray(v1.pods)).toBe(true);
    expect(v2.version).toBe('v2');
    expect(parseWireSnapshot(v2)).toEqual(parseWireSnapshot(v1));
  });
});
