import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { snapshotSchema, type PodShape, type Snapshot } from '../snapshot.ts';
import { podWithShape, snapshotToObjects } from './expand.ts';
import type { KubeContainer, KubeNode, KubePod, KubeToleration } from './kube-types.ts';
import { SnapshotBuilder } from './snapshot-builder.ts';
import { stableKey } from './stable-key.ts';

// Property: Kubernetes objects → snapshot → facts keeps every scheduling-relevant fact, the objects
// rebuilt from a snapshot compact to the same snapshot, and shape dedup never merges pods that
// differ in a scheduling fact. Generated objects carry their expected facts alongside, computed by
// construction (not by the code under test).

const FORWARDER = { id: 'fwd-1', version: 'test', dryRun: false, lastFencingToken: 0 };
const MIB = 1024 * 1024;

const labelKey = fc.constantFrom('app', 'tier', 'team', 'example.com/role', 'topology.kubernetes.io/zone');
const labelValue = fc.constantFrom('a', 'b', 'web', 'db', '');
const labels = fc.dictionary(labelKey, labelValue, { maxKeys: 3 });
const time = fc.integer({ min: 0, max: 4_000_000_000_000 });
/** Both ways a timestamp arrives: a Date (client-node) or an RFC 3339 string (JSON, YAML). */
const asTime = (ms: number, asDate: boolean) => (asDate ? new Date(ms) : new Date(ms).toISOString());

/** A cpu amount in millicores and one of the many ways to write it. */
const cpu = fc.integer({ min: 0, max: 8000 }).chain((m) => fc.constantFrom(
  `${m}m`, `${m}e-3`, String(m / 1000), ...(m % 1000 === 0 ? [`${m / 1000}`, `${m / 1000}e0`] : []),
).map((text) => ({ m, text })));
/** A memory amount in bytes and one of the ways to write it. */
const memory = fc.integer({ min: 0, max: 4096 }).chain((n) => fc.constantFrom(
  { bytes: n * MIB, text: `${n}Mi` }, { bytes: n * 1024, text: `${n}Ki` }, { bytes: n * 1_000_000, text: `${n}M` },
  { bytes: n * 1000, text: `${n}k` }, { bytes: n, text: String(n) }, { bytes: n * 1_000_000, text: `${n}e6` },
));

interface Amount { cpuMillis: number; memoryBytes: number; ephemeralBytes: number }
const ZERO: Amount = { cpuMillis: 0, memoryBytes: 0, ephemeralBytes: 0 };

/** A container and the requests it contributes (limits stand in for missing requests). */
const container = fc.record({
  cpu: fc.option(cpu, { nil: undefined }),
  memory: fc.option(memory, { nil: undefined }),
  ephemeral: fc.option(memory, { nil: undefined }),
  cpuAsLimit: fc.boolean(),
  sidecar: fc.boolean(),
  ports: fc.array(fc.record({ containerPort: fc.integer({ min: 1, max: 65535 }), hostPort: fc.option(fc.integer({ min: 1, max: 65535 }), { nil: undefined }), protocol: fc.constantFrom(undefined, 'TCP', 'UDP') }), { maxLength: 2 }),
}).map(({ cpu, memory, ephemeral, cpuAsLimit, sidecar, ports }) => {
  const requests: Record<string, string> = {};
  const limits: Record<string, string> = {};
  if (cpu) (cpuAsLimit ? limits : requests).cpu = cpu.text;
  if (memory) requests.memory = memory.text;
  if (ephemeral) requests['ephemeral-storage'] = ephemeral.text;
  const k8s: KubeContainer = { name: 'c', resources: { requests, limits }, ports, ...(sidecar ? { restartPolicy: 'Always' } : {}) };
  const amount: Amount = { cpuMillis: cpu?.m ?? 0, memoryBytes: memory?.bytes ?? 0, ephemeralBytes: ephemeral?.bytes ?? 0 };
  return { k8s, amount, sidecar };
});

