import { gunzipSync } from 'node:zlib';
import { parseWireSnapshot } from '../../shared/compact/wire.ts';
import type { Offering, Snapshot } from '../../shared/snapshot.ts';
import { encodeSnapshot } from '../../forwarder/snapshot.ts';
import type { KubeHttp } from '../../forwarder/kube/kube-http.ts';
import { silentLogger } from '../../forwarder/util/logger.ts';
import { ClusterCache } from '../../forwarder/watch/cluster-cache.ts';

// The forwarder's real cache on the test control plane, and the snapshot it would send (encoded,
// decoded and validated exactly as the functions receive it).

export function startCache(http: KubeHttp, namespace: string): ClusterCache {
  const cache = new ClusterCache({
    http,
    namespace,
    logger: silentLogger,
    triggers: { unschedulablePod: () => {}, nodeGroupChanged: () => {}, nodePressure: () => {} },
  });
  cache.start();
  return cache;
}

export async function snapshotOf(cache: ClusterCache, o: { clusterId: string; offerings: Offering[] }): Promise<Snapshot> {
  const encoded = await encodeSnapshot(cache, {
    clusterId: o.clusterId,
    forwarder: { id: 'fwd-test', version: 'test', dryRun: false, lastFencingToken: 0 },
    takenAtMs: Date.now(),
    offerings: o.offerings,
    vms: [],
    results: [],
  });
  return parseWireSnapshot(JSON.parse(gunzipSync(encoded.body).toString('utf8')));
}
