import { cpus, loadavg } from 'node:os';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { getHeapStatistics } from 'node:v8';
import { plan } from '../../functions/planning/plan.ts';
import type { Offering, PodShape, Snapshot, SnapshotNode } from '../../shared/snapshot.ts';
import { seededRandom } from '../../cli/simulate/rng.ts';
import {
  boundPod, buildSnapshot, emptyState, nodeGroup, offering, pendingPods, shape, testNode, testPolicy, type TestPod,
} from '../fixtures/planning-builders.ts';

// Planner benchmark (issue 5): plan() on clusters of 100, 300 and 1000 existing nodes (30 pods each)
// with 5,000 pending pods in 500 distinct shapes, 20 NodeGroups × 8 offerings, 3 DaemonSets.
// Prints the median ms per plan (after a warm-up), the peak heap used while planning (heap used right
// after each plan, before any forced GC, over the runs, minus the heap before) and the growth ratio
// 1000/100. Targets at 1000 nodes: < 300 ms and < 256 MiB.

const NOW = 1_700_000_000_000;
const RUNS = 7;
const say = (line: string) => process.stderr.write(`planner bench: ${line}\n`);

/** Deterministic pseudo-random numbers, so every run plans the same cluster. */
const random = seededRandom;

function catalogue(): Offering[] {
  const sizes: [number, number][] = [[1, 2], [2, 4], [2, 8], [4, 8], [4, 16], [8, 16], [8, 32], [16, 32], [16, 64], [32, 64], [32, 128], [12, 24]];
  return sizes.map(([cpu, gib], i) => offering(`vps-${cpu}c${gib}g`, cpu, gib * 1024, Math.round((cpu * 6 + gib * 1.5) * (0.9 + (i % 3) * 0.05) * 100) / 100, { ssdGiB: cpu * 40 }));
}

export function benchSnapshot(existingNodes: number, seed = 42): Snapshot {
  const rnd = random(seed);
  const pick = <T>(list: readonly T[]) => list[Math.floor(rnd() * list.length)]!;
  const offerings = catalogue();
  const groups = Array.from({ length: 20 }, (_, g) => nodeGroup(`group-${g}`, {
    offeringIDs: [...offerings].sort(() => rnd() - 0.5).slice(0, 8).map((o) => o.identifier),
    maxNodes: 2000,
    labels: { pool: `pool-${g % 10}`, tier: g < 10 ? 'general' : 'batch' },
    taints: g % 5 === 4 ? [{ key: 'dedicated', value: `pool-${g % 10}`, effect: 'NoSchedule' }] : [],
  }));

  // Running pods: 50 shapes, 30 per node, filling an 8-CPU / 32 GiB node's CPU to ~98 %, so that the
  // pending pods need about as many new nodes at every size and the timing shows the cost of size.
  const running = Array.from({ length: 50 }, (_, i) => shape({ cpu: `${250 + (i % 3) * 5}m`, memory: `${800 + (i % 7) * 16}Mi`, labels: { app: `svc-${i}` } }));
  const nodes: SnapshotNode[] = [];
  const pods: TestPod[] = [];
  for (let n = 0; n < existingNodes; n++) {
    const g = n % 20;
    const name = `node-${n}`;
    nodes.push(testNode(name, {
      cpu: '7800m', memory: `${32 * 1024 - 600}Mi`, pods: 110, group: `group-${g}`,
      labels: { pool: `pool-${g % 10}`, tier: g < 10 ? 'general' : 'batch', 'node.kubernetes.io/instance-type': 'vps-8c32g' },
      taints: g % 5 === 4 ? [{ key: 'dedicated', value: `pool-${g % 10}`, effect: 'NoSchedule' }] : [],
    }));
    for (let p = 0; p < 30; p++) pods.push(boundPod(`run-${n}-${p}`, name, running[(n + p) % running.length]!, { namespace: `ns-${p % 10}` }));
  }

  // Pending pods: 500 shapes × 10 replicas; 40 % unconstrained, 40 % select a pool, some tolerate the
  // dedicated taint, 10 % hostname anti-affinity, 10 % hostname spread.
  for (let s = 0; s < 500; s++) {
    const pool = `pool-${Math.floor(rnd() * 10)}`;
    const kind = rnd();
    const labels = { app: `job-${s}` };
    const podShape = shape({
      cpu: `${pick([100, 250, 500, 750, 1000, 1500, 2000, 3000, 4000])}m`,
      memory: `${pick([128, 256, 512, 1024, 2048, 3072, 4096, 8192])}Mi`,
      labels,
      nodeSelector: kind < 0.4 ? {} : kind < 0.8 ? { pool } : { tier: 'batch' },
      tolerations: rnd() < 0.3 ? [{ key: 'dedicated', operator: 'Exists' }] : [],
      podAntiAffinity: s % 10 === 3 ? [{ topologyKey: 'kubernetes.io/hostname', labelSelector: { matchLabels: labels } }] : [],
      topologySpread: s % 10 === 7 ? [{ maxSkew: 2, topologyKey: 'kubernetes.io/hostname', whenUnsatisfiable: 'DoNotSchedule', labelSelector: { matchLabels: labels } }] : [],
    });
    pods.push(...pendingPods(`job-${s}`, podShape, 10, { namespace: `team-${s % 25}`, unschedulableSinceMs: NOW - 60_000 }));
  }
  const daemonSets = [
    { name: 'kube-proxy', shape: shape({ cpu: '100m', memory: '64Mi', tolerations: [{ operator: 'Exists' }] }) },
    { name: 'node-exporter', shape: shape({ cpu: '50m', memory: '64Mi', tolerations: [{ operator: 'Exists' }], hostPorts: [{ port: 9100, protocol: 'TCP' }] }) },
    { name: 'batch-agent', shape: shape({ cpu: '200m', memory: '256Mi', nodeSelector: { tier: 'batch' }, tolerations: [{ operator: 'Exists' }] }) },
  ];
  return buildSnapshot({ offerings, groups, nodes, pods, daemonSets, takenAtMs: NOW });
}

