import type { World } from './world.ts';

// What one simulated run measured. Costs are prorated per millisecond of a VM's life (from its
// create to its delete) at priceMonthly / 730 per hour; utilization is requested / allocatable over
// the Ready nodes (pods bound to them), sampled once per step.

export const HOURS_PER_MONTH = 730;

export interface Sample {
  atMs: number;
  requestedCpuMillis: number;
  requestedMemoryBytes: number;
  capacityCpuMillis: number;
  capacityMemoryBytes: number;
  pendingPods: number;
  /** Live VMs per offering identifier. */
  vmsByOffering: Record<string, number>;
  costPerHour: number;
}

export interface RunMetrics {
  name: string;
  cost: number;
  costPerHour: number;
  cpuUtilization: { average: number; p10: number };
  memoryUtilization: { average: number; p10: number };
  pendingPodMinutes: number;
  longestWaitSeconds: number;
  podsPendingBecauseOfScaleDown: number;
  vmCreates: number;
  vmDeletes: number;
  /** Shortest life of a VM that was deleted (VPSie's abuse rule), null when none was. */
  minVmLifetimeSeconds: number | null;
  /** Plans the simulated forwarder asked for (0 for the static fleet). */
  reconciles: number;
  samples: Sample[];
}

export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

export function utilizationOf(samples: readonly Sample[], resource: 'cpu' | 'memory'): { average: number; p10: number } {
  const values = samples.flatMap((s) => {
    const capacity = resource === 'cpu' ? s.capacityCpuMillis : s.capacityMemoryBytes;
    const requested = resource === 'cpu' ? s.requestedCpuMillis : s.requestedMemoryBytes;
    return capacity > 0 ? [Math.min(1, requested / capacity)] : [];
  });
  const average = values.length === 0 ? 0 : values.reduce((a, b) => a + b, 0) / values.length;
  return { average, p10: percentile(values, 10) };
}

/** The world as one sample: requests of the pods bound to Ready nodes over those nodes' allocatable (pending pods counted apart). */
export function sampleWorld(world: World, atMs: number): Sample {
  let capacityCpuMillis = 0;
  let capacityMemoryBytes = 0;
  const ready = new Set<string>();
  for (const node of world.nodes.values()) {
    if (!node.ready) continue;
    ready.add(node.name);
    capacityCpuMillis += node.allocatable.cpuMillis;
    capacityMemoryBytes += node.allocatable.memoryBytes;
  }
  let requestedCpuMillis = 0;
  let requestedMemoryBytes = 0;
  let pendingPods = 0;
  for (const pod of world.pods.values()) {
    if (pod.nodeName === undefined) { pendingPods++; continue; }
    if (!ready.has(pod.nodeName)) continue;
    const r = world.shapes[pod.workload]!.requests;
    requestedCpuMillis += r.cpuMillis;
    requestedMemoryBytes += r.memoryBytes;
  }
  const vmsByOffering: Record<string, number> = {};
  let costPerHour = 0;
  for (const vm of world.liveVms()) {
    vmsByOffering[vm.offering.identifier] = (vmsByOffering[vm.offering.identifier] ?? 0) + 1;
    costPerHour += vm.offering.priceMonthly / HOURS_PER_MONTH;
  }
  return { atMs, requestedCpuMillis, requestedMemoryBytes, capacityCpuMillis, capacityMemoryBytes, pendingPods, vmsByOffering, costPerHour };
}

/** The cost of every VM of the run, each from its create to its delete (or the end). */
export function vmCost(world: World, endMs: number): number {
  return world.vms.reduce((sum, vm) => sum + ((Math.min(vm.deletedAtMs ?? endMs, endMs) - vm.createdAtMs) / 3600_000) * (vm.offering.priceMonthly / HOURS_PER_MONTH), 0);
}
