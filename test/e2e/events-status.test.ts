import { request } from 'node:https';
import { AppsV1Api, type CoreV1Event } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLUSTER_STATUS_CONFIGMAP, CLUSTER_STATUS_KEY, type ClusterStatus } from '../../shared/cluster-status.ts';
import { API_GROUP, API_VERSION, NODEGROUP_PLURAL } from '../../shared/labels.ts';
import type { NodeGroupStatus } from '../../shared/nodegroup.ts';
import {
  deleteWorkloadNamespace, eventually, newWorkloadNamespace, pods, scaleDeployment, simPlan, spreadDeployment, startE2eStack, waitPodsRunning,
} from './e2e-helpers.ts';
import type { Stack } from './stack.ts';

// What an operator reads, on the demo stack (issue 19): `kubectl describe pod` (core v1 Events of the
// pod, found by its uid) shows TriggeredScaleUp on a burst's pods and NotTriggerScaleUp with each
// group's reason on a pod whose nodeSelector no group satisfies — once, not every reconcile; pods a
// drain evicts get the drain's reason. The NodeGroup's conditions go through a scale-up and a
// scale-down as a watcher sampling the status sees them; the cluster summary ConfigMap says it too.

const GROUP = 'workers';
const OTHER = 'gpu';

interface Sample { atMs: number; status: NodeGroupStatus }

