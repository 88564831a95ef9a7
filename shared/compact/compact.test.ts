import type { V1DaemonSet, V1Node, V1Pod, V1PodDisruptionBudget } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { GIB, MIB } from '../quantity.ts';
import { snapshotSchema } from '../snapshot.ts';
import { compactDaemonSet } from './daemonset.ts';
import { compactNode } from './node.ts';
import { compactPdb } from './pdb.ts';
import { compactPod } from './pod.ts';
import { SnapshotBuilder } from './snapshot-builder.ts';
import { podWithShape } from './expand.ts';

const POD_YAML = `
apiVersion: v1
kind: Pod
metadata:
  name: web-7d9f-abcde
  namespace: shop
  creationTimestamp: "2026-01-02T03:04:05Z"
  labels: { app: web, pod-template-hash: 7d9f }
  annotations:
    cluster-autoscaler.kubernetes.io/safe-to-evict: "false"
    kubectl.kubernetes.io/last-applied-configuration: "{...huge...}"
  ownerReferences:
    - { apiVersion: apps/v1, kind: ReplicaSet, name: web-7d9f, uid: u1, controller: true, blockOwnerDeletion: true }
spec:
  nodeSelector: { disktype: ssd }
  containers:
    - name: app
      image: nginx
      resources: { requests: { cpu: 250m, memory: 256Mi } }
      ports: [{ containerPort: 8080, hostPort: 80 }, { containerPort: 9090 }]
  tolerations:
    - { key: dedicated, operator: Equal, value: web, effect: NoSchedule }
    - { key: node.kubernetes.io/not-ready, operator: Exists, effect: NoExecute, tolerationSeconds: 300 }
  affinity:
    nodeAffinity:
      requiredDuringSchedulingIgnoredDuringExecution:
        nodeSelectorTerms:
          - matchExpressions: [{ key: topology.kubernetes.io/zone, operator: In, values: [a, b] }]
    podAntiAffinity:
      requiredDuringSchedulingIgnoredDuringExecution:
        - labelSelector: { matchLabels: { app: web } }
          topologyKey: kubernetes.io/hostname
  topologySpreadConstraints:
    - maxSkew: 1
      topologyKey: kubernetes.io/hostname
      whenUnsatisfiable: DoNotSchedule
      labelSelector: { matchLabels: { app: web } }
      matchLabelKeys: [pod-template-hash]
  volumes:
    - { name: cache, emptyDir: {} }
    - { name: shm, emptyDir: { medium: Memory } }
    - { name: logs, hostPath: { path: /var/log } }
    - { name: cfg, configMap: { name: web } }
  priority: 1000
status:
  phase: Pending
  conditions:
    - { type: PodScheduled, status: "False", reason: Unschedulable, lastTransitionTime: "2026-01-02T03:04:10Z" }
`;

