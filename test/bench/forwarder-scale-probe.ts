import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { getHeapStatistics } from 'node:v8';
import type { KubeHttp } from '../../forwarder/kube/kube-http.ts';
import { encodeSnapshot } from '../../forwarder/snapshot.ts';
import { silentLogger } from '../../forwarder/util/logger.ts';
import { ClusterCache } from '../../forwarder/watch/cluster-cache.ts';
import type { WireFormat } from '../../shared/compact/wire.ts';

// The forwarder's cache and snapshot encoder in a process of their own (bundled and run with the
// image's Node flags by forwarder-scale.ts): Kubernetes objects arrive on stdin as JSON lines, as a
// list would bring them, in pages of 500 (parsed, compacted, dropped); then snapshots are encoded as
// the reconcile loop does. Prints one JSON line of figures. What it leaves out of the real forwarder:
// the watches' sockets, the VPSie client, the HTTP server and metrics (a fixed ~10 MiB, measured
// against the full forwarder at 30,000 pods: forwarder-scale.ts), and the list's page-sized buffers.

const PAGE = 500;
const format = (process.argv[2] ?? 'v2') as WireFormat;
const snapshots = Number(process.argv[3] ?? 3);

function status(): { hwmMiB: number; rssMiB: number } {
  const text = readFileSync('/proc/self/status', 'utf8');
  const field = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+)`, 'm').exec(text)?.[1] ?? 0) / 1024;
  return { hwmMiB: field('VmHWM'), rssMiB: field('VmRSS') };
}

const cache = new ClusterCache({
  http: {} as KubeHttp, namespace: 'vpsie-system', logger: silentLogger,
  triggers: { unschedulablePod: () => {}, nodeGroupChanged: () => {}, nodePressure: () => {} },
  listerFor: () => async () => ({ items: [], resourceVersion: '1' }),
  watcherFor: () => async () => ({ abort: () => {} }),
});
const stores = { pod: cache.pods, node: cache.nodes, daemonSet: cache.daemonSets, nodeGroup: cache.nodeGroups } as const;

const startedMs = performance.now();
let page: string[] = [];
const flush = () => {
  for (const line of page) {
    const { kind, object } = JSON.parse(line) as { kind: keyof typeof stores; object: unknown };
    stores[kind].upsert(object, 'list');
  }
  page = [];
};
for await (const line of createInterface({ input: process.stdin, crlfDelay: Infinity })) {
  if (!line) continue;
  page.push(line);
  if (page.length >= PAGE) flush();
}
flush();
const listedMs = performance.now() - startedMs;
globalThis.gc?.();
const afterList = { ...status(), heapUsedMiB: process.memoryUsage().heapUsed / 1024 / 1024 };

const encodeMs: number[] = [];
let last: { rawBytes: number; gzipBytes: number } = { rawBytes: 0, gzipBytes: 0 };
for (let i = 0; i < snapshots; i++) {
  const t = performance.now();
  const encoded = await encodeSnapshot(cache, { clusterId: 'bench', forwarder: { id: 'probe', version: 'bench', dryRun: false, lastFencingToken: 0 }, takenAtMs: Date.now(), offerings: [], vms: [], results: [], format });
  encodeMs.push(performance.now() - t);
  last = { rawBytes: encoded.rawBytes, gzipBytes: encoded.body.length };
}
process.stdout.write(`${JSON.stringify({
  format, pods: cache.pods.items.size, nodes: cache.nodes.items.size, shapes: cache.shapes.size, listedMs, encodeMs, ...last,
  afterList, peakMiB: status().hwmMiB, heapLimitMiB: getHeapStatistics().heap_size_limit / 1024 / 1024,
})}\n`);
