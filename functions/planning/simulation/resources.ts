import type { NodeResources, Resources } from '../../../shared/snapshot.ts';

export const ZERO_NODE_RESOURCES: NodeResources = Object.freeze({ cpuMillis: 0, memoryBytes: 0, ephemeralBytes: 0, pods: 0 });

export function addPodRequests(into: NodeResources, requests: Resources, sign: 1 | -1 = 1): void {
  into.cpuMillis += sign * requests.cpuMillis;
  into.memoryBytes += sign * requests.memoryBytes;
  into.ephemeralBytes += sign * requests.ephemeralBytes;
  into.pods += sign;
}

export function subtractResources(from: NodeResources, minus: NodeResources): NodeResources {
  return {
    cpuMillis: from.cpuMillis - minus.cpuMillis,
    memoryBytes: from.memoryBytes - minus.memoryBytes,
    ephemeralBytes: from.ephemeralBytes - minus.ephemeralBytes,
    pods: from.pods - minus.pods,
  };
}
