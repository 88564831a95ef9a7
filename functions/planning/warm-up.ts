import { snapshotSchema, type PodShape } from '../../shared/snapshot.ts';
import { plan } from './plan.ts';
import { DEFAULT_POLICY, EMPTY_STATE, type PlanResult } from './types.ts';

// One plan at start-up, on a small made-up cluster, before the first request: a burst's first
// reconcile is the one whose time counts most (its first create), and a cold planner took 0.7 s on
// issue-22's first 42 pods where a warm one takes 0.15 s (its code not yet compiled by V8). The
// cluster: one NodeGroup of 4 offerings and 42 pending pods of 3 shapes, pending for a minute.
// Pure: nothing is stored, nothing sent; the result is only returned for the test.

const MIB = 1024 * 1024;

function podShape(cpuMillis: number, memoryMiB: number, app: string): PodShape {
  return {
    requests: { cpuMillis, memoryBytes: memoryMiB * MIB, ephemeralBytes: 0 },
    labels: { app }, nodeSelector: {}, nodeAffinity: [], tolerations: [], hostPorts: [], podAffinity: [], podAntiAffinity: [], topologySpread: [],
    owner: { kind: 'ReplicaSet', name: app }, priority: 0, localVolumes: [], annotations: {}, terminationGracePeriodSeconds: 30,
  };
}

export function warmUpPlanner(nowMs = 1_000_000): PlanResult {
  const shapes = [podShape(250, 256, 'small'), podShape(1000, 1024, 'cpu'), podShape(250, 3072, 'mem')];
  const snapshot = snapshotSchema.parse({
    version: 'v1',
    clusterId: 'warm-up',
    takenAtMs: nowMs,
    synced: true,
    forwarder: { id: 'warm-up', version: 'warm-up', dryRun: true, lastFencingToken: 0 },
    nodeGroups: [{ namespace: 'default', name: 'warm-up', generation: 1, spec: { maxNodes: 50, datacenterID: 'dc', osImageID: 'os', offeringIDs: ['s', 'm', 'l', 'xl'] } }],
    nodes: [],
    podShapes: shapes,
    pods: shapes.flatMap((_, shape) => Array.from({ length: 14 }, (__, i) => ({ namespace: 'default', name: `warm-up-${shape}-${i}`, phase: 'Pending', shape, createdAtMs: nowMs - 60_000, unschedulableSinceMs: nowMs - 60_000 }))),
    pdbs: [],
    daemonSets: [],
    offerings: [[2, 4, 20], [4, 8, 40], [8, 16, 80], [16, 64, 240]].map(([cpu, gib, price], i) => ({ identifier: ['s', 'm', 'l', 'xl'][i]!, nickname: ['s', 'm', 'l', 'xl'][i]!, datacenterID: 'dc', cpu, ramMiB: gib! * 1024, ssdGiB: 80, priceMonthly: price })),
    vms: [],
    results: [],
  });
  return plan(snapshot, structuredClone(EMPTY_STATE), { ...DEFAULT_POLICY, clusterId: 'warm-up', hostnamePrefix: 'warm-up-' }, nowMs);
}
