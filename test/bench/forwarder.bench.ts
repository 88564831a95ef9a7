import { KubeConfig } from '@kubernetes/client-node';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildBundle } from '../../scripts/bundles.ts';
import { loadKubeAuth } from '../../forwarder/kube/kube-auth.ts';
import { KubeApiError, KubeHttp } from '../../forwarder/kube/kube-http.ts';
import { API_GROUP, API_VERSION, NODEGROUP_LABEL, NODEGROUP_PLURAL } from '../../shared/labels.ts';
import { applyCrd } from '../e2e/stack-cluster.ts';
import { startFakeFunctions } from '../forwarder/fake-functions.ts';
import { SIGNING_KEY } from '../forwarder/fixture.ts';
import { kwokNode } from '../harness/builders.ts';
import { startControlPlane } from '../harness/control-plane.ts';
import { waitFor } from '../harness/wait-for.ts';
import { SIM_DC, SIM_OS_IMAGES, SIM_PLANS, startVpsieSimulator } from '../vpsie-sim/index.ts';
import { freePorts } from '../harness/free-port.ts';
import { forwarderImageRuntime } from './image-runtime.ts';
import { runProbe } from './forwarder-scale.ts';
import { ApiextensionsV1Api } from '@kubernetes/client-node';

// The forwarder on a kwok cluster of 1,000 nodes and 30,000 pods: peak RSS, steady CPU, time to the
// first synced snapshot, snapshot size raw and gzip. The forwarder runs as its own process from the
// production bundle (scripts/bundles.ts) with the image's Node flags and environment (read from
// infra/forwarder/Dockerfile by image-runtime.ts): what the image runs. The bench starts its own
// control plane, creates the objects through the API (pods bound with spec.nodeName, no scheduler
// load) and plays the functions with the fake endpoint. BENCH_FORWARDER_SCALE=0.1 for a quick run.
// Issue 16's sizes (5000 nodes × 30 pods + 20,000 pending; 1000 × 110) are beyond a kwok cluster on
// this machine: the forwarder's cache and encoder run alone for them (forwarder-scale.ts), calibrated
// by the same probe at 1000 nodes / 30,000 pods against the whole forwarder measured here, and held
// to the memory limits of the sizing table (docs/sizing.md). BENCH_FORWARDER_PROBE_ONLY=1: only those.

const SCALE = Number(process.env.BENCH_FORWARDER_SCALE ?? 1);
const NODES = Math.round(1_000 * SCALE);
const PODS = Math.round(30_000 * SCALE);
const APPS = 60;
const NAMESPACES = 10;
const GROUPS = ['general', 'compute', 'memory'];
const STEADY_WINDOW_MS = Number(process.env.BENCH_FORWARDER_STEADY_MS ?? 65_000);
const MIB = 1024 * 1024;

function log(message: string): void {
  process.stdout.write(`forwarder bench: ${message}\n`);
}

async function pool<T>(items: T[], concurrency: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next < items.length) await fn(items[next++]!);
  }));
}

async function create(kube: KubeHttp, path: string, body: unknown): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await kube.request({ method: 'POST', path, body });
      return;
    } catch (error) {
      if (error instanceof KubeApiError && error.status === 409) return;
      if (attempt >= 5) throw error;
      await new Promise((r) => setTimeout(r, 200 * attempt));
    }
  }
}

