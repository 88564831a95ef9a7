import { AppsV1Api, CoreV1Api, type KubeConfig } from '@kubernetes/client-node';
import { burstDeployments, podCount, type Burst } from './bursts.ts';
import type { BenchPlan } from './catalogue.ts';
import { treeStats } from './proc-stats.ts';

// One run of one burst against one system on a running control plane: create the burst's Deployments
// at t = 0, poll until every pod is Running, record the fleet, delete the Deployments, poll until the
// system has removed its nodes (our NodeGroup's minimum is 0; Karpenter: no NodeClaims left).

export interface SystemUnderTest {
  name: string;
  /** Wall-clock ms of the system's first node create at or after `sinceMs`, if any yet. */
  firstCreateMs(sinceMs: number): Promise<number | undefined>;
  /** Plan nickname → count of the nodes the system holds now (launched or launching). */
  fleet(): Promise<Record<string, number>>;
  /** Nodes (or launches) the system still holds. */
  nodesLeft(): Promise<number>;
  /** The autoscaler's processes (for RSS and CPU seconds). */
  pids(): number[];
  /** Anything worth a line in the table's notes (aborted drains and the like). */
  notes(): Promise<string[]>;
  /** Drains started and then undone (this project only: from its audit trail). */
  abortedDrains?(): number;
}

export interface RunResult {
  firstCreateS: number | undefined;
  allRunningS: number | undefined;
  nodes: number;
  pricePerHour: number;
  fingerprint: string;
  scaleDownS: number | undefined;
  nodesLeftAfterScaleDown: number;
  peakRssMiB: number;
  cpuSeconds: number;
  notes: string[];
  abortedDrains: number | undefined;
}

export interface RunOptions { kc: KubeConfig; namespace: string; upTimeoutMs: number; downTimeoutMs: number; log: (line: string) => void }

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export function fingerprint(fleet: Record<string, number>): string {
  return Object.entries(fleet).filter(([, n]) => n > 0).sort(([a], [b]) => a.localeCompare(b)).map(([k, n]) => `${n}×${k}`).join(' + ') || '(none)';
}

export async function runBurst(system: SystemUnderTest, burst: Burst, plans: BenchPlan[], options: RunOptions): Promise<RunResult> {
  const { kc, namespace, log } = options;
  const core = kc.makeApiClient(CoreV1Api);
  const apps = kc.makeApiClient(AppsV1Api);
  const total = podCount(burst);
  const cpuStart = treeStats(system.pids()).cpuSeconds;
  let peakRssMiB = 0;
  const sample = () => {
    const s = treeStats(system.pids());
    peakRssMiB = Math.max(peakRssMiB, s.rssMiB);
    return s;
  };

  const t0 = Date.now();
  await Promise.all(burstDeployments(burst, namespace).map((body) => apps.createNamespacedDeployment({ namespace, body })));
  let firstCreateMs: number | undefined;
  let allRunningMs: number | undefined;
  while (Date.now() - t0 < options.upTimeoutMs) {
    sample();
    firstCreateMs ??= await system.firstCreateMs(t0);
    const pods = (await core.listNamespacedPod({ namespace })).items;
    const running = pods.filter((p) => p.status?.phase === 'Running' && !p.metadata?.deletionTimestamp).length;
    if (running >= total) {
      allRunningMs = Date.now();
      break;
    }
    await sleep(500);
  }
  log(`${system.name} ${burst.name}: first create ${fmt(firstCreateMs, t0)} s, all Running ${fmt(allRunningMs, t0)} s`);
  // Launches a system makes after the last pod runs still count: settle 5 s, then read the fleet.
  await sleep(5_000);
  const fleet = await system.fleet();
  const byName = new Map(plans.map((p) => [p.nickname, p]));
  const nodes = Object.values(fleet).reduce((a, b) => a + b, 0);
  const pricePerHour = Object.entries(fleet).reduce((sum, [k, n]) => sum + n * (byName.get(k)?.pricePerHour ?? Number.NaN), 0);

  const tDown = Date.now();
  await Promise.all(burst.classes.map((c) => apps.deleteNamespacedDeployment({ namespace, name: `${burst.name}-${c.name}` })));
  let scaleDownMs: number | undefined;
  let left = nodes;
  while (Date.now() - tDown < options.downTimeoutMs) {
    sample();
    left = await system.nodesLeft();
    if (left === 0) {
      scaleDownMs = Date.now();
      break;
    }
    await sleep(1_000);
  }
  log(`${system.name} ${burst.name}: scale-down ${scaleDownMs ? `${((scaleDownMs - tDown) / 1000).toFixed(1)} s` : `not finished after ${options.downTimeoutMs / 1000} s: ${left} nodes left`}`);
  const cpuSeconds = sample().cpuSeconds - cpuStart;
  return {
    firstCreateS: firstCreateMs === undefined ? undefined : (firstCreateMs - t0) / 1000,
    allRunningS: allRunningMs === undefined ? undefined : (allRunningMs - t0) / 1000,
    nodes,
    pricePerHour,
    fingerprint: fingerprint(fleet),
    scaleDownS: scaleDownMs === undefined ? undefined : (scaleDownMs - tDown) / 1000,
    nodesLeftAfterScaleDown: left,
    peakRssMiB,
    cpuSeconds,
    notes: await system.notes(),
    abortedDrains: system.abortedDrains?.(),
  };
}

function fmt(ms: number | undefined, t0: number): string {
  return ms === undefined ? '—' : ((ms - t0) / 1000).toFixed(1);
}
