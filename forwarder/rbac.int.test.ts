import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { API_GROUP, API_VERSION, NODEGROUP_LABEL, NODEGROUP_PLURAL, BOOTSTRAP_TEMPLATE_LABEL } from '../shared/labels.ts';
import type { ClusterStatus } from '../shared/cluster-status.ts';
import { clusterMarker } from '../shared/ownership.ts';
import { startFakeFunctions, type FakeFunctions } from '../test/forwarder/fake-functions.ts';
import { command, ensureNodeGroupCrd, newClusterId, runPlan, SIGNING_KEY, startTestForwarder } from '../test/forwarder/fixture.ts';
import { deployment, kwokNode } from '../test/harness/builders.ts';
import { useHarness, waitFor, type Harness } from '../test/harness/context.ts';
import { SIM_DC, SIM_OS_IMAGES, SIM_PLANS, startVpsieSimulator, type VpsieSimulator } from '../test/vpsie-sim/index.ts';
import { loadKubeAuth, SERVICE_ACCOUNT_DIR, type KubeAuth } from './kube/kube-auth.ts';
import { KubeApiError, KubeHttp } from './kube/kube-http.ts';

// The shipped RBAC (infra/forwarder/rbac.yaml) on a real API server: a forwarder running as its
// ServiceAccount does its whole job — watches, every command kind, the Lease, bootstrap tokens, the
// credentials Secret — and is denied what it must never do. It authenticates the way it does in a
// pod: the shipped in-cluster loader (kube-auth.ts) reads a token (from the TokenRequest API) and the
// cluster CA from a directory laid out like /var/run/secrets/kubernetes.io/serviceaccount, and finds
// the API server in KUBERNETES_SERVICE_HOST/PORT.

const INFRA = join(dirname(fileURLToPath(import.meta.url)), '../infra/forwarder');
const NS = 'vpsie-autoscaler';
const SA = 'vpsie-autoscaler-forwarder';
const OFFERING = SIM_PLANS[2]!.identifier;
const OS = SIM_OS_IMAGES['ubuntu-24.04'];
const DC = SIM_DC.newYork;

/** kubectl apply, minimal: create or replace each document as the admin. */
async function apply(admin: KubeHttp, file: string): Promise<void> {
  for (const doc of parseAllDocuments(readFileSync(join(INFRA, file), 'utf8'))) {
    const object = doc.toJS() as { apiVersion: string; kind: string; metadata: { name: string; namespace?: string } } | null;
    if (!object) continue;
    const [group, version] = object.apiVersion.includes('/') ? object.apiVersion.split('/') : ['', object.apiVersion];
    const plural = `${object.kind.toLowerCase()}${object.kind.endsWith('s') ? 'es' : 's'}`.replace(/ys$/, 'ies');
    const base = group ? `/apis/${group}/${version}` : `/api/${version}`;
    const collection = object.metadata.namespace ? `${base}/namespaces/${object.metadata.namespace}/${plural}` : `${base}/${plural}`;
    try {
      await admin.request({ method: 'POST', path: collection, body: object });
    } catch (error) {
      if (!(error instanceof KubeApiError && error.status === 409)) throw error;
      const current = await admin.request<{ metadata: { resourceVersion: string } }>({ method: 'GET', path: `${collection}/${object.metadata.name}` });
      await admin.request({ method: 'PUT', path: `${collection}/${object.metadata.name}`, body: { ...object, metadata: { ...object.metadata, resourceVersion: current.metadata.resourceVersion } } });
    }
  }
}

