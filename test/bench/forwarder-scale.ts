import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { snapshotToObjects } from '../../shared/compact/expand.ts';
import { largeCluster, type LargeClusterOptions } from '../fixtures/large-cluster.ts';
import { forwarderImageRuntime } from './image-runtime.ts';

// The forwarder's memory at sizes a kwok cluster on this machine cannot reach (issue 16: 5000 nodes ×
// 30 pods + 20,000 pending): its real cache and snapshot encoder, bundled as the image bundles the
// forwarder and run with the image's Node flags (forwarder-scale-probe.ts), fed the cluster's
// Kubernetes objects as JSON lines. forwarder.bench.ts measures the whole forwarder on a real
// control plane at 1000 nodes / 30,000 pods; the probe at that size too, so the difference (what the
// probe leaves out) is known.

const ROOT = join(import.meta.dirname, '../..');
const BANNER = "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);";

export interface ProbeFigures {
  format: string;
  pods: number;
  nodes: number;
  shapes: number;
  listedMs: number;
  encodeMs: number[];
  rawBytes: number;
  gzipBytes: number;
  afterList: { hwmMiB: number; rssMiB: number; heapUsedMiB: number };
  peakMiB: number;
  heapLimitMiB: number;
}

async function bundleProbe(dir: string): Promise<string> {
  const outfile = join(dir, 'probe.mjs');
  await build({
    entryPoints: [join(ROOT, 'test/bench/forwarder-scale-probe.ts')], outfile, bundle: true, platform: 'node', target: 'node20', format: 'esm',
    minify: true, keepNames: true, charset: 'ascii', legalComments: 'none', banner: { js: BANNER }, logLevel: 'warning', absWorkingDir: ROOT,
  });
  return outfile;
}

/** Kubernetes objects as the API lists them (the fields the forwarder drops included, so parsing costs what it costs). */
function* objectLines(o: LargeClusterOptions): Generator<string> {
  const objects = snapshotToObjects(largeCluster(o));
  for (const object of objects.nodeGroups) yield JSON.stringify({ kind: 'nodeGroup', object });
  for (const object of objects.daemonSets) yield JSON.stringify({ kind: 'daemonSet', object });
  for (const object of objects.nodes) yield JSON.stringify({ kind: 'node', object: { ...object, metadata: { ...object.metadata, uid: 'd5b0c1de-1f3a-4c5e-9b7d-2a4c6e8f0a1b', resourceVersion: '81234567' } } });
  let i = 0;
  for (const pod of objects.pods) {
    i += 1;
    yield JSON.stringify({ kind: 'pod', object: {
      ...pod,
      metadata: { ...pod.metadata, uid: `0f1e2d3c-4b5a-6978-8a9b-${String(i).padStart(12, '0')}`, resourceVersion: String(80_000_000 + i) },
      spec: { ...pod.spec, serviceAccountName: 'default', dnsPolicy: 'ClusterFirst', restartPolicy: 'Always', schedulerName: 'default-scheduler' },
      status: { ...pod.status, podIP: `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`, hostIP: '192.168.1.10', qosClass: 'Burstable', containerStatuses: [{ name: 'main', ready: true, restartCount: 0, image: 'registry.example.com/app:1.2.3', imageID: 'sha256:4f1c0e8b2a', started: true }] },
    } });
  }
}

export async function runProbe(o: LargeClusterOptions & { heapMiB: number; format?: 'v1' | 'v2'; snapshots?: number }): Promise<ProbeFigures> {
  const dir = await mkdtemp(join(tmpdir(), 'forwarder-probe-'));
  try {
    const probe = await bundleProbe(dir);
    const image = forwarderImageRuntime();
    const flags = [...image.nodeFlags.filter((f) => !f.startsWith('--max-old-space-size')), `--max-old-space-size=${o.heapMiB}`];
    const child = spawn(process.execPath, [...flags, probe, o.format ?? 'v2', String(o.snapshots ?? 3)], { stdio: ['pipe', 'pipe', 'inherit'], env: { ...process.env, ...image.env } });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => { out += chunk.toString(); });
    const exited = once(child, 'exit');
    for (const line of objectLines(o)) {
      if (!child.stdin.write(`${line}\n`)) await once(child.stdin, 'drain');
    }
    child.stdin.end();
    const [code] = (await exited) as [number | null];
    if (code !== 0) throw new Error(`the probe exited with ${code} (out of heap at --max-old-space-size=${o.heapMiB}?)`);
    return JSON.parse(out) as ProbeFigures;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