const toleration = fc.constantFrom<KubeToleration>(
  { operator: 'Exists' }, { key: 'dedicated', operator: 'Equal', value: 'gpu', effect: 'NoSchedule' },
  { key: 'dedicated', operator: 'Exists' }, { key: 'spot', value: 'true', effect: 'NoExecute' },
);
const nodeTerm = fc.record({
  matchExpressions: fc.array(fc.oneof(
    fc.record({ key: labelKey, operator: fc.constantFrom('In', 'NotIn'), values: fc.array(fc.constantFrom('a', 'b', 'c'), { minLength: 1, maxLength: 2 }) }),
    fc.record({ key: labelKey, operator: fc.constantFrom('Exists', 'DoesNotExist') }),
    fc.record({ key: fc.constant('cpus'), operator: fc.constantFrom('Gt', 'Lt'), values: fc.constant(['4']) }),
  ), { minLength: 1, maxLength: 2 }),
});
const affinityTerm = fc.record({
  labelSelector: fc.record({ matchLabels: fc.dictionary(labelKey, fc.constantFrom('a', 'web'), { minKeys: 1, maxKeys: 2 }) }),
  topologyKey: fc.constantFrom('kubernetes.io/hostname', 'topology.kubernetes.io/zone'),
  namespaces: fc.option(fc.constant<string[]>(['other']), { nil: undefined }),
});
const spread = fc.record({
  maxSkew: fc.integer({ min: 1, max: 3 }),
  topologyKey: fc.constantFrom('kubernetes.io/hostname', 'topology.kubernetes.io/zone'),
  whenUnsatisfiable: fc.constantFrom('DoNotSchedule', 'ScheduleAnyway'),
  labelSelector: fc.record({ matchLabels: fc.dictionary(labelKey, fc.constant('web'), { minKeys: 1, maxKeys: 1 }) }),
});
const volume = fc.constantFrom(
  { v: { name: 'scratch', emptyDir: {} }, local: true },
  { v: { name: 'shm', emptyDir: { medium: 'Memory' } }, local: false },
  { v: { name: 'logs', hostPath: { path: '/var/log' } }, local: true },
  { v: { name: 'cfg', configMap: { name: 'x' } }, local: false },
);
const annotations = fc.subarray([
  ['cluster-autoscaler.kubernetes.io/safe-to-evict', 'false'],
  ['karpenter.sh/do-not-disrupt', 'true'],
  ['cluster-autoscaler.kubernetes.io/safe-to-evict-local-volumes', 'scratch'],
  ['kubernetes.io/config.mirror', 'abc'],
  ['kubectl.kubernetes.io/last-applied-configuration', '{}'],
  ['deployment.kubernetes.io/revision', '3'],
] as const);

/** The template part of a pod (what replicas share), with the shape it must compact to. */
const template = fc.record({
  labels,
  nodeSelector: labels,
  containers: fc.array(container, { maxLength: 3 }),
  initContainers: fc.array(container, { maxLength: 3 }),
  overhead: fc.option(cpu, { nil: undefined }),
  hostNetwork: fc.boolean(),
  tolerations: fc.array(toleration, { maxLength: 3 }),
  nodeTerms: fc.array(nodeTerm, { maxLength: 2 }),
  podAffinity: fc.array(affinityTerm, { maxLength: 2 }),
  podAntiAffinity: fc.array(affinityTerm, { maxLength: 2 }),
  spread: fc.array(spread, { maxLength: 2 }),
  owner: fc.option(fc.record({ kind: fc.constantFrom('ReplicaSet', 'StatefulSet', 'Job'), name: fc.constantFrom('web', 'db') }), { nil: undefined }),
  nonControllerOwner: fc.boolean(),
  priority: fc.option(fc.integer({ min: -100, max: 1_000_000 }), { nil: undefined }),
  volumes: fc.uniqueArray(volume, { maxLength: 4, selector: (v) => v.v.name }),
  annotations,
  grace: fc.option(fc.integer({ min: 0, max: 600 }), { nil: undefined }),
});
type Template = typeof template extends fc.Arbitrary<infer T> ? T : never;