function procStatus(pid: number): { hwmKiB: number; rssKiB: number; anonKiB: number; fileKiB: number } {
  const text = readFileSync(`/proc/${pid}/status`, 'utf8');
  const field = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+)`, 'm').exec(text)?.[1] ?? 0);
  return { hwmKiB: field('VmHWM'), rssKiB: field('VmRSS'), anonKiB: field('RssAnon'), fileKiB: field('RssFile') };
}

/** utime + stime in seconds (clock ticks of 1/100 s on Linux). */
function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** The forwarder's production bundle, built into `dir` (with its linked source map, as shipped). */
export async function bundleForwarder(dir: string): Promise<string> {
  return (await buildBundle('forwarder', join(dir, 'main.mjs'))).outfile;
}

export interface ForwarderFigures {
  peakRssMiB: number;
  rssMiB: number;
  steadyCpuPercent: number;
  firstSnapshotMs: number;
  rawBytes: number;
  gzipBytes: number;
  heapUsedMiB: number | undefined;
}

/** Namespaces, NodeGroups, kwok nodes (Ready), pods bound to them (Running) and PDBs. */
export async function populateCluster(kube: KubeHttp, kc: KubeConfig): Promise<void> {
  await applyCrd({ extensions: kc.makeApiClient(ApiextensionsV1Api) } as never);
  const namespaces = Array.from({ length: NAMESPACES }, (_, i) => `bench-${i}`);
  await pool(namespaces, 4, (name) => create(kube, '/api/v1/namespaces', { metadata: { name } }));
  await pool(namespaces, 4, (namespace) => waitFor(() => kube.request({ method: 'GET', path: `/api/v1/namespaces/${namespace}/serviceaccounts/default` }), { timeoutMs: 60_000, description: `default SA in ${namespace}` }).then(() => undefined));
  for (const [i, name] of GROUPS.entries()) {
    await create(kube, `/apis/${API_GROUP}/${API_VERSION}/namespaces/bench-0/${NODEGROUP_PLURAL}`, {
      apiVersion: `${API_GROUP}/${API_VERSION}`, kind: 'NodeGroup', metadata: { name },
      spec: { minNodes: 0, maxNodes: 2_000, datacenterID: SIM_DC.newYork, offeringIDs: [SIM_PLANS[i]!.identifier], osImageID: SIM_OS_IMAGES['ubuntu-24.04'] },
    });
  }

  let started = Date.now();
  const nodeNames = Array.from({ length: NODES }, (_, i) => `bench-node-${String(i).padStart(4, '0')}`);
  await pool(nodeNames, 32, (name) => create(kube, '/api/v1/nodes', kwokNode({ name, cpu: '16', memory: '64Gi', pods: 110, labels: { [NODEGROUP_LABEL]: GROUPS[Number(name.slice(-1)) % GROUPS.length]!, zone: `z${Number(name.slice(-1)) % 3}` } })));
  log(`${NODES} nodes created in ${((Date.now() - started) / 1000).toFixed(0)} s; waiting for kwok to make them Ready`);
  await waitFor(async () => {
    const list = await kube.request<{ items: Array<{ status?: { conditions?: Array<{ type: string; status: string }> } }> }>({ method: 'GET', path: '/api/v1/nodes' });
    return list.items.filter((n) => n.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True')).length >= NODES;
  }, { timeoutMs: 600_000, intervalMs: 5_000, description: 'every node Ready' });

  started = Date.now();
  let createdPods = 0;
  const podIndexes = Array.from({ length: PODS }, (_, i) => i);
  await pool(podIndexes, 48, async (i) => {
    const app = i % APPS;
    const namespace = namespaces[app % NAMESPACES]!;
    await create(kube, `/api/v1/namespaces/${namespace}/pods`, {
      metadata: { name: `app-${app}-${i.toString(36)}`, labels: { app: `app-${app}`, 'pod-template-hash': `h${app}` } },
      spec: {
        nodeName: nodeNames[i % NODES],
        containers: [{ name: 'main', image: 'registry.k8s.io/pause:3.10', resources: { requests: { cpu: `${50 + (app % 7) * 50}m`, memory: `${64 * (1 + (app % 5))}Mi` } } }],
        ...(app % 4 === 0 ? { tolerations: [{ key: 'dedicated', operator: 'Exists', effect: 'NoSchedule' }] } : {}),
      },
    });
    createdPods += 1;
    if (createdPods % 5_000 === 0) log(`${createdPods} pods (${Math.round(createdPods / ((Date.now() - started) / 1000))}/s)`);
  });
  for (let i = 0; i < APPS; i += 2) {
    await create(kube, `/apis/policy/v1/namespaces/${namespaces[i % NAMESPACES]}/poddisruptionbudgets`, { metadata: { name: `app-${i}` }, spec: { maxUnavailable: 1, selector: { matchLabels: { app: `app-${i}` } } } });
  }
  log(`${PODS} pods created in ${((Date.now() - started) / 1000).toFixed(0)} s; waiting for kwok to run them`);
  // kwok marks them Running at its own pace (minutes on a busy machine); the figures do not need the
  // last stragglers, so 99% is enough, and a slow kwok is reported rather than fatal.
  let running = 0;
  await waitFor(async () => {
    running = 0;
    let continueToken: string | undefined;
    do {
      const page = await kube.request<{ items: Array<{ status?: { phase?: string } }>; metadata: { continue?: string } }>({ method: 'GET', path: '/api/v1/pods', query: { limit: 5_000, continue: continueToken } });
      running += page.items.filter((p) => p.status?.phase === 'Running').length;
      continueToken = page.metadata.continue || undefined;
    } while (continueToken);
    return running >= PODS * 0.99;
  }, { timeoutMs: 1_200_000, intervalMs: 10_000, description: '99% of the pods Running' }).catch(() => log(`only ${running} of ${PODS} pods Running after 20 minutes (kwok is slow); measuring anyway`));
  log(`${running} pods Running`);
}

/** Runs the bundled forwarder as a process until its first synced snapshot plus a steady window. */
export async function measureForwarder(options: { bundle: string; kubeconfigPath: string; nodeFlags?: string[]; env?: Record<string, string>; steadyWindowMs: number }): Promise<ForwarderFigures> {
  const image = forwarderImageRuntime();
  const nodeFlags = options.nodeFlags ?? image.nodeFlags;
  log(`starting the bundled forwarder as the image does: node ${nodeFlags.join(' ')}, ${Object.entries(image.env).map(([k, v]) => `${k}=${v}`).join(' ')}`);
  const fake = await startFakeFunctions({ clusterId: 'bench', signingKey: SIGNING_KEY, keepSnapshots: 1 });
  // VPSie as in production: credentials in kube-system, VMs and plans listed at every reconcile.
  const sim = await startVpsieSimulator({});
  for (let i = 0; i < 20; i++) sim.sim.seedVm({ hostname: `bench-vm-${i}`, phase: 'running' });
  const admin = new KubeHttp(await loadKubeAuth(options.kubeconfigPath));
  await create(admin, '/api/v1/namespaces/kube-system/secrets', { metadata: { name: 'vpsie-credentials' }, stringData: { token: 'sim-token', deletePassword: 'sim-delete-password', projectId: 'sim-project' } });
  admin.close();
  const [port] = await freePorts(1);
  const child = spawn(process.execPath, [
    ...nodeFlags, options.bundle,
    '--kubeconfig', options.kubeconfigPath, '--functions-url', fake.url, '--cluster-id', 'bench', '--signing-key', SIGNING_KEY,
    '--namespace', 'bench-0', '--listen', `127.0.0.1:${port}`, '--vpsie-url', sim.url, '--no-leader-election', '--log-level', 'error', '--heartbeat-seconds', '30',
  ], { stdio: ['ignore', 'inherit', 'inherit'], env: { ...process.env, ...image.env, ...options.env } });
  try {
    const spawnedMs = Date.now();
    const pid = child.pid!;
    let peakKiB = 0;
    let peakAtMs = 0;
    let lastRssKiB = 0;
    const sampler = setInterval(() => {
      try {
        const { hwmKiB, rssKiB } = procStatus(pid);
        if (rssKiB > lastRssKiB && rssKiB >= peakKiB) peakAtMs = Date.now() - spawnedMs;
        lastRssKiB = rssKiB;
        peakKiB = Math.max(peakKiB, hwmKiB);
      } catch {
        // exited
      }
    }, 100);
    const first = await waitFor(() => fake.snapshots.find((s) => s.synced), { timeoutMs: 300_000, intervalMs: 50, description: 'the first synced snapshot' });
    const firstSnapshotMs = Date.now() - spawnedMs;
    const size = fake.sizes[fake.sizes.length - 1]!;
    log(`first synced snapshot after ${(firstSnapshotMs / 1000).toFixed(1)} s: ${first.pods.length} pods, ${first.nodes.length} nodes, ${first.podShapes.length} shapes, ${(size.rawBytes / MIB).toFixed(2)} MiB raw, ${(size.bodyBytes / MIB).toFixed(3)} MiB gzip`);

    await new Promise((r) => setTimeout(r, 5_000));
    const cpuStart = cpuSeconds(pid);
    const windowStart = Date.now();
    const before = fake.sizes.length;
    await new Promise((r) => setTimeout(r, options.steadyWindowMs));
    const steadyCpuPercent = ((cpuSeconds(pid) - cpuStart) / ((Date.now() - windowStart) / 1000)) * 100;
    clearInterval(sampler);
    peakKiB = Math.max(peakKiB, procStatus(pid).hwmKiB);
    const { rssKiB, anonKiB, fileKiB } = procStatus(pid);
    const metrics = await fetch(`http://127.0.0.1:${port}/metrics`).then((r) => r.text()).catch(() => '');
    const heapUsed = /^nodejs_heap_size_used_bytes (\S+)/m.exec(metrics)?.[1];
    const heapUsedMiB = heapUsed === undefined ? undefined : Number(heapUsed) / MIB;
    const metric = (name: string) => Number(new RegExp(`^${name} (\\S+)`, 'm').exec(metrics)?.[1] ?? NaN) / MIB;
    log(`steady window ${(options.steadyWindowMs / 1000).toFixed(0)} s with ${fake.sizes.length - before} heartbeat snapshots: CPU ${steadyCpuPercent.toFixed(2)}% of a core; RSS now ${(rssKiB / 1024).toFixed(1)} MiB (anonymous ${(anonKiB / 1024).toFixed(1)}, file-backed ${(fileKiB / 1024).toFixed(1)}, V8 heap ${heapUsedMiB?.toFixed(1) ?? '?'} MiB used of ${metric('nodejs_heap_size_total_bytes').toFixed(1)}, external ${metric('nodejs_external_memory_bytes').toFixed(1)}), peak ${(peakKiB / 1024).toFixed(1)} MiB about ${(peakAtMs / 1000).toFixed(1)} s after start`);
    if (fake.refusals.length > 0) log(`the fake functions refused: ${fake.refusals.slice(0, 3).join(' | ')}`);
    return { peakRssMiB: peakKiB / 1024, rssMiB: rssKiB / 1024, steadyCpuPercent, firstSnapshotMs, rawBytes: size.rawBytes, gzipBytes: size.bodyBytes, heapUsedMiB };
  } finally {
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
    await fake.stop();
    await sim.stop();
  }
}

