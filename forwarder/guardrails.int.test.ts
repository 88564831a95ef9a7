import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { API_GROUP, API_VERSION, NODEGROUP_LABEL, NODEGROUP_PLURAL, TO_BE_DELETED_TAINT } from '../shared/labels.ts';
import { startFakeFunctions, type FakeFunctions } from '../test/forwarder/fake-functions.ts';
import { command, createCredentialsSecret, ensureNodeGroupCrd, newClusterId, runPlan, SIGNING_KEY, startTestForwarder } from '../test/forwarder/fixture.ts';
import { deployment, kwokNode } from '../test/harness/builders.ts';
import { useHarness, waitFor, type Harness } from '../test/harness/context.ts';
import { SIM_DC, SIM_OS_IMAGES, SIM_PLANS, startVpsieSimulator, type VpsieSimulator } from '../test/vpsie-sim/index.ts';
import type { ForwarderHandle } from './main.ts';

// Each guardrail refusal on the real control plane and the simulator: the command comes back
// "refused" and nothing was touched. Then dry-run: every command kind, nothing mutated.

const OFFERING = SIM_PLANS[2]!.identifier;
const OS = SIM_OS_IMAGES['ubuntu-24.04'];
const DC = SIM_DC.newYork;

interface Setup {
  h: Harness;
  ns: string;
  clusterId: string;
  fake: FakeFunctions;
  sim: VpsieSimulator;
  forwarder: ForwarderHandle;
  group: { namespace: string; name: string };
  cleanup: () => Promise<void>;
}

async function setup({ dryRun = false, minNodes = 1, maxNodes = 2, maxDeletions = 1 } = {}): Promise<Setup> {
  const h = useHarness();
  await ensureNodeGroupCrd(h.kc);
  const ns = await h.newNamespace(dryRun ? 'dry' : 'guard');
  const clusterId = newClusterId();
  const sim = await startVpsieSimulator({ provisionMs: 200 });
  const fake = await startFakeFunctions({ clusterId, signingKey: SIGNING_KEY });
  const secret = await createCredentialsSecret(h, { token: 'sim-token', deletePassword: 'sim-delete-password' });
  await h.core.createNamespacedSecret({ namespace: ns, body: { metadata: { name: 'boot' }, stringData: { 'cloud-init': '#!/bin/sh\nkubelet {{kubeletArgs}} --token {{token}}\n' } } });
  await h.custom.createNamespacedCustomObject({
    group: API_GROUP, version: API_VERSION, namespace: ns, plural: NODEGROUP_PLURAL,
    body: { apiVersion: `${API_GROUP}/${API_VERSION}`, kind: 'NodeGroup', metadata: { name: 'workers', namespace: ns }, spec: { minNodes, maxNodes, datacenterID: DC, offeringIDs: [OFFERING], osImageID: OS, bootstrap: { secretName: 'boot' } } },
  });
  const forwarder = await startTestForwarder({
    namespace: ns, clusterId, fake, vpsieUrl: sim.url, credentialsSecret: secret, kubeconfigPath: h.info.kubeconfigPath, dryRun, maxDeletionsPer10Min: maxDeletions,
    deps: { deliveryOptions: { maxAttempts: 2, backoff: { initialMs: 50, maxMs: 100 } } },
  });
  await forwarder.waitForSynced();
  await waitFor(() => fake.snapshots.length > 0 && forwarder.cache.nodeGroup(ns, 'workers'), { description: 'first snapshot with the NodeGroup' });
  return {
    h, ns, clusterId, fake, sim, forwarder, group: { namespace: ns, name: 'workers' },
    cleanup: async () => {
      await forwarder.stop();
      await fake.stop();
      await sim.stop();
      await h.core.deleteNamespacedSecret({ namespace: 'kube-system', name: secret }).catch(() => {});
    },
  };
}

async function nodes(s: Setup, specs: Array<{ name: string; group?: string }>): Promise<void> {
  for (const { name, group } of specs) await s.h.createKwokNode(kwokNode({ name, labels: group ? { [NODEGROUP_LABEL]: group } : {} }));
  await waitFor(() => specs.every(({ name }) => s.forwarder.cache.nodes.items.has(name)), { description: 'forwarder sees the nodes' });
}

async function untouched(s: Setup, name: string): Promise<void> {
  const node = await s.h.core.readNode({ name });
  expect(node.spec?.unschedulable).toBeFalsy();
  expect(node.spec?.taints ?? []).not.toContainEqual(expect.objectContaining({ key: TO_BE_DELETED_TAINT }));
}

