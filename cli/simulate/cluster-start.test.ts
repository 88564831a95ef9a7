import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { groupsFromCluster } from './setup.ts';
import { runSimulation } from './simulate.ts';
import { TEST_OFFERINGS } from './test-helpers.ts';
import { parseTrace } from './trace.ts';

// --cluster replays the dump's Nodes and Pods as the starting state, not only its NodeGroups.

const dir = mkdtempSync(join(tmpdir(), 'simulate-start-'));

const node = (name: string, offering: string, group = 'workers') => `---
apiVersion: v1
kind: Node
metadata:
  name: ${name}
  creationTimestamp: "2025-01-05T10:00:00Z"
  labels: { kubernetes.io/hostname: ${name}, autoscaler.vpsie.com/nodegroup: ${group}, node.kubernetes.io/instance-type: ${offering} }
spec: { providerID: "vpsie://id-${name}" }
status:
  allocatable: { cpu: 3800m, memory: 7Gi, pods: "110" }
  conditions: [{ type: Ready, status: "True", lastTransitionTime: "2025-01-05T10:02:00Z" }]
`;
const pod = (name: string, nodeName: string, app: string, cpu: string, owner = `${app}-rs`) => `---
apiVersion: v1
kind: Pod
metadata:
  name: ${name}
  namespace: default
  creationTimestamp: "2025-01-05T11:00:00Z"
  labels: { app: ${app} }
  ownerReferences: [{ apiVersion: apps/v1, kind: ReplicaSet, name: ${owner}, uid: u-${owner}, controller: true }]
spec:
  nodeName: ${nodeName}
  containers: [{ name: main, image: pause, resources: { requests: { cpu: ${cpu}, memory: 1Gi } } }]
status: { phase: Running }
`;

const DUMP = join(dir, 'cluster.yaml');
writeFileSync(DUMP, `apiVersion: autoscaler.vpsie.com/v1alpha1
kind: NodeGroup
metadata: { name: workers, namespace: default }
spec: { minNodes: 1, maxNodes: 10, datacenterID: dc-1, osImageID: os-1, offeringIDs: [medium-4c8g], bootstrap: { secretName: b } }
${node('workers-a', 'medium-4c8g')}${node('workers-b', 'medium-4c8g')}${node('control-plane', 'medium-4c8g', 'none')}${pod('web-1', 'workers-a', 'web', '1')}${pod('db-1', 'workers-b', 'db', '2', 'db-ss')}${pod('etcd', 'control-plane', 'etcd', '1')}`);

const TRACE = parseTrace(`durationHours: 1
stepSeconds: 60
workloads:
  - name: web
    requests: { cpu: 1, memory: 1Gi }
    replicas: [[0h, 1]]
`, 'start trace');

describe('simulate --cluster: the dump\'s Nodes and Pods are the starting state', () => {
  const r = runSimulation({ trace: TRACE, groups: groupsFromCluster(DUMP), offerings: TEST_OFFERINGS, seed: 1, clusterDump: DUMP });
  const first = r.project.samples[0]!;

  it('starts with the group\'s two Nodes (the dump\'s allocatable) and both pods on them; the unmanaged Node and its pod are left out', () => {
    expect(first.capacityCpuMillis).toBe(2 * 3800);
    // web-1 (the trace's web, 1 core) and db-1 (a background workload, 2 cores); not etcd.
    expect(first.requestedCpuMillis).toBe(3000);
    expect(first.vmsByOffering).toEqual({ 'medium-4c8g': 2 });
    expect(first.pendingPods).toBe(0);
  });

  it('the two machines are not creates of the run, and nothing had to be launched for the pods', () => {
    expect(r.project.vmCreates).toBe(0);
    expect(r.project.pendingPodMinutes).toBe(0);
  });

  it('the background pod is load in every run: the static fleet holds 3 cores of pods (one medium holds 3.8)', () => {
    expect(r.static.fleet.nodes).toEqual([{ nodeGroup: 'default/workers', offering: 'medium-4c8g', count: 1 }]);
  });

  it('without the dump\'s Nodes and Pods (NodeGroups only) the run starts empty and launches', () => {
    const bare = runSimulation({ trace: TRACE, groups: groupsFromCluster(DUMP), offerings: TEST_OFFERINGS, seed: 1 });
    // Its first node joins under the startup taint and takes the pods once a plan releases it (issue #22).
    expect(bare.project.samples.some((sample) => sample.requestedCpuMillis === 1000)).toBe(true);
    expect(bare.project.vmCreates).toBeGreaterThan(0);
  });
});