describe('pod events and NodeGroup status through a scale-up and a scale-down', () => {
  let stack: Stack;
  let namespace: string;
  let apps: AppsV1Api;
  const samples: Sample[] = [];
  let sampling = true;
  let sampler: Promise<void> | undefined;

  const readStatus = async (name: string): Promise<NodeGroupStatus | undefined> => {
    const object = (await stack.kube.custom.getNamespacedCustomObject({ group: API_GROUP, version: API_VERSION, namespace: stack.namespace, plural: NODEGROUP_PLURAL, name })) as { status?: NodeGroupStatus };
    return object.status;
  };
  /** The NodeGroup as `kubectl get ng -o wide` prints it: the API server's Table (the CRD's printer columns). */
  const wideRow = async (name: string): Promise<Record<string, unknown>> => {
    const server = stack.kube.kc.getCurrentCluster()!.server;
    const url = new URL(`${server}/apis/${API_GROUP}/${API_VERSION}/namespaces/${stack.namespace}/${NODEGROUP_PLURAL}/${name}`);
    const options: Parameters<typeof request>[1] = { method: 'GET', headers: { Accept: 'application/json;as=Table;v=v1;g=meta.k8s.io' } };
    await stack.kube.kc.applyToHTTPSOptions(options);
    const body = await new Promise<string>((resolve, reject) => {
      const req = request(url, options, (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () => (res.statusCode === 200 ? resolve(text) : reject(new Error(`${res.statusCode}: ${text}`))));
      });
      req.on('error', reject);
      req.end();
    });
    const table = JSON.parse(body) as { columnDefinitions: { name: string; priority: number }[]; rows: { cells: unknown[] }[] };
    const wide = new Set(table.columnDefinitions.filter((c) => c.priority === 1).map((c) => c.name));
    expect(wide).toEqual(new Set(['ScalingUp', 'ScalingDown', 'Backoff', 'AtMax', 'Valid', 'LastScaleUp', 'LastScaleDown', 'Candidates']));
    return Object.fromEntries(table.columnDefinitions.map((c, i) => [c.name, table.rows[0]!.cells[i]]));
  };
  const podEvents = async (): Promise<CoreV1Event[]> => (await stack.kube.core.listNamespacedEvent({ namespace })).items.filter((e) => e.involvedObject.kind === 'Pod');
  const conditionSeen = (type: string, status: 'True' | 'False') => samples.filter((s) => s.status.conditions?.some((c) => c.type === type && c.status === status));

  beforeAll(async () => {
    stack = await startE2eStack();
    apps = stack.kube.kc.makeApiClient(AppsV1Api);
    namespace = await newWorkloadNamespace(stack, 'evs');
    await stack.applyNodeGroup(GROUP, {
      minNodes: 0,
      maxNodes: 5,
      offeringIDs: [simPlan('A-1C-2G')],
      labels: { pool: 'general' },
      scaleDownPolicy: { stabilizationWindowSeconds: 5, cpuThreshold: 50, memoryThreshold: 50 },
    });
    await stack.applyNodeGroup(OTHER, { minNodes: 0, maxNodes: 2, offeringIDs: [simPlan('A-2C-4G')], labels: { workload: 'gpu' } });
    // The watcher: what `kubectl get ng -w` would show, every few hundred milliseconds.
    sampler = (async () => {
      while (sampling) {
        const status = await readStatus(GROUP).catch(() => undefined);
        if (status) samples.push({ atMs: Date.now(), status });
        await new Promise((resolve) => setTimeout(resolve, 300));
      }
    })();
  });

  afterAll(async () => {
    sampling = false;
    await sampler;
    if (namespace) await deleteWorkloadNamespace(stack, namespace);
    await stack?.stop();
  });

  it('tells the burst pods TriggeredScaleUp and the pod no group fits NotTriggerScaleUp with each group\'s reason; ScalingUp True, then False', async () => {
    await apps.createNamespacedDeployment({
      namespace,
      body: spreadDeployment({ name: 'burst', namespace, replicas: 3, cpu: '500m', memory: '512Mi', onePerNode: true, nodeSelector: { pool: 'general' } }),
    });
    await apps.createNamespacedDeployment({
      namespace,
      body: spreadDeployment({ name: 'lost', namespace, replicas: 1, cpu: '100m', memory: '64Mi', nodeSelector: { disk: 'nvme' } }),
    });

    const burst = await waitPodsRunning(stack, namespace, 'app=burst', 3, 120_000);
    const events = await eventually(stack, 'TriggeredScaleUp on every burst pod', async () => {
      const all = await podEvents();
      return burst.every((p) => all.some((e) => e.reason === 'TriggeredScaleUp' && e.involvedObject.name === p.metadata!.name)) ? all : undefined;
    });
    for (const pod of burst) {
      const event = events.find((e) => e.reason === 'TriggeredScaleUp' && e.involvedObject.name === pod.metadata!.name)!;
      // kubectl describe pod finds events by the pod's uid.
      expect(event.involvedObject.uid).toBe(pod.metadata!.uid);
      expect(event.type).toBe('Normal');
      expect(event.message).toMatch(new RegExp(`^pod triggered scale-up: NodeGroup ${stack.namespace}/${GROUP}, offering A-1C-2G \\(${simPlan('A-1C-2G')}\\): \\d node\\(s\\) launching`));
    }

    const [lost] = await pods(stack, namespace, 'app=lost');
    const notTriggered = await eventually(stack, 'NotTriggerScaleUp on the pod no group fits', async () =>
      (await podEvents()).find((e) => e.reason === 'NotTriggerScaleUp' && e.involvedObject.name === lost!.metadata!.name));
    expect(notTriggered.involvedObject.uid).toBe(lost!.metadata!.uid);
    expect(notTriggered.message).toMatch(/^pod didn't trigger scale-up: /);
    for (const group of [GROUP, OTHER]) {
      expect(notTriggered.message).toContain(`group ${stack.namespace}/${group}: its nodes lack the label(s) disk=nvme of the pod's nodeSelector`);
    }

    const ready = await eventually(stack, 'ScalingUp False with 3 ready nodes', async () => {
      const s = await readStatus(GROUP);
      return s?.readyNodes === 3 && s.conditions.some((c) => c.type === 'ScalingUp' && c.status === 'False') ? s : undefined;
    }, 90_000);
    const up = conditionSeen('ScalingUp', 'True');
    expect(up.length, 'the watcher saw ScalingUp=True').toBeGreaterThan(0);
    const upSince = Date.parse(up[0]!.status.conditions.find((c) => c.type === 'ScalingUp')!.lastTransitionTime);
    const downSince = Date.parse(ready.conditions.find((c) => c.type === 'ScalingUp')!.lastTransitionTime);
    expect(downSince).toBeGreaterThan(upSince);
    // lastTransitionTime stays put while the status does not change.
    for (const s of up) expect(Date.parse(s.status.conditions.find((c) => c.type === 'ScalingUp')!.lastTransitionTime)).toBe(upSince);
    expect(Date.parse(ready.lastScaleUpTime!)).toBeGreaterThanOrEqual(upSince - 1_000);
    expect(ready.conditions.find((c) => c.type === 'ConfigurationValid')?.status).toBe('True');
    expect(ready.conditions.find((c) => c.type === 'AtMaxNodes')?.status).toBe('False');
    const row = await wideRow(GROUP);
    expect(row).toMatchObject({ Ready: 3, ScalingUp: 'False', ScalingDown: 'False', Backoff: 'False', AtMax: 'False', Valid: 'True' });
    expect(row['LastScaleUp']).toMatch(/^\d+[smh]/); // a date column: its age, as kubectl prints it

    const summary = await eventually(stack, 'the cluster status ConfigMap', async () => {
      const cm = await stack.kube.core.readNamespacedConfigMap({ namespace: stack.namespace, name: CLUSTER_STATUS_CONFIGMAP }).catch(() => undefined);
      const status = cm?.data?.[CLUSTER_STATUS_KEY] ? (JSON.parse(cm.data[CLUSTER_STATUS_KEY]) as ClusterStatus) : undefined;
      return status?.nodeGroups.find((g) => g.name === `${stack.namespace}/${GROUP}`)?.readyNodes === 3 ? status : undefined;
    });
    expect(summary.health).toBe('Degraded'); // the lost pod
    expect(summary.pendingPods.notTriggeredScaleUp).toBe(1);
    expect(summary.lastScaleUpTime).toBe(ready.lastScaleUpTime);
  });

  it('removes the nodes: evicted pods told why, ScalingDown True then False, lastScaleDownTime set; the pending pod told once', async () => {
    // Two small pods the scheduler spreads over two nodes: one node stays (minNodes 1), so at least
    // one of them is evicted by a drain.
    await apps.createNamespacedDeployment({ namespace, body: spreadDeployment({ name: 'tiny', namespace, replicas: 2, cpu: '100m', memory: '64Mi', softSpread: true, nodeSelector: { pool: 'general' } }) });
    const tiny = await waitPodsRunning(stack, namespace, 'app=tiny', 2);
    expect(new Set(tiny.map((p) => p.spec!.nodeName)).size).toBe(2);
    // The forwarder writes the status meanwhile: a replace may conflict, and is tried again.
    await eventually(stack, 'minNodes 1 written', () => stack.patchNodeGroup(GROUP, { minNodes: 1 }).then(() => true, (error: unknown) => {
      if ((error as { code?: number }).code === 409) return false;
      throw error;
    }));
    await scaleDeployment(apps, namespace, 'burst', 0);

    await eventually(stack, 'the group down to one node', async () => (await stack.managedNodeNames(GROUP)).length === 1, 150_000);
    const after = await eventually(stack, 'ScalingDown False with one node', async () => {
      const s = await readStatus(GROUP);
      return s?.currentNodes === 1 && s.conditions.some((c) => c.type === 'ScalingDown' && c.status === 'False') ? s : undefined;
    }, 90_000);
    const down = conditionSeen('ScalingDown', 'True');
    expect(down.length, 'the watcher saw ScalingDown=True').toBeGreaterThan(0);
    expect(down.some((s) => s.status.scaleDownCandidates?.some((c) => c.action === 'Remove'))).toBe(true);
    const downSince = Date.parse(down[0]!.status.conditions.find((c) => c.type === 'ScalingDown')!.lastTransitionTime);
    expect(Date.parse(after.conditions.find((c) => c.type === 'ScalingDown')!.lastTransitionTime)).toBeGreaterThan(downSince);
    expect(after.lastScaleDownTime).toBeDefined();
    expect(Date.parse(after.lastScaleDownTime!)).toBeGreaterThanOrEqual(Date.parse(after.lastScaleUpTime!));
    expect(await wideRow(GROUP)).toMatchObject({ Current: 1, ScalingDown: 'False', LastScaleDown: expect.stringMatching(/^\d+[smh]/) });

    // The tiny pods on the removed nodes were told why before their eviction.
    const remaining = await stack.managedNodeNames(GROUP);
    const moved = tiny.filter((p) => !remaining.includes(p.spec!.nodeName!));
    expect(moved.length).toBeGreaterThan(0);
    const evictions = (await podEvents()).filter((e) => e.reason === 'ScaleDown');
    for (const pod of moved) {
      const event = evictions.find((e) => e.involvedObject.name === pod.metadata!.name);
      expect(event?.involvedObject.uid).toBe(pod.metadata!.uid);
      expect(event?.message).toMatch(new RegExp(`^evicting pod: node ${pod.spec!.nodeName} is being removed \\((underused|empty)\\): `));
    }

    // The pod no group can help has been pending through the whole test (dozens of reconciles at a
    // 2 s heartbeat): one Event, told once.
    const [lost] = await pods(stack, namespace, 'app=lost');
    const told = (await podEvents()).filter((e) => e.reason === 'NotTriggerScaleUp' && e.involvedObject.name === lost!.metadata!.name);
    expect(told).toHaveLength(1);
    expect(told[0]!.count ?? 1).toBe(1);
    expect(told[0]!.series?.count ?? 1).toBe(1);
  });
});