/** The sizing table's rows (docs/sizing.md): cluster → the forwarder's resources.limits.memory (MiB). */
export const SIZING = [
  { name: '1000 nodes x 30 pods', nodes: 1000, podsPerNode: 30, pending: 0, limitMiB: 192 },
  { name: '1000 nodes x 110 pods', nodes: 1000, podsPerNode: 110, pending: 0, limitMiB: 192 },
  { name: '5000 nodes x 30 pods + 20000 pending', nodes: 5000, podsPerNode: 30, pending: 20_000, limitMiB: 256 },
] as const;
/** The chart's rule: the heap is half the memory limit (heapPercent, infra/helm). */
const heapFor = (limitMiB: number) => Math.floor(limitMiB / 2);

type Figure = { name: string; value: number; unit: string; target?: number; ok?: boolean };

async function probeFigures(realPeakAt30kMiB: number | undefined): Promise<Figure[]> {
  const figures: Figure[] = [];
  const probes = [];
  for (const row of SIZING) {
    const f = await runProbe({ ...row, heapMiB: heapFor(row.limitMiB) });
    log(`probe ${row.name} at ${row.limitMiB}Mi (heap ${heapFor(row.limitMiB)} MiB): ${f.pods} pods, ${f.shapes} shapes; peak ${f.peakMiB.toFixed(1)} MiB, after the list ${f.afterList.rssMiB.toFixed(1)} MiB (heap used ${f.afterList.heapUsedMiB.toFixed(1)}); snapshot ${f.rawBytes} B raw, ${f.gzipBytes} B gzip, encoded in ${f.encodeMs.map((m) => m.toFixed(0)).join('/')} ms`);
    probes.push({ row, f });
  }
  // What the probe leaves out (watches, VPSie client, HTTP server, metrics): the whole forwarder's
  // peak at 30,000 pods minus the probe's there; without a real run, the last one measured (README).
  const calibration = Math.max(0, (realPeakAt30kMiB ?? 91) - probes[0]!.f.peakMiB);
  log(`calibration: the whole forwarder peaks ${calibration.toFixed(1)} MiB above the probe at 30,000 pods${realPeakAt30kMiB === undefined ? ' (91 MiB, the last measured: no control plane run now)' : ''}`);
  for (const { row, f } of probes) {
    figures.push({ name: `forwarder peak RSS ${row.name} (probe + ${calibration.toFixed(0)} MiB)`, value: Number((f.peakMiB + calibration).toFixed(1)), unit: 'MiB', target: row.limitMiB });
    figures.push({ name: `forwarder heap used ${row.name} (of ${heapFor(row.limitMiB)} MiB)`, value: Number(f.afterList.heapUsedMiB.toFixed(1)), unit: 'MiB', target: Math.floor(heapFor(row.limitMiB) * 0.8) });
    figures.push({ name: `forwarder snapshot gzip ${row.name}`, value: Number((f.gzipBytes / MIB).toFixed(3)), unit: 'MiB' });
  }
  return figures;
}