describe('the shipped RBAC', () => {
  let h: Harness;
  let admin: KubeHttp;
  let asForwarder: KubeHttp;
  let inCluster: KubeAuth;
  let podRoot: string;

  beforeAll(async () => {
    h = useHarness();
    admin = new KubeHttp(await loadKubeAuth(h.info.kubeconfigPath));
    await ensureNodeGroupCrd(h.kc);
    await apply(admin, 'namespace.yaml');
    await apply(admin, 'serviceaccount.yaml');
    await apply(admin, 'rbac.yaml');
    const { status } = await admin.request<{ status: { token: string } }>({
      method: 'POST',
      path: `/api/v1/namespaces/${NS}/serviceaccounts/${SA}/token`,
      body: { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: { expirationSeconds: 3600 } },
    });
    // The files the kubelet projects into the pod, under a temporary root.
    podRoot = mkdtempSync(join(tmpdir(), 'fwd-pod-'));
    const saDir = join(podRoot, SERVICE_ACCOUNT_DIR);
    mkdirSync(saDir, { recursive: true });
    const cluster = h.kc.getCurrentCluster()!;
    writeFileSync(join(saDir, 'token'), status.token);
    writeFileSync(join(saDir, 'ca.crt'), cluster.caData ? Buffer.from(cluster.caData, 'base64') : readFileSync(cluster.caFile!));
    writeFileSync(join(saDir, 'namespace'), NS);
    const server = new URL(cluster.server);
    inCluster = await loadKubeAuth(undefined, { KUBERNETES_SERVICE_HOST: server.hostname, KUBERNETES_SERVICE_PORT: server.port }, { serviceAccountDir: saDir });
    expect(inCluster.describe).toBe('in-cluster service account');
    expect(inCluster.caPem).toContain('BEGIN CERTIFICATE');
    asForwarder = new KubeHttp(inCluster);
    const review = await asForwarder.request<{ status: { userInfo: { username: string } } }>({
      method: 'POST', path: '/apis/authentication.k8s.io/v1/selfsubjectreviews', body: { apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' },
    });
    expect(review.status.userInfo.username).toBe(`system:serviceaccount:${NS}:${SA}`);
  });
  afterAll(() => {
    asForwarder?.close();
    admin?.close();
    if (podRoot) rmSync(podRoot, { recursive: true, force: true });
  });

  async function allowed(verb: string, resource: string, options: { namespace?: string; group?: string; subresource?: string; name?: string } = {}): Promise<boolean> {
    const review = await asForwarder.request<{ status: { allowed: boolean } }>({
      method: 'POST',
      path: '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews',
      body: { apiVersion: 'authorization.k8s.io/v1', kind: 'SelfSubjectAccessReview', spec: { resourceAttributes: { verb, resource, group: options.group ?? '', namespace: options.namespace, subresource: options.subresource, name: options.name } } },
    });
    return review.status.allowed;
  }

  it('grants what the forwarder needs, no more', async () => {
    const needed: Array<[string, string, Parameters<typeof allowed>[2]]> = [
      ['watch', 'pods', {}], ['list', 'nodes', {}], ['patch', 'nodes', {}], ['delete', 'nodes', {}],
      ['create', 'pods', { subresource: 'eviction', namespace: 'default' }], ['patch', 'pods', { subresource: 'status', namespace: 'default' }],
      ['watch', 'events', {}], ['create', 'events', { group: 'events.k8s.io', namespace: 'default' }], ['patch', 'events', { group: 'events.k8s.io', namespace: 'default' }],
      ['create', 'configmaps', { namespace: NS }], ['patch', 'configmaps', { namespace: NS, name: 'vpsie-autoscaler-status' }],
      ['watch', 'poddisruptionbudgets', { group: 'policy' }], ['watch', 'daemonsets', { group: 'apps' }],
      ['watch', 'nodegroups', { group: API_GROUP }], ['patch', 'nodegroups', { group: API_GROUP, subresource: 'status', namespace: 'default' }],
      ['watch', 'secrets', { namespace: NS }], ['get', 'secrets', { namespace: NS, name: 'workers-bootstrap' }],
      ['create', 'leases', { group: 'coordination.k8s.io', namespace: NS }],
      ['update', 'leases', { group: 'coordination.k8s.io', namespace: NS, name: 'vpsie-autoscaler-forwarder' }],
      ['create', 'secrets', { namespace: 'kube-system' }], ['get', 'secrets', { namespace: 'kube-system', name: 'vpsie-credentials' }],
    ];
    for (const [verb, resource, options] of needed) expect(await allowed(verb, resource, options), `${verb} ${resource} ${JSON.stringify(options)}`).toBe(true);

    const denied: Array<[string, string, Parameters<typeof allowed>[2]]> = [
      ['get', 'secrets', { namespace: 'default', name: 'anything' }], ['list', 'secrets', { namespace: 'default' }],
      ['list', 'secrets', {}], ['list', 'secrets', { namespace: 'kube-system' }], ['get', 'secrets', { namespace: 'kube-system', name: 'other' }],
      ['delete', 'pods', { namespace: 'default' }], ['deletecollection', 'pods', { namespace: 'default' }],
      ['update', 'leases', { group: 'coordination.k8s.io', namespace: NS, name: 'someone-elses' }],
      ['create', 'nodes', {}], ['update', 'nodegroups', { group: API_GROUP, namespace: 'default' }],
      ['create', 'pods', { namespace: 'default' }], ['patch', 'pods', { namespace: 'default' }], ['update', 'pods', { subresource: 'status', namespace: 'default' }],
      ['update', 'clusterroles', { group: 'rbac.authorization.k8s.io' }],
      ['patch', 'configmaps', { namespace: NS, name: 'someone-elses' }], ['patch', 'configmaps', { namespace: 'default', name: 'vpsie-autoscaler-status' }],
      ['delete', 'events', { group: 'events.k8s.io', namespace: 'default' }],
    ];
    for (const [verb, resource, options] of denied) expect(await allowed(verb, resource, options), `${verb} ${resource} ${JSON.stringify(options)}`).toBe(false);
  });

  it('is denied reading a Secret in another namespace and deleting a pod', async () => {
    const ns = await h.newNamespace('rbac');
    await h.core.createNamespacedSecret({ namespace: ns, body: { metadata: { name: 'app-secret' }, stringData: { password: 'x' } } });
    await h.core.createNamespacedPod({ namespace: ns, body: { metadata: { name: 'p' }, spec: { containers: [{ name: 'c', image: 'registry.k8s.io/pause:3.10' }] } } });
    await expect(asForwarder.request({ method: 'GET', path: `/api/v1/namespaces/${ns}/secrets/app-secret` })).rejects.toMatchObject({ status: 403 });
    await expect(asForwarder.request({ method: 'GET', path: '/api/v1/secrets' })).rejects.toMatchObject({ status: 403 });
    await expect(asForwarder.request({ method: 'DELETE', path: `/api/v1/namespaces/${ns}/pods/p` })).rejects.toMatchObject({ status: 403 });
    expect((await h.core.readNamespacedPod({ namespace: ns, name: 'p' })).metadata?.deletionTimestamp).toBeUndefined();
  });

  describe('a forwarder running as the ServiceAccount', () => {
    let fake: FakeFunctions;
    let sim: VpsieSimulator;

    it('watches, leads, and executes every command kind', async () => {
      const clusterId = newClusterId();
      sim = await startVpsieSimulator({ provisionMs: 200 });
      fake = await startFakeFunctions({ clusterId, signingKey: SIGNING_KEY });
      const ns = await h.newNamespace('rbacwl');
      const suffix = clusterId;
      await h.core.createNamespacedSecret({ namespace: 'kube-system', body: { metadata: { name: 'vpsie-credentials' }, stringData: { token: 'sim-token', deletePassword: 'sim-delete-password', projectId: 'sim-project' } } })
        .catch(async () => h.core.replaceNamespacedSecret({ namespace: 'kube-system', name: 'vpsie-credentials', body: { metadata: { name: 'vpsie-credentials' }, stringData: { token: 'sim-token', deletePassword: 'sim-delete-password', projectId: 'sim-project' } } }));
      const bootstrap = `boot-${suffix}`;
      const group = `g-${suffix}`;
      await h.core.createNamespacedSecret({ namespace: NS, body: { metadata: { name: bootstrap, labels: { [BOOTSTRAP_TEMPLATE_LABEL]: 'true' } }, stringData: { 'cloud-init': '#!/bin/sh\nkubeadm join {{apiServer}} --token {{token}}\n# {{kubeletArgs}}\nkubelet {{kubeletArgs}}\n' } } });
      await h.custom.createNamespacedCustomObject({
        group: API_GROUP, version: API_VERSION, namespace: NS, plural: NODEGROUP_PLURAL,
        body: { apiVersion: `${API_GROUP}/${API_VERSION}`, kind: 'NodeGroup', metadata: { name: group }, spec: { minNodes: 0, maxNodes: 5, datacenterID: DC, offeringIDs: [OFFERING], osImageID: OS, bootstrap: { secretName: bootstrap } } },
      });
      // Hostnames follow the cluster's pattern <clusterId>-<group>-<5 letters/digits>; the VM carries the marker.
      const nodeName = `${clusterId}-${group}-n0001`;
      const vm = sim.sim.seedVm({ hostname: nodeName, phase: 'running', projectId: 'sim-project', notes: clusterMarker(clusterId, { namespace: NS, name: group }) });
      await h.createKwokNode(kwokNode({ name: nodeName, labels: { [NODEGROUP_LABEL]: group } }));
      await h.apps.createNamespacedDeployment({ namespace: ns, body: deployment({ name: 'web', namespace: ns, nodeSelector: { 'kubernetes.io/hostname': nodeName } }) });
      const pod = await waitFor(async () => (await h.core.listNamespacedPod({ namespace: ns, labelSelector: 'app=web' })).items.find((p) => p.spec?.nodeName === nodeName), { timeoutMs: 60_000, description: 'pod on the node' });
      // releaseNode nominates a pending pod (pods/status patch); this one fits nowhere and stays pending.
      await h.core.createNamespacedPod({ namespace: ns, body: { metadata: { name: 'waiting' }, spec: { nodeSelector: { 'rbac-test': 'nowhere' }, containers: [{ name: 'c', image: 'registry.k8s.io/pause:3.10' }] } } });

      const forwarder = await startTestForwarder({
        namespace: NS, clusterId, fake, vpsieUrl: sim.url, credentialsSecret: 'vpsie-credentials', kubeconfigPath: h.info.kubeconfigPath,
        leaderElection: true, deps: { kubeAuth: inCluster },
      });
      try {
        await forwarder.waitForSynced(60_000);
        await waitFor(() => forwarder.isLeader() && forwarder.cache.nodes.items.has(nodeName) && forwarder.cache.nodeGroup(NS, group) && forwarder.cache.pods.items.has(`${ns}/${pod.metadata!.name}`), { timeoutMs: 30_000, description: 'leader with a full picture' });
        expect(forwarder.dryRun).toBe(false); // it could read kube-system/vpsie-credentials
        const ref = { namespace: NS, name: group };
        const outcomes = (results: Awaited<ReturnType<typeof runPlan>>) => results.map((r) => [r.kind, r.outcome, r.outcome === 'succeeded' ? '' : r.message]);
        // A removal as the planner sends it: the taint, events, the eviction; then, once the node is
        // empty, the Node and its VM.
        const drain = await runPlan(forwarder, fake, [
          command({ kind: 'createVm', nodeGroup: ref, hostname: `${clusterId}-${group}-n0002`, offeringId: OFFERING, datacenterID: DC, osImageID: OS }),
          command({ kind: 'untaintNode', node: nodeName, nodeGroup: ref }),
          command({ kind: 'releaseNode', node: nodeName, nodeGroup: ref, pods: [{ namespace: ns, name: 'waiting' }] }),
          command({ kind: 'taintNode', node: nodeName, nodeGroup: ref }),
          command({ kind: 'emitEvent', involved: { kind: 'Pod', namespace: ns, name: pod.metadata!.name! }, type: 'Normal', eventReason: 'TestEvent', message: 'pod event' }),
          command({ kind: 'evictPod', namespace: ns, pod: pod.metadata!.name!, node: nodeName, nodeGroup: ref }),
          command({ kind: 'updateNodeGroupStatus', nodeGroup: ref, status: { currentNodes: 1, desiredNodes: 2, readyNodes: 1, conditions: [], nodeList: [] } }),
          command({ kind: 'emitEvent', involved: { kind: 'Node', name: nodeName }, type: 'Normal', eventReason: 'TestEvent', message: 'node event' }),
          // The same Event again: a series update of the first (patch).
          command({ kind: 'emitEvent', involved: { kind: 'Node', name: nodeName }, type: 'Normal', eventReason: 'TestEvent', message: 'node event' }),
          command({ kind: 'updateClusterStatus', status: clusterStatus('Healthy') }),
        ], 90_000);
        expect(outcomes(drain)).toEqual(drain.map((r) => [r.kind, 'succeeded', '']));
        expect(drain.find((r) => r.kind === 'releaseNode')?.data).toMatchObject({ nominated: 1 });
        await waitFor(async () => (await h.core.listNamespacedPod({ namespace: ns })).items.every((p) => p.spec?.nodeName !== nodeName), { timeoutMs: 60_000, description: 'the node empty' });
        const removal = await runPlan(forwarder, fake, [
          command({ kind: 'deleteNode', node: nodeName, nodeGroup: ref }),
          command({ kind: 'deleteVm', hostname: nodeName, vmIdentifier: vm.identifier, nodeGroup: ref }),
          // Again: the status ConfigMap exists now (patch).
          command({ kind: 'updateClusterStatus', status: clusterStatus('Degraded') }),
        ], 90_000);
        expect(outcomes(removal)).toEqual(removal.map((r) => [r.kind, 'succeeded', '']));
        const nodeEvents = (await asForwarder.request<{ items: Array<{ reason: string; regarding: { name: string }; series?: { count: number } }> }>({ method: 'GET', path: '/apis/events.k8s.io/v1/namespaces/default/events' }).catch(() => ({ items: [] })))
          .items.filter((e) => e.reason === 'TestEvent' && e.regarding.name === nodeName);
        const adminEvents = (await admin.request<{ items: Array<{ reason: string; regarding: { name: string }; series?: { count: number } }> }>({ method: 'GET', path: '/apis/events.k8s.io/v1/namespaces/default/events' }))
          .items.filter((e) => e.reason === 'TestEvent' && e.regarding.name === nodeName);
        expect(nodeEvents).toEqual([]); // the forwarder may not read events.k8s.io events back
        expect(adminEvents.map((e) => e.series?.count ?? 1)).toEqual([2]);
        const status = await h.core.readNamespacedConfigMap({ namespace: NS, name: 'vpsie-autoscaler-status' });
        expect(JSON.parse(status.data!.status!)).toMatchObject({ health: 'Degraded' });
        expect((await h.coordination.readNamespacedLease({ namespace: NS, name: 'vpsie-autoscaler-forwarder' })).spec?.holderIdentity).toBe(forwarder.identity);
      } finally {
        await forwarder.stop();
        await fake.stop();
        await sim.stop();
        await h.core.deleteNamespacedSecret({ namespace: 'kube-system', name: 'vpsie-credentials' }).catch(() => {});
        await h.custom.deleteNamespacedCustomObject({ group: API_GROUP, version: API_VERSION, namespace: NS, plural: NODEGROUP_PLURAL, name: group }).catch(() => {});
        await h.core.deleteNamespacedSecret({ namespace: NS, name: bootstrap }).catch(() => {});
      }
    });
  });
});

function clusterStatus(health: 'Healthy' | 'Degraded'): ClusterStatus {
  return { time: new Date().toISOString(), health, message: 'test', nodeGroups: [], pendingPods: { unschedulable: 0, triggeredScaleUp: 0, notTriggeredScaleUp: 0 } };
}