const sum = (a: Amount, b: Amount): Amount => ({ cpuMillis: a.cpuMillis + b.cpuMillis, memoryBytes: a.memoryBytes + b.memoryBytes, ephemeralBytes: a.ephemeralBytes + b.ephemeralBytes });
const max = (a: Amount, b: Amount): Amount => ({ cpuMillis: Math.max(a.cpuMillis, b.cpuMillis), memoryBytes: Math.max(a.memoryBytes, b.memoryBytes), ephemeralBytes: Math.max(a.ephemeralBytes, b.ephemeralBytes) });

/** The expected shape, from the generator's own knowledge of what it wrote. */
function expectedShape(t: Template): PodShape {
  let regular = t.containers.reduce((acc, c) => sum(acc, c.amount), ZERO);
  let sidecars = ZERO;
  let init = ZERO;
  for (const c of t.initContainers) {
    if (c.sidecar) { regular = sum(regular, c.amount); sidecars = sum(sidecars, c.amount); init = max(init, sidecars); }
    else init = max(init, sum(c.amount, sidecars));
  }
  const requests = sum(max(regular, init), { ...ZERO, cpuMillis: t.overhead?.m ?? 0 });
  const hostPorts = [...t.initContainers, ...t.containers].flatMap((c) => (c.k8s.ports ?? []).flatMap((p) => {
    const port = p.hostPort ?? (t.hostNetwork ? p.containerPort : undefined);
    return port ? [{ port: port!, protocol: (p.protocol ?? 'TCP') as 'TCP' }] : [];
  }));
  return {
    requests,
    labels: t.labels,
    nodeSelector: t.nodeSelector,
    nodeAffinity: t.nodeTerms as PodShape['nodeAffinity'],
    tolerations: t.tolerations as PodShape['tolerations'],
    hostPorts,
    podAffinity: t.podAffinity.map(({ namespaces, ...rest }) => ({ ...rest, ...(namespaces ? { namespaces } : {}) })),
    podAntiAffinity: t.podAntiAffinity.map(({ namespaces, ...rest }) => ({ ...rest, ...(namespaces ? { namespaces } : {}) })),
    topologySpread: t.spread as PodShape['topologySpread'],
    owner: t.owner ?? null,
    priority: t.priority ?? 0,
    localVolumes: t.volumes.filter((v) => v.local).map((v) => v.v.name),
    annotations: Object.fromEntries(t.annotations.filter(([k]) => !k.startsWith('kubectl') && !k.startsWith('deployment'))),
    terminationGracePeriodSeconds: t.grace ?? 30,
  };
}

function templateSpec(t: Template) {
  return {
    nodeSelector: t.nodeSelector,
    hostNetwork: t.hostNetwork,
    containers: t.containers.map((c) => c.k8s),
    initContainers: t.initContainers.map((c) => c.k8s),
    ...(t.overhead ? { overhead: { cpu: t.overhead.text } } : {}),
    tolerations: t.tolerations,
    ...(t.priority !== undefined ? { priority: t.priority } : {}),
    ...(t.grace !== undefined ? { terminationGracePeriodSeconds: t.grace } : {}),
    affinity: {
      nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: t.nodeTerms } },
      podAffinity: { requiredDuringSchedulingIgnoredDuringExecution: t.podAffinity },
      podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: t.podAntiAffinity },
    },
    topologySpreadConstraints: t.spread,
    volumes: t.volumes.map((v) => v.v),
  };
}