export async function run(): Promise<Figure[]> {
  if (process.env.BENCH_FORWARDER_PROBE_ONLY === '1') return (await probeFigures(undefined)).map((x) => (x.target === undefined ? x : { ...x, ok: x.value < x.target }));
  log(`starting a control plane for ${NODES} nodes and ${PODS} pods`);
  const controlPlane = await startControlPlane();
  const workDir = await mkdtemp(join(tmpdir(), 'forwarder-bench-'));
  try {
    const kc = new KubeConfig();
    kc.loadFromFile(controlPlane.kubeconfigPath);
    const kube = new KubeHttp(await loadKubeAuth(controlPlane.kubeconfigPath));
    await populateCluster(kube, kc);
    kube.close();
    const bundle = await bundleForwarder(workDir);
    const f = await measureForwarder({ bundle, kubeconfigPath: controlPlane.kubeconfigPath, steadyWindowMs: STEADY_WINDOW_MS });
    const suffix = SCALE === 1 ? '' : ` (scale ${SCALE})`;
    const figures = [
      { name: `forwarder peak RSS${suffix}`, value: Number(f.peakRssMiB.toFixed(1)), unit: 'MiB', target: 96 },
      { name: `forwarder steady RSS${suffix}`, value: Number(f.rssMiB.toFixed(1)), unit: 'MiB' },
      { name: `forwarder steady CPU${suffix}`, value: Number(f.steadyCpuPercent.toFixed(2)), unit: '% core', target: 5 },
      { name: `forwarder first synced snapshot${suffix}`, value: Number((f.firstSnapshotMs / 1000).toFixed(1)), unit: 's' },
      { name: `forwarder snapshot raw${suffix}`, value: Number((f.rawBytes / MIB).toFixed(2)), unit: 'MiB' },
      { name: `forwarder snapshot gzip${suffix}`, value: Number((f.gzipBytes / MIB).toFixed(3)), unit: 'MiB', target: 1 },
      ...(SCALE === 1 ? await probeFigures(f.peakRssMiB) : []),
    ];
    return figures.map((x) => (x.target === undefined ? x : { ...x, ok: x.value < x.target }));
  } finally {
    await controlPlane.stop();
    await rm(workDir, { recursive: true, force: true });
  }
}
