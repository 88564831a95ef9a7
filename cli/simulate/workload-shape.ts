import type { PodShape } from '../../shared/snapshot.ts';
import type { TraceWorkload } from './trace.ts';

/** The label every simulated pod of a workload carries (and its PodDisruptionBudget selects). */
export const WORKLOAD_LABEL = 'app';

/** What the forwarder would compact a Deployment's pod to (shared/compact): requests, labels, placement rules, a ReplicaSet owner. */
export function workloadShape(workload: TraceWorkload): PodShape {
  return {
    requests: { cpuMillis: workload.requests.cpu, memoryBytes: workload.requests.memory, ephemeralBytes: 0 },
    labels: { ...workload.labels, [WORKLOAD_LABEL]: workload.name },
    nodeSelector: workload.nodeSelector,
    nodeAffinity: [],
    tolerations: workload.tolerations,
    hostPorts: [],
    podAffinity: [],
    podAntiAffinity: [],
    topologySpread: [],
    owner: { kind: 'ReplicaSet', name: `${workload.name}-rs` },
    priority: 0,
    localVolumes: [],
    annotations: {},
    terminationGracePeriodSeconds: 30,
  };
}