describe('guardrails against the real control plane', () => {
  let s: Setup;
  beforeEach(async () => {
    s = await setup();
  });
  afterEach(() => s.cleanup());

  it('refuses to touch a node without the group label, or of another group', async () => {
    const bare = `${s.clusterId}-bare`;
    const other = `${s.clusterId}-other`;
    await nodes(s, [{ name: bare }, { name: other, group: 'gpu' }]);
    const results = await runPlan(s.forwarder, s.fake, [
      command({ kind: 'taintNode', node: bare, nodeGroup: s.group }),
      command({ kind: 'deleteNode', node: bare, nodeGroup: s.group }),
      command({ kind: 'taintNode', node: other, nodeGroup: s.group }),
    ]);
    expect(results.map((r) => [r.outcome, r.message?.split(':')[0]])).toEqual([['refused', 'group-label'], ['refused', 'group-label'], ['refused', 'group-label']]);
    await untouched(s, bare);
    await untouched(s, other);
  });

  it('refuses a VM without the cluster hostname prefix', async () => {
    const foreign = s.sim.sim.seedVm({ hostname: 'billing-db-1', phase: 'running' });
    const [result] = await runPlan(s.forwarder, s.fake, [command({ kind: 'deleteVm', hostname: 'billing-db-1', vmIdentifier: foreign.identifier })]);
    expect(result).toMatchObject({ outcome: 'refused', message: expect.stringMatching(/^hostname-prefix/) });
    expect(s.sim.sim.listedVms().some((v) => v.hostname === 'billing-db-1')).toBe(true);
  });

  it('refuses a launch beyond maxNodes', async () => {
    await nodes(s, [{ name: `${s.clusterId}-w1`, group: 'workers' }, { name: `${s.clusterId}-w2`, group: 'workers' }]);
    const hostname = `${s.clusterId}-w3`;
    const [result] = await runPlan(s.forwarder, s.fake, [command({ kind: 'createVm', nodeGroup: s.group, hostname, offeringId: OFFERING, datacenterID: DC, osImageID: OS })]);
    expect(result).toMatchObject({ outcome: 'refused', message: expect.stringMatching(/^max-nodes/) });
    expect(s.sim.sim.vms().some((v) => v.hostname === hostname)).toBe(false);
  });

  it('refuses a removal below minNodes', async () => {
    const only = `${s.clusterId}-w1`;
    await nodes(s, [{ name: only, group: 'workers' }]);
    const [result] = await runPlan(s.forwarder, s.fake, [command({ kind: 'deleteNode', node: only, nodeGroup: s.group })]);
    expect(result).toMatchObject({ outcome: 'refused', message: expect.stringMatching(/^min-nodes/) });
    await s.h.core.readNode({ name: only });
  });

  it('refuses more deletions than its limit per 10 minutes', async () => {
    const [a, b, c] = ['a', 'b', 'c'].map((x) => `${s.clusterId}-w${x}`) as [string, string, string];
    await s.h.custom.patchNamespacedCustomObject({ group: API_GROUP, version: API_VERSION, namespace: s.ns, plural: NODEGROUP_PLURAL, name: 'workers', body: [{ op: 'replace', path: '/spec/maxNodes', value: 5 }] });
    await nodes(s, [{ name: a, group: 'workers' }, { name: b, group: 'workers' }, { name: c, group: 'workers' }]);
    const results = await runPlan(s.forwarder, s.fake, [command({ kind: 'deleteNode', node: a, nodeGroup: s.group }), command({ kind: 'deleteNode', node: b, nodeGroup: s.group })]);
    expect(results.map((r) => r.outcome)).toEqual(['succeeded', 'refused']);
    expect(results[1]!.message).toMatch(/^deletion-rate/);
    await s.h.core.readNode({ name: b });
  });

  it('refuses a plan whose fencing token is older than one it executed', async () => {
    const node = `${s.clusterId}-w1`;
    await nodes(s, [{ name: node, group: 'workers' }, { name: `${s.clusterId}-w2`, group: 'workers' }]);
    s.fake.answers.push({ status: 200, fencingToken: 100, commands: [command({ kind: 'emitEvent', involved: { kind: 'NodeGroup', namespace: s.ns, name: 'workers' }, type: 'Normal', eventReason: 'Test', message: 'fence' })] });
    s.forwarder.trigger();
    await waitFor(() => s.forwarder.loop.lastFencingToken === 100, { description: 'token 100 executed' });
    await s.forwarder.loop.idle();
    const taint = command({ kind: 'taintNode', node, nodeGroup: s.group });
    s.fake.answers.push({ status: 200, fencingToken: 50, commands: [taint] });
    const before = s.fake.snapshots.length;
    s.forwarder.trigger();
    await waitFor(() => s.fake.snapshots.length > before, { description: 'the stale plan was fetched' });
    await s.forwarder.loop.idle();
    expect(s.forwarder.loop.lastOutcome).toBe('refused');
    expect(s.forwarder.loop.pending.some((r) => r.commandId === taint.id)).toBe(false);
    await untouched(s, node);
  });

  it('does nothing while the functions are unreachable, and keeps watching', async () => {
    const node = `${s.clusterId}-w1`;
    await s.fake.stop();
    s.forwarder.trigger();
    await waitFor(() => s.forwarder.loop.lastOutcome === 'unreachable', { timeoutMs: 30_000, description: 'unreachable outcome' });
    await nodes(s, [{ name: node, group: 'workers' }]); // the cache still follows the cluster
    expect(s.forwarder.isSynced()).toBe(true);
    await untouched(s, node);
  });
});

