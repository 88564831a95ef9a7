import { readFileSync } from 'node:fs';
import { beforeEach, describe, expect, it, onTestFinished } from 'vitest';
import { clusterMarker } from '../shared/ownership.ts';
import { API_GROUP, API_VERSION, NODEGROUP_LABEL, NODEGROUP_PLURAL, STARTUP_TAINT, TO_BE_DELETED_TAINT, BOOTSTRAP_TEMPLATE_LABEL } from '../shared/labels.ts';
import { KUBEADM_TEMPLATE_FILE } from '../test/e2e/stack-cluster.ts';
import { startFakeFunctions, type FakeFunctions } from '../test/forwarder/fake-functions.ts';
import { command, createCredentialsSecret, ensureNodeGroupCrd, newClusterId, runPlan, SIGNING_KEY, startTestForwarder } from '../test/forwarder/fixture.ts';
import { deployment, kwokNode, pdb } from '../test/harness/builders.ts';
import { useHarness, waitFor, type Harness } from '../test/harness/context.ts';
import { SIM_DC, SIM_OS_IMAGES, SIM_PLANS, startVpsieSimulator, type VpsieSimulator } from '../test/vpsie-sim/index.ts';
import type { ForwarderHandle } from './main.ts';

// Every command kind executed by a forwarder against the real control plane and the VPSie simulator.

const OFFERING = SIM_PLANS[2]!.identifier; // A-2C-4G
const OS = SIM_OS_IMAGES['ubuntu-24.04'];
const DC = SIM_DC.newYork;

