import { DEFAULT_POLICY, type Policy } from '../../functions/planning/types.ts';
import type { Offering } from '../../shared/snapshot.ts';
import { caLikeGroups } from './ca-like.ts';
import { utilizationOf, type RunMetrics, type Sample } from './metrics.ts';
import { SIM_START_MS, simulateRun } from './run.ts';
import { buildGroups, type GroupSet, type RawGroup } from './setup.ts';
import { clusterStart, NO_START } from './cluster-start.ts';
import { staticFleet, type StaticFleet } from './static-fleet.ts';
import { instantBound, type InstantBound } from './instant-bound.ts';
import { configDifferences } from './config-differences.ts';
import { DEFAULT_PROVISIONING, replicasAt, type Trace } from './trace.ts';

// A whole `simulate`: this project's policy as configured, the Cluster-Autoscaler-like baseline
// through the same simulation, and the static fleet; the savings between them.

export const SIM_CLUSTER = { clusterId: 'sim', hostnamePrefix: 'sim-' } as const;

export interface SimulationInput {
  trace: Trace;
  groups: readonly RawGroup[];
  offerings: readonly Offering[];
  seed: number;
  /** --cluster: replay the dump's Nodes and Pods as the starting state. */
  clusterDump?: string;
}

export interface StaticMetrics extends Omit<RunMetrics, 'name'> { name: 'static'; fleet: StaticFleet }

export interface SimulationReport {
  seed: number;
  durationHours: number;
  stepSeconds: number;
  project: RunMetrics;
  caLike: RunMetrics;
  static: StaticMetrics;
  /** (baseline − project) / baseline, in percent. */
  savingsVsStaticPercent: number;
  savingsVsCaLikePercent: number;
  /** Mean of the project's average CPU and memory utilization, in percent. */
  utilizationPercent: number;
  caLikeOfferings: Record<string, string>;
  /** The cheapest fleet of each step, changed at once and for free: a floor under any autoscaler's cost, a ceiling over its utilization. */
  instantBound: InstantBound & { savingsVsStaticPercent: number };
  /** The project's NodeGroup settings (scale-up, scale-down, disruption) that are not the product's defaults. */
  configDifferences: string[];
}

export function policyFor(overrides: Partial<Policy> = {}): Policy {
  return { ...DEFAULT_POLICY, ...SIM_CLUSTER, ...overrides };
}

/** CA's defaults: scale-down-delay-after-add 10 min, max-empty-bulk-delete 10 (ours too since issue 22), one non-empty drain, PDBs for all of a node's pods at once (RemainingPdbTracker). */
export const CA_LIKE_POLICY: Partial<Policy> = { scaleDownCooldownAfterScaleUpMs: 10 * 60_000, maxEmptyRemovalsPerGroup: 10, maxNonEmptyDrainsPerGroup: 1, pdbDisruptionMode: 'all-at-once' };

export function runSimulation(input: SimulationInput): SimulationReport {
  const { offerings, seed } = input;
  const durationMs = input.trace.durationHours * 3600_000;
  const stepMs = input.trace.stepSeconds * 1000;
  const provisioning = { ...DEFAULT_PROVISIONING, ...stripUndefined(input.trace.provisioning) };
  const projectGroups = buildGroups(input.groups, offerings);
  const startOf = (groups: GroupSet['groups']) => (input.clusterDump ? clusterStart(input.clusterDump, groups, offerings, input.trace.workloads, SIM_START_MS) : NO_START);
  // The dump's pods outside the trace's workloads run all day as background workloads, in every run.
  const trace: Trace = { ...input.trace, workloads: [...input.trace.workloads, ...startOf(projectGroups.groups).background] };
  const run = (name: string, raw: readonly RawGroup[], policy: Policy) => {
    const set = buildGroups(raw, offerings);
    return simulateRun({ name, clusterId: SIM_CLUSTER.clusterId, groups: set.groups, nodeGroups: set.nodeGroups, offerings, workloads: trace.workloads, provisioning, policy, durationMs, stepMs, seed, start: startOf(set.groups) }).metrics;
  };
  const project = run('project', input.groups, policyFor());
  const caRaw = caLikeGroups(input.groups, offerings, trace.workloads);
  const caLike = run('ca-like', caRaw, policyFor(CA_LIKE_POLICY));
  const fleet = staticFleet(trace, projectGroups.groups, offerings);
  const statics = staticMetrics(trace, fleet, stepMs);
  const bound = instantBound(trace, projectGroups.groups, offerings);
  const pct = (base: number) => (base > 0 ? ((base - project.cost) / base) * 100 : 0);
  return {
    seed,
    durationHours: trace.durationHours,
    stepSeconds: trace.stepSeconds,
    project,
    caLike,
    static: statics,
    savingsVsStaticPercent: pct(statics.cost),
    savingsVsCaLikePercent: pct(caLike.cost),
    utilizationPercent: ((project.cpuUtilization.average + project.memoryUtilization.average) / 2) * 100,
    configDifferences: configDifferences(input.groups),
    instantBound: { ...bound, savingsVsStaticPercent: statics.cost > 0 ? ((statics.cost - bound.cost) / statics.cost) * 100 : 0 },
    caLikeOfferings: Object.fromEntries(caRaw.map((g) => [`${g.namespace}/${g.name}`, (g.spec.offeringIDs as string[])[0]!])),
  };
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** The static fleet all day: its cost is fixed, its utilization is the trace's demand over its allocatable. */
function staticMetrics(trace: Trace, fleet: StaticFleet, stepMs: number): StaticMetrics {
  const durationMs = trace.durationHours * 3600_000;
  const samples: Sample[] = [];
  const vmsByOffering = Object.fromEntries(fleet.nodes.map((n) => [n.offering, n.count]));
  for (let t = 0; t <= durationMs; t += stepMs) {
    let cpu = 0, memory = 0;
    for (const w of trace.workloads) {
      const n = replicasAt(w, t);
      cpu += n * w.requests.cpu;
      memory += n * w.requests.memory;
    }
    samples.push({
      atMs: SIM_START_MS + t,
      requestedCpuMillis: cpu,
      requestedMemoryBytes: memory,
      capacityCpuMillis: fleet.allocatable.cpuMillis,
      capacityMemoryBytes: fleet.allocatable.memoryBytes,
      pendingPods: 0,
      vmsByOffering,
      costPerHour: fleet.costPerHour,
    });
  }
  const vmCount = fleet.nodes.reduce((s, n) => s + n.count, 0);
  return {
    name: 'static',
    fleet,
    cost: fleet.costPerHour * trace.durationHours,
    costPerHour: fleet.costPerHour,
    cpuUtilization: utilizationOf(samples, 'cpu'),
    memoryUtilization: utilizationOf(samples, 'memory'),
    pendingPodMinutes: 0,
    longestWaitSeconds: 0,
    podsPendingBecauseOfScaleDown: 0,
    vmCreates: vmCount,
    vmDeletes: 0,
    minVmLifetimeSeconds: null,
    reconciles: 0,
    samples,
  };
}

