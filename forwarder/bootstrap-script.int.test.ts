import { describe, expect, it } from 'vitest';
import { API_GROUP, API_VERSION, BOOTSTRAP_TEMPLATE_LABEL, NODEGROUP_LABEL, NODEGROUP_PLURAL } from '../shared/labels.ts';
import { startFakeFunctions } from '../test/forwarder/fake-functions.ts';
import { command, createCredentialsSecret, ensureNodeGroupCrd, newClusterId, runPlan, SIGNING_KEY, startTestForwarder } from '../test/forwarder/fixture.ts';
import { useHarness, waitFor } from '../test/harness/context.ts';
import { decodeUserData } from '../test/vpsie-sim/user-data.ts';
import { SIM_DC, SIM_OS_IMAGES, SIM_PLANS, startVpsieSimulator } from '../test/vpsie-sim/index.ts';

// Issue 15: bootstrap delivered as a stored VPSie script (scriptIdentifier on the create), on a
// simulator whose create path ignores userData — the case where userData delivery would never join.

const OFFERING = SIM_PLANS[2]!.identifier;
const OS = SIM_OS_IMAGES['ubuntu-24.04'];
const DC = SIM_DC.newYork;

const SCRIPT_TEMPLATE = [
  '#!/bin/sh',
  'set -eu',
  'hostnamectl set-hostname {{hostname}}',
  'kubeadm join {{apiServerEndpoint}} --token {{token}} --discovery-token-ca-cert-hash {{caCertHash}} --node-name {{nodeName}} {{kubeletArgs}}',
  '',
].join('\n');

