import { API_GROUP, API_VERSION, NODEGROUP_KIND } from '../labels.ts';
import { formatBytes, formatCpuMillis } from '../quantity.ts';
import type { PodShape, Snapshot, SnapshotDaemonSet, SnapshotPod } from '../snapshot.ts';
import type { KubeDaemonSet, KubeNode, KubeNodeGroupObject, KubePdb, KubePod, KubePodSpec } from './kube-types.ts';

// The way back: a snapshot's compact facts as whole facts (pod + its shape) and as Kubernetes
// objects. The planner reads pods through podWithShape; the round-trip tests and the what-if tools
// use snapshotToObjects (objects → snapshot → objects → snapshot gives the same snapshot).

export type ExpandedPod = Omit<SnapshotPod, 'shape'> & PodShape;

export function shapeOf(snapshot: Pick<Snapshot, 'podShapes'>, index: number): PodShape {
  const shape = snapshot.podShapes[index];
  if (!shape) throw new RangeError(`podShapes[${index}] does not exist (snapshot has ${snapshot.podShapes.length} shapes)`);
  return shape;
}

/** A pod with its shape's facts inlined. */
export function podWithShape(snapshot: Pick<Snapshot, 'podShapes'>, pod: SnapshotPod): ExpandedPod {
  const { shape, ...own } = pod;
  return { ...own, ...shapeOf(snapshot, shape) };
}

export function daemonSetWithShape(snapshot: Pick<Snapshot, 'podShapes'>, ds: SnapshotDaemonSet): Omit<SnapshotDaemonSet, 'shape'> & PodShape {
  const { shape, ...own } = ds;
  return { ...own, ...shapeOf(snapshot, shape) };
}

const iso = (ms: number): string => new Date(ms).toISOString();

const OWNER_API_VERSIONS: Record<string, string> = {
  ReplicaSet: 'apps/v1', Deployment: 'apps/v1', StatefulSet: 'apps/v1', DaemonSet: 'apps/v1', Job: 'batch/v1', CronJob: 'batch/v1',
};

function requestList(shape: PodShape): Record<string, string> {
  const out: Record<string, string> = {};
  if (shape.requests.cpuMillis) out.cpu = formatCpuMillis(shape.requests.cpuMillis);
  if (shape.requests.memoryBytes) out.memory = formatBytes(shape.requests.memoryBytes);
  if (shape.requests.ephemeralBytes) out['ephemeral-storage'] = formatBytes(shape.requests.ephemeralBytes);
  return out;
}

/** One container carrying the effective requests and the host ports; local volumes as emptyDirs. */
function podSpecOf(shape: PodShape): KubePodSpec {
  return {
    nodeSelector: { ...shape.nodeSelector },
    containers: [{
      name: 'main',
      resources: { requests: requestList(shape) },
      ports: shape.hostPorts.map((p) => ({ containerPort: p.port, hostPort: p.port, protocol: p.protocol, ...(p.hostIP ? { hostIP: p.hostIP } : {}) })),
    }],
    tolerations: shape.tolerations.map((t) => ({ ...t })),
    priority: shape.priority,
    terminationGracePeriodSeconds: shape.terminationGracePeriodSeconds,
    affinity: {
      nodeAffinity: shape.nodeAffinity.length > 0 ? { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: shape.nodeAffinity } } : null,
      podAffinity: { requiredDuringSchedulingIgnoredDuringExecution: shape.podAffinity },
      podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: shape.podAntiAffinity },
    },
    topologySpreadConstraints: shape.topologySpread,
    volumes: shape.localVolumes.map((name) => ({ name, emptyDir: {} })),
  };
}

function podObject(snapshot: Snapshot, pod: SnapshotPod): KubePod {
  const shape = shapeOf(snapshot, pod.shape);
  return {
    metadata: {
      name: pod.name,
      namespace: pod.namespace,
      labels: { ...shape.labels },
      annotations: { ...shape.annotations },
      creationTimestamp: iso(pod.createdAtMs),
      ...(pod.terminating ? { deletionTimestamp: iso(snapshot.takenAtMs) } : {}),
      ...(shape.owner ? {
        ownerReferences: [{ apiVersion: OWNER_API_VERSIONS[shape.owner.kind] ?? 'v1', kind: shape.owner.kind, name: shape.owner.name, uid: '', controller: true }],
      } : {}),
    },
    spec: { ...podSpecOf(shape), ...(pod.nodeName ? { nodeName: pod.nodeName } : {}) },
    status: {
      phase: pod.phase,
      ...(pod.nominatedNodeName ? { nominatedNodeName: pod.nominatedNodeName } : {}),
      conditions: pod.unschedulableSinceMs !== undefined
        ? [{ type: 'PodScheduled', status: 'False', reason: 'Unschedulable', lastTransitionTime: iso(pod.unschedulableSinceMs) }]
        : [],
    },
  };
}

export interface SnapshotObjects {
  pods: KubePod[];
  nodes: KubeNode[];
  pdbs: KubePdb[];
  daemonSets: KubeDaemonSet[];
  nodeGroups: KubeNodeGroupObject[];
}

/** Kubernetes objects (plain JSON, times as RFC 3339 strings) that compact back to the same snapshot facts. */
export function snapshotToObjects(snapshot: Snapshot): SnapshotObjects {
  return {
    pods: snapshot.pods.map((pod) => podObject(snapshot, pod)),
    nodes: snapshot.nodes.map((node) => ({
      metadata: {
        name: node.name,
        labels: { ...node.labels },
        annotations: { ...node.annotations },
        creationTimestamp: iso(node.createdAtMs),
        ...(node.terminating ? { deletionTimestamp: iso(snapshot.takenAtMs) } : {}),
      },
      spec: { taints: node.taints.map((t) => ({ ...t })), unschedulable: node.unschedulable, ...(node.providerID ? { providerID: node.providerID } : {}) },
      status: {
        allocatable: {
          cpu: formatCpuMillis(node.allocatable.cpuMillis),
          memory: formatBytes(node.allocatable.memoryBytes),
          'ephemeral-storage': formatBytes(node.allocatable.ephemeralBytes),
          pods: String(node.allocatable.pods),
        },
        conditions: [
          { type: 'Ready', status: node.ready ? 'True' : 'False', ...(node.readyTransitionMs !== undefined ? { lastTransitionTime: iso(node.readyTransitionMs) } : {}) },
          ...node.pressure.map((type) => ({ type, status: 'True' })),
        ],
      },
    })),
    pdbs: snapshot.pdbs.map((pdb) => ({
      metadata: { name: pdb.name, namespace: pdb.namespace },
      spec: { selector: pdb.selector },
      status: { disruptionsAllowed: pdb.disruptionsAllowed },
    })),
    daemonSets: snapshot.daemonSets.map((ds) => {
      const shape = shapeOf(snapshot, ds.shape);
      return {
        metadata: { name: ds.name, namespace: ds.namespace },
        spec: { template: { metadata: { labels: { ...shape.labels }, annotations: { ...shape.annotations } }, spec: podSpecOf(shape) } },
      };
    }),
    nodeGroups: snapshot.nodeGroups.map((g) => ({
      apiVersion: `${API_GROUP}/${API_VERSION}`,
      kind: NODEGROUP_KIND,
      metadata: { name: g.name, namespace: g.namespace, generation: g.generation },
      spec: g.spec,
    })),
  };
}