/** Per-pod facts, and the pod built from a template and them. */
const podInstance = fc.record({
  name: fc.uuid(),
  namespace: fc.constantFrom('default', 'shop'),
  nodeName: fc.option(fc.constantFrom('n1', 'n2'), { nil: undefined }),
  phase: fc.constantFrom('Pending', 'Running', 'Succeeded', 'Failed', 'Unknown'),
  createdAtMs: time,
  unschedulableSinceMs: fc.option(time, { nil: undefined }),
  terminating: fc.boolean(),
  nominatedNodeName: fc.option(fc.constantFrom('n1', 'n2'), { nil: undefined }),
  datesAsObjects: fc.boolean(),
});
type Instance = typeof podInstance extends fc.Arbitrary<infer T> ? T : never;

function kubePod(t: Template, i: Instance): KubePod {
  const owners = [
    ...(t.owner ? [{ apiVersion: 'apps/v1', kind: t.owner.kind, name: t.owner.name, uid: 'u', controller: true }] : []),
    ...(t.nonControllerOwner ? [{ apiVersion: 'v1', kind: 'ConfigMap', name: 'not-a-controller', uid: 'v' }] : []),
  ];
  return {
    metadata: {
      name: i.name, namespace: i.namespace, labels: t.labels, annotations: Object.fromEntries(t.annotations),
      creationTimestamp: asTime(i.createdAtMs, i.datesAsObjects),
      ...(i.terminating ? { deletionTimestamp: asTime(i.createdAtMs + 1, i.datesAsObjects) } : {}),
      ownerReferences: owners,
    },
    spec: { ...templateSpec(t), ...(i.nodeName ? { nodeName: i.nodeName } : {}) },
    status: {
      phase: i.phase,
      ...(i.nominatedNodeName ? { nominatedNodeName: i.nominatedNodeName } : {}),
      conditions: [
        { type: 'Initialized', status: 'True' },
        ...(i.unschedulableSinceMs !== undefined
          ? [{ type: 'PodScheduled', status: 'False', reason: 'Unschedulable', lastTransitionTime: asTime(i.unschedulableSinceMs, i.datesAsObjects) }]
          : [{ type: 'PodScheduled', status: 'True' }]),
      ],
    },
  };
}

const kubeNode = fc.record({
  name: fc.uuid(),
  labels,
  taints: fc.array(fc.record({ key: fc.constantFrom('dedicated', 'spot'), value: fc.option(fc.constantFrom('gpu', 'true'), { nil: undefined }), effect: fc.constantFrom('NoSchedule', 'PreferNoSchedule', 'NoExecute') }), { maxLength: 2 }),
  unschedulable: fc.boolean(),
  cpu, memory, ephemeral: memory,
  pods: fc.integer({ min: 0, max: 250 }),
  ready: fc.constantFrom('True', 'False', 'Unknown'),
  readyAtMs: time,
  pressure: fc.subarray(['MemoryPressure', 'DiskPressure', 'PIDPressure'] as const),
  createdAtMs: time,
  datesAsObjects: fc.boolean(),
}).map((n) => ({
  n,
  k8s: {
    metadata: { name: n.name, labels: n.labels, creationTimestamp: asTime(n.createdAtMs, n.datesAsObjects) },
    spec: { taints: n.taints, unschedulable: n.unschedulable },
    status: {
      allocatable: { cpu: n.cpu.text, memory: n.memory.text, 'ephemeral-storage': n.ephemeral.text, pods: String(n.pods) },
      conditions: [
        { type: 'Ready', status: n.ready, lastTransitionTime: asTime(n.readyAtMs, n.datesAsObjects) },
        ...(['MemoryPressure', 'DiskPressure', 'PIDPressure'] as const).map((type) => ({ type, status: n.pressure.includes(type) ? 'True' : 'False' })),
      ],
    },
  } satisfies KubeNode,
}));

/** A few templates, and pods drawn from them (so replicas share templates and dedup is exercised). */
const cluster = fc.record({
  templates: fc.array(template, { minLength: 1, maxLength: 4 }),
  pods: fc.array(fc.tuple(fc.nat(), podInstance), { maxLength: 12 }),
  nodes: fc.array(kubeNode, { maxLength: 3 }),
});