describe('compactPod', () => {
  it('keeps only the scheduling facts of a kubectl -o yaml pod', () => {
    const { pod, shape } = compactPod(parse(POD_YAML));
    expect(pod).toEqual({
      namespace: 'shop', name: 'web-7d9f-abcde', phase: 'Pending',
      createdAtMs: Date.parse('2026-01-02T03:04:05Z'), unschedulableSinceMs: Date.parse('2026-01-02T03:04:10Z'),
    });
    expect(shape).toEqual({
      requests: { cpuMillis: 250, memoryBytes: 256 * MIB, ephemeralBytes: 0 },
      labels: { app: 'web', 'pod-template-hash': '7d9f' },
      nodeSelector: { disktype: 'ssd' },
      nodeAffinity: [{ matchExpressions: [{ key: 'topology.kubernetes.io/zone', operator: 'In', values: ['a', 'b'] }] }],
      tolerations: [
        { key: 'dedicated', operator: 'Equal', value: 'web', effect: 'NoSchedule' },
        { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute' },
      ],
      hostPorts: [{ port: 80, protocol: 'TCP' }],
      podAffinity: [],
      podAntiAffinity: [{ labelSelector: { matchLabels: { app: 'web' } }, topologyKey: 'kubernetes.io/hostname' }],
      topologySpread: [{
        maxSkew: 1, topologyKey: 'kubernetes.io/hostname', whenUnsatisfiable: 'DoNotSchedule',
        labelSelector: { matchLabels: { app: 'web' }, matchExpressions: [{ key: 'pod-template-hash', operator: 'In', values: ['7d9f'] }] },
      }],
      owner: { kind: 'ReplicaSet', name: 'web-7d9f' },
      priority: 1000,
      localVolumes: ['cache', 'logs'],
      annotations: { 'cluster-autoscaler.kubernetes.io/safe-to-evict': 'false' },
      terminationGracePeriodSeconds: 30,
    });
  });

  it('reads client-node objects whose times are Date objects', () => {
    const created = new Date('2026-03-01T00:00:00.123Z');
    const pod: V1Pod = {
      metadata: { name: 'p', namespace: 'default', creationTimestamp: created, deletionTimestamp: new Date(created.getTime() + 1000) },
      spec: { containers: [{ name: 'c', image: 'x' }], nodeName: 'n1', hostNetwork: true },
      status: { phase: 'Running', conditions: [{ type: 'PodScheduled', status: 'False', reason: 'Unschedulable', lastTransitionTime: new Date(created.getTime() + 5) }] },
    };
    pod.spec!.containers[0]!.ports = [{ containerPort: 53, protocol: 'UDP' }];
    const { pod: compact, shape } = compactPod(pod);
    expect(compact).toMatchObject({ createdAtMs: created.getTime(), unschedulableSinceMs: created.getTime() + 5, terminating: true, nodeName: 'n1', phase: 'Running' });
    // hostNetwork: every container port is a host port.
    expect(shape.hostPorts).toEqual([{ port: 53, protocol: 'UDP' }]);
  });

  it('merges mismatchLabelKeys into pod affinity selectors and does not repeat what the API server merged', () => {
    const { shape } = compactPod({
      metadata: { name: 'p', labels: { tenant: 't1', app: 'x' } },
      spec: {
        affinity: {
          podAffinity: {
            requiredDuringSchedulingIgnoredDuringExecution: [{
              topologyKey: 'zone',
              labelSelector: { matchLabels: { app: 'x' }, matchExpressions: [{ key: 'tenant', operator: 'In', values: ['t1'] }] },
              matchLabelKeys: ['tenant'],
            }],
          },
          podAntiAffinity: {
            requiredDuringSchedulingIgnoredDuringExecution: [{ topologyKey: 'zone', labelSelector: {}, mismatchLabelKeys: ['tenant'] }],
          },
        },
      },
    });
    expect(shape.podAffinity[0]!.labelSelector!.matchExpressions).toEqual([{ key: 'tenant', operator: 'In', values: ['t1'] }]);
    expect(shape.podAntiAffinity[0]!.labelSelector).toEqual({ matchExpressions: [{ key: 'tenant', operator: 'NotIn', values: ['t1'] }] });
  });

  it('resolves the built-in priority classes and drops tolerations it cannot evaluate', () => {
    const { shape } = compactPod({
      metadata: { name: 'p' },
      spec: { priorityClassName: 'system-node-critical', tolerations: [{ key: 'k', operator: 'Gt', value: '3' }, { operator: 'Exists' }] },
    });
    expect(shape.priority).toBe(2_000_001_000);
    expect(shape.tolerations).toEqual([{ operator: 'Exists' }]);
  });

  it('refuses a pod without a name, naming it', () => {
    expect(() => compactPod({ metadata: { namespace: 'x' } })).toThrow(/pod x\/\(unnamed\): metadata.name is missing/);
  });
});

describe('compactNode', () => {
  it('reads allocatable, readiness, pressure, taints and the scale-down-disabled annotation', () => {
    const node: V1Node = {
      metadata: {
        name: 'w-1', creationTimestamp: new Date('2026-01-01T00:00:00Z'), labels: { 'autoscaler.vpsie.com/nodegroup': 'workers' },
        annotations: { 'cluster-autoscaler.kubernetes.io/scale-down-disabled': 'true', 'node.alpha.kubernetes.io/ttl': '0' },
      },
      spec: { providerID: 'vpsie://abc', taints: [{ key: 'dedicated', value: 'gpu', effect: 'NoSchedule', timeAdded: new Date() }] },
      status: {
        allocatable: { cpu: '3920m', memory: '7Gi', 'ephemeral-storage': '50Gi', pods: '110' },
        capacity: { cpu: '4', memory: '8Gi', pods: '110' },
        conditions: [
          { type: 'Ready', status: 'True', lastTransitionTime: new Date('2026-01-01T00:01:00Z'), reason: 'KubeletReady' },
          { type: 'MemoryPressure', status: 'True', reason: 'x' },
          { type: 'DiskPressure', status: 'False', reason: 'x' },
        ],
      },
    };
    expect(compactNode(node)).toEqual({
      name: 'w-1',
      labels: { 'autoscaler.vpsie.com/nodegroup': 'workers' },
      taints: [{ key: 'dedicated', value: 'gpu', effect: 'NoSchedule' }],
      unschedulable: false,
      allocatable: { cpuMillis: 3920, memoryBytes: 7 * GIB, ephemeralBytes: 50 * GIB, pods: 110 },
      ready: true,
      readyTransitionMs: Date.parse('2026-01-01T00:01:00Z'),
      pressure: ['MemoryPressure'],
      providerID: 'vpsie://abc',
      createdAtMs: Date.parse('2026-01-01T00:00:00Z'),
      annotations: { 'cluster-autoscaler.kubernetes.io/scale-down-disabled': 'true' },
    });
  });

  it('treats a node without a Ready condition as not ready and falls back to capacity', () => {
    const compact = compactNode({ metadata: { name: 'n' }, spec: { unschedulable: true }, status: { capacity: { cpu: '2', pods: '10' } } });
    expect(compact).toMatchObject({ ready: false, unschedulable: true, allocatable: { cpuMillis: 2000, pods: 10, memoryBytes: 0 } });
    expect(compact.readyTransitionMs).toBeUndefined();
  });

  it('names the node and field of an unparsable allocatable', () => {
    expect(() => compactNode({ metadata: { name: 'n' }, status: { allocatable: { memory: '1Gib' } } })).toThrow(/node n: status.allocatable.memory/);
  });
});

describe('compactPdb', () => {
  it('keeps the selector and disruptionsAllowed (0 when not yet computed)', () => {
    const pdb: V1PodDisruptionBudget = { metadata: { name: 'web', namespace: 'shop' }, spec: { selector: { matchLabels: { app: 'web' } }, minAvailable: 2 } };
    expect(compactPdb(pdb)).toEqual({ namespace: 'shop', name: 'web', selector: { matchLabels: { app: 'web' } }, disruptionsAllowed: 0 });
    expect(compactPdb({ ...pdb, status: { disruptionsAllowed: 1 } })?.disruptionsAllowed).toBe(1);
  });

  it('keeps an empty selector (selects every pod) and skips a null one (selects none)', () => {
    expect(compactPdb({ metadata: { name: 'all' }, spec: { selector: {} } })?.selector).toEqual({});
    expect(compactPdb({ metadata: { name: 'none' }, spec: {} })).toBeNull();
  });
});

describe('compactDaemonSet', () => {
  it('takes the shape from the template, owned by the DaemonSet, with the tolerations the controller adds', () => {
    const ds: V1DaemonSet = {
      metadata: { name: 'node-exporter', namespace: 'monitoring' },
      spec: {
        selector: { matchLabels: { app: 'ne' } },
        template: {
          metadata: { labels: { app: 'ne' } },
          spec: {
            hostNetwork: true,
            priorityClassName: 'system-node-critical',
            containers: [{ name: 'ne', resources: { requests: { cpu: '50m', memory: '64Mi' } }, ports: [{ containerPort: 9100 }] }],
            tolerations: [{ operator: 'Exists' }, { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute' }],
          },
        },
      },
    };
    const { daemonSet, shape } = compactDaemonSet(ds);
    expect(daemonSet).toEqual({ namespace: 'monitoring', name: 'node-exporter' });
    expect(shape).toMatchObject({
      requests: { cpuMillis: 50, memoryBytes: 64 * MIB, ephemeralBytes: 0 },
      owner: { kind: 'DaemonSet', name: 'node-exporter' },
      priority: 2_000_001_000,
      hostPorts: [{ port: 9100, protocol: 'TCP' }],
    });
    const keys = shape.tolerations.map((t) => t.key ?? '*');
    expect(keys).toEqual(['*', 'node.kubernetes.io/not-ready', 'node.kubernetes.io/unreachable', 'node.kubernetes.io/disk-pressure',
      'node.kubernetes.io/memory-pressure', 'node.kubernetes.io/pid-pressure', 'node.kubernetes.io/unschedulable', 'node.kubernetes.io/network-unavailable']);
  });
});

describe('SnapshotBuilder', () => {
  it('sends replicas of one template as one shape and builds a valid snapshot', () => {
    const replica = (name: string) => {
      const pod = parse(POD_YAML);
      pod.metadata.name = name;
      return pod;
    };
    const other = parse(POD_YAML);
    other.metadata.name = 'other';
    other.spec.containers[0].resources.requests.cpu = '251m';
    const snapshot = new SnapshotBuilder({ clusterId: 'c1', forwarder: { id: 'f', version: '0', dryRun: false, lastFencingToken: 0 }, takenAtMs: 5, synced: true })
      .addPod(replica('a')).addPod(replica('b')).addPod(replica('c')).addPod(other)
      .addNode({ metadata: { name: 'n1' } })
      .addPdb({ metadata: { name: 'none' }, spec: {} })
      .addDaemonSet({ metadata: { name: 'ds' }, spec: { template: { spec: { containers: [] } } } })
      .addNodeGroup({ metadata: { name: 'workers', namespace: 'default', generation: 3 }, spec: { maxNodes: 3 } })
      .setVms(null)
      .build();
    expect(snapshotSchema.parse(snapshot)).toEqual(snapshot);
    expect(snapshot.podShapes).toHaveLength(3);
    expect(snapshot.pods.map((p) => p.shape)).toEqual([0, 0, 0, 1]);
    expect(snapshot.daemonSets).toEqual([{ namespace: 'default', name: 'ds', shape: 2 }]);
    expect(snapshot.pdbs).toEqual([]);
    expect(snapshot.vms).toBeNull();
    expect(snapshot.nodeGroups).toEqual([{ namespace: 'default', name: 'workers', generation: 3, spec: { maxNodes: 3 } }]);
    expect(podWithShape(snapshot, snapshot.pods[3]!).requests.cpuMillis).toBe(251);
    expect(() => podWithShape(snapshot, { ...snapshot.pods[0]!, shape: 9 })).toThrow(/podShapes\[9\]/);
  });
});
