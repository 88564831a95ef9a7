import { parseBytes, parseCpuMillis, MIB, GIB } from '../../shared/quantity.ts';
import type { KubeletSettings } from './user-data.ts';

// Capacity and allocatable of the Node a VM registers, as its kubelet would report them:
// capacity from the plan; allocatable = capacity − kube-reserved − system-reserved − eviction-hard.

export type NodeResources = { capacity: Record<string, string>; allocatable: Record<string, string> };

export const DEFAULT_MAX_PODS = 110;

function reserved(settings: KubeletSettings, resource: string, parse: (q: string) => number): number {
  let total = 0;
  for (const source of [settings.kubeReserved, settings.systemReserved]) {
    const value = source[resource];
    if (value) total += safe(() => parse(value));
  }
  return total;
}

function safe(fn: () => number): number {
  try {
    return fn();
  } catch {
    return 0; // an unreadable quantity: a real kubelet would refuse to start; the sim ignores it
  }
}

function evictionBytes(threshold: string | undefined, capacityBytes: number): number {
  if (!threshold) return 0;
  const percent = threshold.match(/^(\d+(?:\.\d+)?)%$/);
  if (percent) return Math.ceil((capacityBytes * Number(percent[1])) / 100);
  return safe(() => parseBytes(threshold));
}

export function nodeResources(plan: { cpu: number; ramMb: number; ssdGb: number }, settings: KubeletSettings): NodeResources {
  const cpuMillis = plan.cpu * 1000;
  const memoryBytes = plan.ramMb * MIB;
  const storageBytes = plan.ssdGb * GIB;
  const pods = settings.maxPods ?? DEFAULT_MAX_PODS;

  const allocCpu = Math.max(0, cpuMillis - reserved(settings, 'cpu', parseCpuMillis));
  const allocMemory = Math.max(0, memoryBytes - reserved(settings, 'memory', parseBytes) - evictionBytes(settings.evictionHard['memory.available'], memoryBytes));
  const allocStorage = Math.max(
    0,
    storageBytes - reserved(settings, 'ephemeral-storage', parseBytes) - evictionBytes(settings.evictionHard['nodefs.available'], storageBytes),
  );
  return {
    capacity: { cpu: String(plan.cpu), memory: `${plan.ramMb}Mi`, pods: String(pods), 'ephemeral-storage': `${plan.ssdGb}Gi` },
    allocatable: { cpu: `${allocCpu}m`, memory: String(allocMemory), pods: String(pods), 'ephemeral-storage': String(allocStorage) },
  };
}