function gcFunction(): (() => void) | undefined {
  try {
    setFlagsFromString('--expose-gc');
    return runInNewContext('gc') as () => void;
  } catch {
    return undefined;
  }
}

const MIB = 1024 * 1024;

export async function run(): Promise<{ name: string; value: number; unit: string; target?: number; ok?: boolean }[]> {
  const gc = gcFunction();
  const policy = testPolicy({ clusterId: 'bench', hostnamePrefix: 'bench-' });
  const results: { nodes: number; medianMs: number; peakMiB: number; launches: number; pending: number }[] = [];
  say(`load average ${loadavg().map((l) => l.toFixed(1)).join(' ')} on ${cpus().length} CPUs (other work on the machine inflates wall times)`);
  for (const size of [100, 300, 1000]) {
    const snapshot = benchSnapshot(size);
    const times: number[] = [];
    const cpuTimes: number[] = [];
    let peak = 0;
    let launches = 0;
    let pending = 0;
    for (let i = 0; i <= RUNS; i++) {
      gc?.();
      const before = process.memoryUsage().heapUsed;
      const cpuStart = process.cpuUsage();
      const start = performance.now();
      const result = plan(snapshot, emptyState(), policy, NOW);
      const elapsed = performance.now() - start;
      const cpu = process.cpuUsage(cpuStart);
      const after = Math.max(process.memoryUsage().heapUsed, getHeapStatistics().used_heap_size);
      if (i === 0) continue; // warm-up
      times.push(elapsed);
      cpuTimes.push((cpu.user + cpu.system) / 1000);
      peak = Math.max(peak, after - before);
      launches = result.commands.filter((c) => c.kind === 'createVm').length;
      pending = result.unschedulable.length;
    }
    const median = (list: number[]) => Math.round([...list].sort((a, b) => a - b)[Math.floor(list.length / 2)]! * 10) / 10;
    const medianMs = median(times);
    const cpuMs = median(cpuTimes);
    const peakMiB = Math.round((peak / MIB) * 10) / 10;
    results.push({ nodes: size, medianMs, peakMiB, launches, pending });
    say(`${size} nodes (${size * 30} running + 5000 pending pods): median ${medianMs} ms wall (${cpuMs} ms CPU, GC threads included) over ${RUNS} plans, heap used by a plan ≤ ${peakMiB} MiB; plans ${launches} launches, ${pending} pods left unschedulable`);
  }
  const growth = Math.round((results[2]!.medianMs / results[0]!.medianMs) * 100) / 100;
  say(`growth 1000/100 nodes: ×${growth} (nodes ×10)${gc ? '' : ' (no gc available: heap figures include garbage)'}`);
  say(`heap total now ${Math.round(getHeapStatistics().total_heap_size / MIB)} MiB, rss ${Math.round(process.memoryUsage().rss / MIB)} MiB`);
  const big = results[2]!;
  return [
    ...results.map((r) => ({ name: `planner ${r.nodes} nodes median`, value: r.medianMs, unit: 'ms', ...(r.nodes === 1000 ? { target: 300, ok: r.medianMs < 300 } : {}) })),
    ...results.map((r) => ({ name: `planner ${r.nodes} nodes peak heap`, value: r.peakMiB, unit: 'MiB', ...(r.nodes === 1000 ? { target: 256, ok: r.peakMiB < 256 } : {}) })),
    { name: 'planner growth 1000/100', value: growth, unit: 'x' },
  ].map((f) => (f.name.endsWith('1000 nodes median') ? { ...f, ok: big.medianMs < 300 } : f));
}