describe('bootstrap delivery: script', () => {
  it('the rendered script is stored, named on the create without userData, and the VM joins', async () => {
    const h = useHarness();
    await ensureNodeGroupCrd(h.kc);
    const ns = await h.newNamespace('script');
    const clusterId = newClusterId();
    const sim = await startVpsieSimulator({ provisionMs: 300, ignoreUserData: true, kubeconfigPath: h.info.kubeconfigPath, clusterLog: () => {} });
    const fake = await startFakeFunctions({ clusterId, signingKey: SIGNING_KEY });
    const secret = await createCredentialsSecret(h, { token: 'sim-token', deletePassword: 'sim-delete-password' });
    await h.core.createNamespacedSecret({ namespace: ns, body: { metadata: { name: 'workers-bootstrap', labels: { [BOOTSTRAP_TEMPLATE_LABEL]: 'true' } }, stringData: { 'cloud-init': SCRIPT_TEMPLATE } } });
    await h.custom.createNamespacedCustomObject({
      group: API_GROUP, version: API_VERSION, namespace: ns, plural: NODEGROUP_PLURAL,
      body: {
        apiVersion: `${API_GROUP}/${API_VERSION}`, kind: 'NodeGroup', metadata: { name: 'workers', namespace: ns },
        spec: { minNodes: 0, maxNodes: 2, datacenterID: DC, offeringIDs: [OFFERING], osImageID: OS, bootstrap: { secretName: 'workers-bootstrap', delivery: 'script' } },
      },
    });
    const forwarder = await startTestForwarder({ namespace: ns, clusterId, fake, vpsieUrl: sim.url, credentialsSecret: secret, kubeconfigPath: h.info.kubeconfigPath });
    try {
      await forwarder.waitForSynced();
      await waitFor(() => fake.snapshots.length > 0 && forwarder.cache.nodeGroup(ns, 'workers'), { description: 'first snapshot with the NodeGroup' });
      const hostname = `${clusterId}-workers-s0001`;
      const [result] = await runPlan(forwarder, fake, [command({ kind: 'createVm', nodeGroup: { namespace: ns, name: 'workers' }, hostname, offeringId: OFFERING, datacenterID: DC, osImageID: OS })]);
      expect(result, result?.message).toMatchObject({ kind: 'createVm', outcome: 'succeeded', data: { launch: 'created' } });

      const [script] = sim.sim.scripts.all();
      expect(script?.name).toBe(`${hostname}-bootstrap`);
      expect(script?.content).toContain(`--token ${String(result!.data!.tokenId)}.`);
      const vm = sim.sim.vms().find((v) => v.hostname === hostname)!;
      expect(vm.request['scriptIdentifier']).toBe(script!.identifier);
      expect('userData' in vm.request).toBe(false);
      expect(decodeUserData(vm.userData)).toBe(script!.content);

      const node = await waitFor(() => h.core.readNode({ name: hostname }), { timeoutMs: 30_000, description: `node ${hostname} joined from the script` });
      expect(node.metadata!.labels![NODEGROUP_LABEL]).toBe('workers');

      // Once the node is Ready, its script (and join token) is deleted at the next script launch.
      await waitFor(() => forwarder.cache.nodes.items.get(hostname)?.ready === true || undefined, { timeoutMs: 30_000, description: `node ${hostname} Ready in the forwarder's view` });
      const second = `${clusterId}-workers-s0002`;
      const [next] = await runPlan(forwarder, fake, [command({ kind: 'createVm', nodeGroup: { namespace: ns, name: 'workers' }, hostname: second, offeringId: OFFERING, datacenterID: DC, osImageID: OS })]);
      expect(next, next?.message).toMatchObject({ outcome: 'succeeded' });
      expect(sim.sim.scripts.all().map((s) => s.name)).toEqual([`${second}-bootstrap`]);
      await h.core.deleteNode({ name: hostname }).catch(() => {});
    } finally {
      await forwarder.stop();
      await fake.stop();
      await sim.stop();
      await h.core.deleteNamespacedSecret({ namespace: 'kube-system', name: secret }).catch(() => {});
    }
  });

  it('the forwarder default (vpsie.bootstrapDelivery userData) applies to a NodeGroup without delivery; a NodeGroup\'s own delivery wins', async () => {
    const h = useHarness();
    await ensureNodeGroupCrd(h.kc);
    const ns = await h.newNamespace('script-default');
    const clusterId = newClusterId();
    const sim = await startVpsieSimulator({ provisionMs: 300, clusterLog: () => {} });
    const fake = await startFakeFunctions({ clusterId, signingKey: SIGNING_KEY });
    const secret = await createCredentialsSecret(h, { token: 'sim-token', deletePassword: 'sim-delete-password' });
    await h.core.createNamespacedSecret({ namespace: ns, body: { metadata: { name: 'workers-bootstrap', labels: { [BOOTSTRAP_TEMPLATE_LABEL]: 'true' } }, stringData: { 'cloud-init': SCRIPT_TEMPLATE } } });
    for (const [name, delivery] of [['plain', undefined], ['scripted', 'script']] as const) {
      await h.custom.createNamespacedCustomObject({
        group: API_GROUP, version: API_VERSION, namespace: ns, plural: NODEGROUP_PLURAL,
        body: {
          apiVersion: `${API_GROUP}/${API_VERSION}`, kind: 'NodeGroup', metadata: { name, namespace: ns },
          spec: { minNodes: 0, maxNodes: 2, datacenterID: DC, offeringIDs: [OFFERING], osImageID: OS, bootstrap: { secretName: 'workers-bootstrap', ...(delivery ? { delivery } : {}) } },
        },
      });
    }
    const forwarder = await startTestForwarder({
      namespace: ns, clusterId, fake, kubeconfigPath: h.info.kubeconfigPath,
      extra: { vpsie: { baseUrl: sim.url, credentialsSecret: secret, projectId: 'sim-project', bootstrapDelivery: 'userData' } },
    });
    try {
      await forwarder.waitForSynced();
      await waitFor(() => fake.snapshots.length > 0 && forwarder.cache.nodeGroup(ns, 'plain') && forwarder.cache.nodeGroup(ns, 'scripted'), { description: 'first snapshot with both NodeGroups' });
      const launch = (group: string, hostname: string) => command({ kind: 'createVm', nodeGroup: { namespace: ns, name: group }, hostname, offeringId: OFFERING, datacenterID: DC, osImageID: OS });
      const results = await runPlan(forwarder, fake, [launch('plain', `${clusterId}-plain-d0001`), launch('scripted', `${clusterId}-scripted-d0002`)]);
      for (const result of results) expect(result, result.message).toMatchObject({ outcome: 'succeeded' });
      const plain = sim.sim.vms().find((v) => v.hostname === `${clusterId}-plain-d0001`)!;
      expect(typeof plain.request['userData']).toBe('string'); // the shell template went as userData: the forwarder's default
      expect('scriptIdentifier' in plain.request).toBe(false);
      const scripted = sim.sim.vms().find((v) => v.hostname === `${clusterId}-scripted-d0002`)!;
      expect(typeof scripted.request['scriptIdentifier']).toBe('string'); // the NodeGroup's own setting
      expect('userData' in scripted.request).toBe(false);
      expect(sim.sim.scripts.all().map((s) => s.name)).toEqual([`${clusterId}-scripted-d0002-bootstrap`]);
    } finally {
      await forwarder.stop();
      await fake.stop();
      await sim.stop();
      await h.core.deleteNamespacedSecret({ namespace: 'kube-system', name: secret }).catch(() => {});
    }
  });

  it('delivery "script" with a #cloud-config template is a configuration error, nothing is created', async () => {
    const { resolveDelivery } = await import('./vpsie/bootstrap-delivery.ts');
    expect(resolveDelivery('script', '#cloud-config\nruncmd: []\n')).toMatchObject({ mode: 'unsupported' });
    expect(resolveDelivery(undefined, '#cloud-config\n')).toEqual({ mode: 'userData' });
    expect(resolveDelivery(undefined, '#!/bin/sh\n')).toEqual({ mode: 'script' });
    expect(resolveDelivery('userData', '#!/bin/sh\n')).toEqual({ mode: 'userData' });
  });
});