describe('forwarder executes every command kind', () => {
  let h: Harness;
  let fake: FakeFunctions;
  let sim: VpsieSimulator;
  let forwarder: ForwarderHandle;
  let ns: string;
  let clusterId: string;
  const group = () => ({ namespace: ns, name: 'workers' });

  beforeEach(async () => {
    h = useHarness();
    await ensureNodeGroupCrd(h.kc);
    ns = await h.newNamespace('fwd');
    clusterId = newClusterId();
    sim = await startVpsieSimulator({ provisionMs: 300, kubeconfigPath: h.info.kubeconfigPath, clusterLog: () => {} });
    fake = await startFakeFunctions({ clusterId, signingKey: SIGNING_KEY });
    const secret = await createCredentialsSecret(h, { token: 'sim-token', deletePassword: 'sim-delete-password' });
    await h.core.createNamespacedSecret({ namespace: ns, body: { metadata: { name: 'workers-bootstrap', labels: { [BOOTSTRAP_TEMPLATE_LABEL]: 'true' } }, stringData: { 'cloud-init': readFileSync(KUBEADM_TEMPLATE_FILE, 'utf8') } } });
    await h.custom.createNamespacedCustomObject({
      group: API_GROUP, version: API_VERSION, namespace: ns, plural: NODEGROUP_PLURAL,
      body: {
        apiVersion: `${API_GROUP}/${API_VERSION}`, kind: 'NodeGroup', metadata: { name: 'workers', namespace: ns },
        spec: {
          minNodes: 0, maxNodes: 4, datacenterID: DC, offeringIDs: [OFFERING], osImageID: OS,
          labels: { tier: 'web' }, taints: [{ key: 'dedicated', value: 'web', effect: 'NoSchedule' }],
          kubelet: { maxPods: 58 }, bootstrap: { secretName: 'workers-bootstrap' },
        },
      },
    });
    forwarder = await startTestForwarder({ namespace: ns, clusterId, fake, vpsieUrl: sim.url, credentialsSecret: secret, kubeconfigPath: h.info.kubeconfigPath });
    await forwarder.waitForSynced();
    await waitFor(() => fake.snapshots.length > 0 && forwarder.cache.nodeGroup(ns, 'workers'), { description: 'first snapshot with the NodeGroup' });
    return async () => {
      await forwarder.stop();
      await fake.stop();
      await sim.stop();
      await h.core.deleteNamespacedSecret({ namespace: 'kube-system', name: secret }).catch(() => {});
    };
  });

  it('createVm: fresh bootstrap token, rendered user data with the kubelet flags, node joins under the hostname', async () => {
    const hostname = `${clusterId}-workers-a0001`;
    const [result] = await runPlan(forwarder, fake, [command({ kind: 'createVm', nodeGroup: group(), hostname, offeringId: OFFERING, datacenterID: DC, osImageID: OS })]);
    expect(result, result?.message).toMatchObject({ kind: 'createVm', outcome: 'succeeded', data: { launch: 'created' } });

    const vm = sim.sim.vms().find((v) => v.hostname === hostname)!;
    expect(vm).toBeDefined();
    const userData = Buffer.from(vm.userData!, 'base64').toString('utf8');
    expect(userData).toContain(`hostname: ${hostname}`);
    // Region/zone from the datacenter, the plan's name as instance type (its identifier when the catalogue was not read), the identifier beside it.
    expect(userData).toMatch(new RegExp(`--node-labels=topology.kubernetes.io/region=${DC},topology.kubernetes.io/zone=${DC},tier=web,${NODEGROUP_LABEL}=workers,node.kubernetes.io/instance-type=(${SIM_PLANS[2]!.nickname}|${OFFERING}),autoscaler.vpsie.com/offering=${OFFERING},`));
    expect(userData).toContain(`--register-with-taints=dedicated=web:NoSchedule,${STARTUP_TAINT}:NoSchedule`);
    expect(userData).toContain('--max-pods=58');
    expect(userData).toContain('--kube-reserved=cpu=100m,memory=256Mi');
    expect(userData).toContain('--eviction-hard=memory.available<100Mi');
    expect(userData).toMatch(/--discovery-token-ca-cert-hash sha256:[0-9a-f]{64}/);
    expect(userData.split('\n').filter((l) => !l.trimStart().startsWith('#')).join('\n')).not.toContain('{{');

    const tokenId = String(result!.data!.tokenId);
    const token = await h.core.readNamespacedSecret({ namespace: 'kube-system', name: `bootstrap-token-${tokenId}` });
    expect(token.type).toBe('bootstrap.kubernetes.io/token');
    const expiration = Date.parse(Buffer.from(token.data!.expiration!, 'base64').toString());
    expect(expiration - Date.now()).toBeGreaterThan(20 * 60_000);
    expect(expiration - Date.now()).toBeLessThanOrEqual(30 * 60_000);
    expect(userData).toContain(`--token ${tokenId}.`);

    const node = await waitFor(() => h.core.readNode({ name: hostname }), { timeoutMs: 30_000, description: `node ${hostname} registered by the simulator` });
    expect(node.metadata!.labels![NODEGROUP_LABEL]).toBe('workers');
    expect(node.metadata!.labels!['topology.kubernetes.io/zone']).toBe(DC);
    expect(node.metadata!.labels!['autoscaler.vpsie.com/offering']).toBe(OFFERING);
    expect(node.spec!.providerID).toBe(`vpsie://${vm.identifier}`);
    // Registered with the group's taint and the startup taint (releaseNode removes the latter).
    expect(node.spec!.taints).toEqual(expect.arrayContaining([{ key: 'dedicated', value: 'web', effect: 'NoSchedule' }, { key: STARTUP_TAINT, effect: 'NoSchedule' }]));
    await h.core.deleteNode({ name: hostname }).catch(() => {});

    // Idempotent: the same hostname again does not make a second VM.
    const [again] = await runPlan(forwarder, fake, [command({ kind: 'createVm', nodeGroup: group(), hostname, offeringId: OFFERING, datacenterID: DC, osImageID: OS })]);
    expect(again).toMatchObject({ outcome: 'succeeded', data: { launch: 'existing' } });
    expect(sim.sim.vms().filter((v) => v.hostname === hostname)).toHaveLength(1);
  });

  it('removal: taint+cordon, evict (429 under a PDB, then allowed), delete node, delete VM; and untaint', async () => {
    const hostname = `${clusterId}-workers-b0001`;
    // A running VM: the simulator registers its Node (labels from the user data), as a kubelet would.
    const userData = Buffer.from(`--node-labels=${NODEGROUP_LABEL}=workers`).toString('base64');
    const vm = sim.sim.seedVm({ hostname, resourceIdentifier: OFFERING, dcIdentifier: DC, osIdentifier: OS, phase: 'running', userData, projectId: 'sim-project', notes: clusterMarker(clusterId, group()) });
    onTestFinished(() => h.core.deleteNode({ name: hostname }).then(() => undefined, () => undefined));
    await waitFor(async () => (await h.core.readNode({ name: hostname })).status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'), { timeoutMs: 60_000, description: `node ${hostname} registered by the simulator and Ready` });
    await h.apps.createNamespacedDeployment({ namespace: ns, body: deployment({ name: 'web', namespace: ns, replicas: 1, nodeSelector: { 'kubernetes.io/hostname': hostname } }) });
    await h.policy.createNamespacedPodDisruptionBudget({ namespace: ns, body: pdb({ name: 'web', namespace: ns, selector: { app: 'web' }, maxUnavailable: 0 }) });
    const pod = await waitFor(async () => (await h.core.listNamespacedPod({ namespace: ns, labelSelector: 'app=web' })).items.find((p) => p.status?.phase === 'Running'), { timeoutMs: 60_000, description: 'web pod running' });
    await waitFor(() => forwarder.cache.pods.items.get(`${ns}/${pod.metadata!.name}`)?.pod.nodeName === hostname && forwarder.cache.nodes.items.has(hostname), { description: 'forwarder sees the pod on the node' });

    const [taint] = await runPlan(forwarder, fake, [command({ kind: 'taintNode', node: hostname, nodeGroup: group() })]);
    expect(taint).toMatchObject({ outcome: 'succeeded' });
    let node = await h.core.readNode({ name: hostname });
    expect(node.spec!.unschedulable).toBe(true);
    expect(node.spec!.taints).toContainEqual(expect.objectContaining({ key: TO_BE_DELETED_TAINT, effect: 'NoSchedule' }));

    const evict = () => command({ kind: 'evictPod', namespace: ns, pod: pod.metadata!.name!, node: hostname, nodeGroup: group() });
    await waitFor(async () => (await h.policy.readNamespacedPodDisruptionBudget({ namespace: ns, name: 'web' })).status?.observedGeneration, { description: 'PDB observed' });
    const [blocked] = await runPlan(forwarder, fake, [evict()]);
    expect(blocked).toMatchObject({ outcome: 'failed', retryable: true, data: { status: 429 } });
    expect((await h.core.readNamespacedPod({ namespace: ns, name: pod.metadata!.name! })).metadata!.deletionTimestamp).toBeUndefined();

    await h.policy.deleteNamespacedPodDisruptionBudget({ namespace: ns, name: 'web' });
    const [evicted] = await runPlan(forwarder, fake, [evict()]);
    expect(evicted).toMatchObject({ outcome: 'succeeded' });
    await waitFor(async () => {
      const p = await h.core.readNamespacedPod({ namespace: ns, name: pod.metadata!.name! }).catch(() => undefined);
      return !p || p.metadata?.deletionTimestamp;
    }, { description: 'evicted pod terminating or gone' });

    // Untaint on a second node (an aborted drain): the taint goes, the cordon goes.
    const other = `${clusterId}-workers-b0002`;
    await h.createKwokNode(kwokNode({ name: other, labels: { [NODEGROUP_LABEL]: 'workers' } }));
    await waitFor(() => forwarder.cache.nodes.items.has(other), { description: 'forwarder sees the second node' });
    await runPlan(forwarder, fake, [command({ kind: 'taintNode', node: other, nodeGroup: group() })]);
    await waitFor(() => forwarder.cache.nodes.items.get(other)?.unschedulable, { description: 'cache sees the cordon' });
    const [untaint] = await runPlan(forwarder, fake, [command({ kind: 'untaintNode', node: other, nodeGroup: group() })]);
    expect(untaint).toMatchObject({ outcome: 'succeeded' });
    node = await h.core.readNode({ name: other });
    expect(node.spec!.unschedulable).toBeFalsy();
    expect(node.spec!.taints ?? []).not.toContainEqual(expect.objectContaining({ key: TO_BE_DELETED_TAINT }));

    // The node is deleted once every pod that had to move is gone (terminating ones included).
    await waitFor(async () => !(await h.core.readNamespacedPod({ namespace: ns, name: pod.metadata!.name! }).catch(() => undefined)), { timeoutMs: 60_000, description: 'evicted pod gone' });
    // The VM first, then the Node (a Node deleted first can come back while the machine lives).
    const [deleteVm, deleteNode] = await runPlan(forwarder, fake, [
      command({ kind: 'deleteVm', hostname, nodeGroup: group() }),
      command({ kind: 'deleteNode', node: hostname, nodeGroup: group() }),
    ]);
    expect(deleteVm).toMatchObject({ outcome: 'succeeded', data: { vmIdentifier: vm.identifier } });
    expect(deleteNode).toMatchObject({ outcome: 'succeeded' });
    await expect(h.core.readNode({ name: hostname })).rejects.toMatchObject({ code: 404 });
    expect(sim.sim.listedVms().some((v) => v.hostname === hostname)).toBe(false);
  });

  it('updateNodeGroupStatus writes the status subresource; emitEvent records Events', async () => {
    const status = {
      currentNodes: 2, desiredNodes: 3, readyNodes: 1,
      conditions: [{ type: 'ScalingUp', status: 'True' as const, reason: 'PendingPods', message: '1 pod', lastTransitionTime: new Date().toISOString().slice(0, 19) + 'Z' }],
      nodeList: [{ nodeName: `${clusterId}-workers-x`, vpsID: 'abc', instanceType: OFFERING, status: 'Ready' as const, createdAt: new Date().toISOString() }],
    };
    const [update, event] = await runPlan(forwarder, fake, [
      command({ kind: 'updateNodeGroupStatus', nodeGroup: group(), status }),
      command({ kind: 'emitEvent', involved: { kind: 'NodeGroup', namespace: ns, name: 'workers' }, type: 'Normal', eventReason: 'ScaleUpTriggered', message: 'adding 1 node' }),
    ]);
    expect(update).toMatchObject({ outcome: 'succeeded' });
    expect(event).toMatchObject({ outcome: 'succeeded' });
    const object = (await h.custom.getNamespacedCustomObject({ group: API_GROUP, version: API_VERSION, namespace: ns, plural: NODEGROUP_PLURAL, name: 'workers' })) as { status?: typeof status };
    expect(object.status).toMatchObject({ currentNodes: 2, desiredNodes: 3, readyNodes: 1, nodeList: [{ vpsID: 'abc' }] });
    const events = await h.core.listNamespacedEvent({ namespace: ns });
    const found = events.items.find((e) => e.reason === 'ScaleUpTriggered');
    expect(found).toMatchObject({ type: 'Normal', involvedObject: { kind: 'NodeGroup', name: 'workers' } });
    expect(found!.involvedObject.uid).toBeTruthy();
    expect(forwarder.metrics.registry.getSingleMetric('vpsie_autoscaler_nodegroup_desired_nodes')).toBeDefined();
  });

  it('reports results with the next snapshot', async () => {
    const c = command({ kind: 'emitEvent', involved: { kind: 'NodeGroup', namespace: ns, name: 'workers' }, type: 'Normal', eventReason: 'Test', message: 'x' });
    await runPlan(forwarder, fake, [c]);
    const before = fake.snapshots.length;
    forwarder.trigger();
    const next = await waitFor(() => fake.snapshots.length > before && fake.snapshots[fake.snapshots.length - 1], { description: 'next snapshot' });
    expect(fake.snapshots.flatMap((s) => s.results).some((r) => r.commandId === c.id && r.outcome === 'succeeded')).toBe(true);
    expect(next.forwarder.lastFencingToken).toBeGreaterThan(0);
  });
});
