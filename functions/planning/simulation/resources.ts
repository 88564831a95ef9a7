import type { NodeResources, Resources } from '../../../shared/snapshot.ts';

export function addPodRequests(into: NodeResources, requests: Resources, sign: 1 | -1 = 1): void {
  into.cpuMillis += sign * requests.cpuMillis;
  into.memoryBytes += sign * requests.memoryBytes;
  into.ephemeralBytes += sign * requests.ephemeralBytes;
  into.pods += sign;
}