describe('dry-run', () => {
  let s: Setup;
  beforeEach(async () => {
    s = await setup({ dryRun: true, minNodes: 0, maxNodes: 5, maxDeletions: 10 });
  });
  afterEach(() => s.cleanup());

  it('mutates nothing, reports dry-run results and announces what it would do', async () => {
    const node = `${s.clusterId}-w1`;
    const hostname = `${s.clusterId}-w9`;
    const vm = s.sim.sim.seedVm({ hostname: node, phase: 'running' });
    await nodes(s, [{ name: node, group: 'workers' }]);
    await s.h.apps.createNamespacedDeployment({ namespace: s.ns, body: deployment({ name: 'web', namespace: s.ns, nodeSelector: { 'kubernetes.io/hostname': node } }) });
    const pod = await waitFor(async () => (await s.h.core.listNamespacedPod({ namespace: s.ns, labelSelector: 'app=web' })).items.find((p) => p.spec?.nodeName === node), { timeoutMs: 60_000, description: 'web pod on the node' });
    await waitFor(() => s.forwarder.cache.pods.items.get(`${s.ns}/${pod.metadata!.name}`)?.pod.nodeName === node, { description: 'forwarder sees the pod' });
    const tokensBefore = (await s.h.core.listNamespacedSecret({ namespace: 'kube-system', fieldSelector: 'type=bootstrap.kubernetes.io/token' })).items.length;
    const statusBefore = ((await s.h.custom.getNamespacedCustomObject({ group: API_GROUP, version: API_VERSION, namespace: s.ns, plural: NODEGROUP_PLURAL, name: 'workers' })) as { status?: unknown }).status;

    const results = await runPlan(s.forwarder, s.fake, [
      command({ kind: 'createVm', nodeGroup: s.group, hostname, offeringId: OFFERING, datacenterID: DC, osImageID: OS }),
      command({ kind: 'taintNode', node, nodeGroup: s.group }),
      command({ kind: 'evictPod', namespace: s.ns, pod: pod.metadata!.name!, node, nodeGroup: s.group }),
      command({ kind: 'untaintNode', node, nodeGroup: s.group }),
      command({ kind: 'deleteNode', node, nodeGroup: s.group }),
      command({ kind: 'deleteVm', hostname: node, vmIdentifier: vm.identifier, nodeGroup: s.group }),
      command({ kind: 'updateNodeGroupStatus', nodeGroup: s.group, status: { currentNodes: 9, desiredNodes: 9, readyNodes: 9, conditions: [], nodeList: [] } }),
      command({ kind: 'emitEvent', involved: { kind: 'NodeGroup', namespace: s.ns, name: 'workers' }, type: 'Normal', eventReason: 'ScaleUpTriggered', message: 'would add a node' }),
    ]);
    expect(results.map((r) => r.outcome)).toEqual(Array(8).fill('dry-run'));
    expect(s.forwarder.dryRun).toBe(true);

    expect(s.sim.sim.vms().some((v) => v.hostname === hostname)).toBe(false);
    expect(s.sim.sim.listedVms().some((v) => v.hostname === node)).toBe(true);
    expect(s.sim.sim.calls().filter((c) => c.method !== 'GET' && !c.path.includes('/resources') && !c.path.includes('/auth'))).toEqual([]);
    await untouched(s, node);
    const current = await s.h.core.readNamespacedPod({ namespace: s.ns, name: pod.metadata!.name! });
    expect(current.metadata!.deletionTimestamp).toBeUndefined();
    expect((await s.h.core.listNamespacedSecret({ namespace: 'kube-system', fieldSelector: 'type=bootstrap.kubernetes.io/token' })).items.length).toBe(tokensBefore);
    const statusAfter = ((await s.h.custom.getNamespacedCustomObject({ group: API_GROUP, version: API_VERSION, namespace: s.ns, plural: NODEGROUP_PLURAL, name: 'workers' })) as { status?: unknown }).status;
    expect(statusAfter).toEqual(statusBefore);

    const events = (await s.h.core.listNamespacedEvent({ namespace: s.ns })).items;
    expect(events.filter((e) => e.reason === 'DryRun').map((e) => e.message)).toEqual(expect.arrayContaining([
      expect.stringMatching(/would create VM/), expect.stringMatching(/would taint and cordon/), expect.stringMatching(/would delete node/),
    ]));
    expect(events.find((e) => e.reason === 'ScaleUpTriggered')?.message).toMatch(/^\[dry-run\]/);
  });
});