function build(objects: { pods: KubePod[]; nodes: KubeNode[] }): Snapshot {
  const builder = new SnapshotBuilder({ clusterId: 'c1', forwarder: FORWARDER, takenAtMs: 1000, synced: true });
  objects.pods.forEach((p) => builder.addPod(p));
  objects.nodes.forEach((n) => builder.addNode(n));
  return builder.build();
}

describe('round trip Kubernetes objects → snapshot → facts', () => {
  it('keeps every scheduling fact of pods and nodes', () => {
    fc.assert(fc.property(cluster, ({ templates, pods, nodes }) => {
      const drawn = pods.map(([n, instance]) => ({ t: templates[n % templates.length]!, instance }));
      const snapshot = build({ pods: drawn.map(({ t, instance }) => kubePod(t, instance)), nodes: nodes.map((n) => n.k8s) });
      expect(snapshotSchema.safeParse(snapshot).success).toBe(true);

      drawn.forEach(({ t, instance: i }, index) => {
        expect(podWithShape(snapshot, snapshot.pods[index]!)).toEqual({
          namespace: i.namespace, name: i.name, phase: i.phase, createdAtMs: i.createdAtMs,
          ...(i.nodeName ? { nodeName: i.nodeName } : {}),
          ...(i.unschedulableSinceMs !== undefined ? { unschedulableSinceMs: i.unschedulableSinceMs } : {}),
          ...(i.terminating ? { terminating: true } : {}),
          ...(i.nominatedNodeName ? { nominatedNodeName: i.nominatedNodeName } : {}),
          ...expectedShape(t),
        });
      });
      nodes.forEach(({ n }, index) => {
        expect(snapshot.nodes[index]).toEqual({
          name: n.name, labels: n.labels, taints: n.taints.map(({ value, ...t }) => ({ ...t, ...(value ? { value } : {}) })),
          unschedulable: n.unschedulable,
          allocatable: { cpuMillis: n.cpu.m, memoryBytes: n.memory.bytes, ephemeralBytes: n.ephemeral.bytes, pods: n.pods },
          ready: n.ready === 'True', readyTransitionMs: n.readyAtMs, pressure: n.pressure,
          createdAtMs: n.createdAtMs, annotations: {},
        });
      });
    }), { numRuns: 200 });
  });

  it('objects rebuilt from a snapshot compact to the same snapshot', () => {
    fc.assert(fc.property(cluster, ({ templates, pods, nodes }) => {
      const snapshot = build({
        pods: pods.map(([n, instance]) => kubePod(templates[n % templates.length]!, instance)),
        nodes: nodes.map((n) => n.k8s),
      });
      // JSON round trip too: what `kubectl get -o json` of the rebuilt objects would give.
      const objects = JSON.parse(JSON.stringify(snapshotToObjects(snapshot))) as ReturnType<typeof snapshotToObjects>;
      expect(build(objects)).toEqual(snapshot);
    }), { numRuns: 150 });
  });

  it('shares a shape exactly when the scheduling facts are equal', () => {
    fc.assert(fc.property(cluster, ({ templates, pods }) => {
      const drawn = pods.map(([n, instance]) => ({ t: templates[n % templates.length]!, instance }));
      const snapshot = build({ pods: drawn.map(({ t, instance }) => kubePod(t, instance)), nodes: [] });
      for (let a = 0; a < drawn.length; a++) {
        for (let b = a + 1; b < drawn.length; b++) {
          const sameFacts = stableKey(expectedShape(drawn[a]!.t)) === stableKey(expectedShape(drawn[b]!.t));
          expect(snapshot.pods[a]!.shape === snapshot.pods[b]!.shape).toBe(sameFacts);
        }
      }
      // Shapes are unique: no two entries of podShapes are equal.
      expect(new Set(snapshot.podShapes.map(stableKey)).size).toBe(snapshot.podShapes.length);
    }), { numRuns: 200 });
  });
});
