import { spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { signMessage } from '../../shared/signing.ts';
import type { Snapshot } from '../../shared/snapshot.ts';
import { startLocalFunctions } from '../../functions/local.ts';
import { nodeGroup, snapNode, snapPod, snapshot, type BuiltPod } from '../fixtures/snapshot-builders.ts';
import { largeCluster } from '../fixtures/large-cluster.ts';
import { LAMBDA_MEMORY_MB, LAMBDA_PAYLOAD_BYTES, reconcileAtScale, requestSize } from './functions-scale.ts';

// Functions benchmark: size of the Lambda bundle, cold import time of that bundle (fresh node
// processes), and /v1/reconcile latency for 100- and 1000-node snapshots against the local store
// (embedded dynalite, the real planner, gzip bodies over HTTP — what the forwarder does).
// Targets (issue 7): bundle < 1.5 MB, cold import < 250 ms, 1000-node p95 < 600 ms.
// Issue 16, the clusters of large-cluster.ts: request sizes (v1 and v2, raw, gzip, base64 as API
// Gateway hands it to Lambda: < 6 MiB), and the whole reconcile of the Lambda bundle at 5000 nodes ×
// 30 pods + 20,000 pending and at 1000 nodes × 110 pods (functions-scale.ts): p95 < 3 s, peak RSS of
// the function's process < 1024 MiB (Lambda's default memory). BENCH_FUNCTIONS_SCALE=0 skips them.

const ROOT = join(import.meta.dirname, '../..');
const BUNDLE = join(ROOT, 'dist/functions/lambda.mjs');
const KEY = 'bench-signing-key-0123456789-0123456789';
const CLUSTER = 'bench';

export interface BenchFigure {
  name: string;
  value: number;
  unit: string;
  target?: number;
  ok?: boolean;
}

const say = (line: string) => process.stderr.write(`functions bench: ${line}\n`);

export async function run(): Promise<BenchFigure[]> {
  const figures: BenchFigure[] = [];
  const figure = (name: string, value: number, unit: string, target?: number) => {
    const f: BenchFigure = { name, value: Math.round(value * 10) / 10, unit, ...(target !== undefined ? { target, ok: value < target } : {}) };
    figures.push(f);
    say(`${name}: ${f.value} ${unit}${target !== undefined ? ` (target < ${target}: ${f.ok ? 'ok' : 'MISSED'})` : ''}`);
  };

  if (!existsSync(BUNDLE)) {
    say('building dist/functions/lambda.mjs');
    const build = spawnSync(process.execPath, [join(ROOT, 'node_modules/tsx/dist/cli.mjs'), 'scripts/build.ts', 'functions'], { cwd: ROOT, stdio: 'inherit' });
    if (build.status !== 0) throw new Error('building the functions bundle failed');
  }
  figure('functions bundle size', statSync(BUNDLE).size / 1_000_000, 'MB', 1.5);

  // Other work on the machine inflates these; the load average is printed with them.
  say(`load average ${loadavg().map((l) => l.toFixed(1)).join(' ')} on ${cpus().length} cores`);
  const imports = coldImports(9);
  figure('functions cold import p50', percentile(imports, 50), 'ms', 250);
  figure('functions cold import min', Math.min(...imports), 'ms');
  figure('functions cold import max', Math.max(...imports), 'ms');

  const functions = await startLocalFunctions({ port: 0, config: { clusters: { [CLUSTER]: { signingKey: KEY, triggerToken: 'bench-trigger-token-0123' } }, logLevel: 'silent' } });
  try {
    for (const [nodes, runs] of [[100, 60], [1000, 30]] as const) {
      const latencies = await reconcileLatencies(functions.url, nodes, runs);
      figure(`reconcile ${nodes} nodes p50`, percentile(latencies, 50), 'ms');
      figure(`reconcile ${nodes} nodes p95`, percentile(latencies, 95), 'ms', nodes === 1000 ? 600 : undefined);
    }
  } finally {
    await functions.close();
  }
  if (process.env.BENCH_FUNCTIONS_SCALE !== '0') await scaleFigures(figure);
  return figures;
}

const ISSUE_16 = [
  { name: '5000 nodes x 30 pods + 20000 pending', nodes: 5000, podsPerNode: 30, pending: 20_000, runs: 12 },
  { name: '1000 nodes x 110 pods', nodes: 1000, podsPerNode: 110, pending: 0, runs: 8 },
] as const;

async function scaleFigures(figure: (name: string, value: number, unit: string, target?: number) => void): Promise<void> {
  const KIB = 1024;
  for (const c of ISSUE_16) {
    const cluster = largeCluster({ ...c, clusterId: CLUSTER });
    for (const format of ['v1', 'v2'] as const) {
      const size = requestSize(cluster, format);
      say(`${c.name}, ${format}: raw ${size.rawBytes} B, gzip ${size.gzipBytes} B, base64 ${size.base64Bytes} B`);
      figure(`${c.name} ${format} raw`, size.rawBytes / KIB, 'KiB');
      figure(`${c.name} ${format} gzip`, size.gzipBytes / KIB, 'KiB');
      // Lambda's limit (6 MiB) is on the event: the base64 body plus headers and request context (~2 KiB).
      figure(`${c.name} ${format} base64 (the Lambda request)`, size.base64Bytes / KIB, 'KiB', LAMBDA_PAYLOAD_BYTES / KIB - 16);
    }
  }
  for (const c of ISSUE_16) {
    say(`load average ${loadavg().map((l) => l.toFixed(1)).join(' ')}; ${c.name}: the Lambda bundle at ${LAMBDA_MEMORY_MB} MB, ${c.runs} reconciles after the first`);
    const scale = await reconcileAtScale({ ...c, clusterId: CLUSTER, warmup: 1 });
    say(`${c.name}: first reconcile (the burst) ${scale.firstMs.toFixed(0)} ms with ${scale.firstCommands} commands; idle RSS ${scale.idleRssMiB.toFixed(0)} MiB`);
    const split = (r: (typeof scale.splits)[number] | undefined) => (r ? `verify ${r.verifyMs}, decode ${r.decodeMs}, plan ${r.planMs}, lease+state ${r.stateMs} ms (${r.commands} commands, ${r.itemsWritten} items written)` : 'no log line');
    say(`${c.name}: the burst's request log: ${split(scale.splits[0])}; the last: ${split(scale.splits[scale.splits.length - 1])}`);
    const burst = scale.splits[0];
    if (burst) {
      figure(`reconcile ${c.name}: burst decode (gunzip, JSON, validate)`, burst.decodeMs, 'ms');
      figure(`reconcile ${c.name}: burst plan`, burst.planMs, 'ms');
      figure(`reconcile ${c.name}: burst lease + state`, burst.stateMs, 'ms');
    }
    // The burst is one request, not a percentile: held to the same 3 s on its own.
    figure(`reconcile ${c.name}: first (burst)`, scale.firstMs, 'ms', 3000);
    figure(`reconcile ${c.name}: p50`, percentile(scale.latenciesMs, 50), 'ms');
    figure(`reconcile ${c.name}: p95`, percentile(scale.latenciesMs, 95), 'ms', 3000);
    figure(`reconcile ${c.name}: peak RSS`, scale.peakRssMiB, 'MiB', 1024);
  }
}

/** Time from `import()` to the module being ready, in fresh processes (Lambda's cold start minus the runtime). */
function coldImports(runs: number): number[] {
  const env = {
    ...process.env,
    VPSIE_AUTOSCALER_TABLE: 'bench-state',
    VPSIE_AUTOSCALER_CLUSTERS: JSON.stringify({ [CLUSTER]: { signingKey: KEY, triggerToken: 'bench-trigger-token-0123' } }),
    AWS_REGION: 'us-east-1',
    AWS_SDK_JS_SUPPRESS_MAINTENANCE_MODE_MESSAGE: '1',
    NODE_NO_WARNINGS: '1',
  };
  const script = `const t = performance.now(); await import(${JSON.stringify(BUNDLE)}); process.stdout.write(String(performance.now() - t));`;
  return Array.from({ length: runs }, () => {
    const out = spawnSync(process.execPath, ['--input-type=module', '-e', script], { env, encoding: 'utf8' });
    if (out.status !== 0) throw new Error(`importing the bundle failed: ${out.stderr}`);
    return Number(out.stdout);
  });
}

/** A cluster of `nodeCount` nodes with ~8 pods each and a few pending pods. */
export function benchSnapshot(nodeCount: number, takenAtMs: number): Snapshot {
  const nodes = Array.from({ length: nodeCount }, (_, i) => snapNode({ name: `bench-w-${i}`, group: 'workers', instanceType: 'medium', cpu: '4', memory: '8Gi', createdAtMs: takenAtMs - 86_400_000 }));
  const pods: BuiltPod[] = [];
  nodes.forEach((node, i) => {
    for (let j = 0; j < 8; j++) pods.push(snapPod({ name: `app-${i}-${j}`, node: node.name, cpu: '200m', memory: '256Mi', labels: { app: `app-${j}` }, createdAtMs: takenAtMs - 3_600_000 }));
  });
  for (let k = 0; k < 5; k++) pods.push(snapPod({ name: `pending-${k}`, cpu: '1', memory: '1Gi', labels: { app: 'burst' }, unschedulableSinceMs: takenAtMs - 60_000, createdAtMs: takenAtMs - 60_000 }));
  return { ...snapshot({ clusterId: CLUSTER, takenAtMs, nodes, pods, nodeGroups: [nodeGroup({ name: 'workers', maxNodes: nodeCount + 20, offeringIDs: ['medium'] })] }) };
}

async function reconcileLatencies(url: string, nodeCount: number, runs: number): Promise<number[]> {
  const latencies: number[] = [];
  const warmup = 3;
  for (let i = 0; i < runs + warmup; i++) {
    const nowMs = Date.now();
    const body = new Uint8Array(gzipSync(JSON.stringify(benchSnapshot(nodeCount, nowMs))));
    const headers = signMessage({ key: KEY, clusterId: CLUSTER, method: 'POST', path: '/v1/reconcile', body, nowMs });
    const started = performance.now();
    const response = await fetch(`${url}/v1/reconcile`, { method: 'POST', headers: { 'content-type': 'application/json', 'content-encoding': 'gzip', ...headers }, body });
    await response.arrayBuffer();
    const elapsed = performance.now() - started;
    if (response.status !== 200) throw new Error(`reconcile answered ${response.status}`);
    if (i >= warmup) latencies.push(elapsed);
  }
  return latencies;
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;
}
