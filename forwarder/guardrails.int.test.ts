import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { API_GROUP, API_VERSION, BOOTSTRAP_TEMPLATE_LABEL, NODEGROUP_LABEL, NODEGROUP_PLURAL, TO_BE_DELETED_TAINT } from '../shared/labels.ts';
import { clusterMarker } from '../shared/ownership.ts';
import type { Command } from '../shared/plan-message.ts';
import { startFakeFunctions, type FakeFunctions } from '../test/forwarder/fake-functions.ts';
import { command, createCredentialsSecret, ensureNodeGroupCrd, newClusterId, runPlan, SIGNING_KEY, startTestForwarder } from '../test/forwarder/fixture.ts';
import { deployment, kwokNode } from '../test/harness/builders.ts';
import { useHarness, waitFor, type Harness } from '../test/harness/context.ts';
import { SIM_DC, SIM_OS_IMAGES, SIM_PLANS, startVpsieSimulator, type VpsieSimulator } from '../test/vpsie-sim/index.ts';
import type { ForwarderHandle } from './main.ts';

// The adversarial-plan suite: a hostile functions stub that signs with the right key (a leaked key,
// or a planner gone wrong) sends, one per case, the plans the forwarder must not obey, against the
// real control plane and the VPSie simulator. Each case asserts, as a number, the bound that held.
// Then dry-run: every command kind, nothing mutated. (Hostile network answers — gzip bombs, huge
// bodies — are in test/forwarder/hostile-network.int.test.ts.)

const DEAREST = [...SIM_PLANS].sort((a, b) => Number(b.price) - Number(a.price))[0]!.identifier;
const OS = SIM_OS_IMAGES['ubuntu-24.04'];
const DC = SIM_DC.newYork;
const PROJECT = 'sim-project'; // the simulator's default project (the forwarder resolves it through /apps/v2/projects)

interface Setup {
  h: Harness;
  ns: string;
  clusterId: string;
  fake: FakeFunctions;
  sim: VpsieSimulator;
  forwarder: ForwarderHandle;
  group: { namespace: string; name: string };
  /** `<clusterId>-workers-<5 chars>`: this cluster's exact hostname pattern. */
  host: (suffix: string | number) => string;
  restart: () => Promise<void>;
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
  await h.core.createNamespacedSecret({ namespace: ns, body: { metadata: { name: 'boot', labels: { [BOOTSTRAP_TEMPLATE_LABEL]: 'true' } }, stringData: { 'cloud-init': '#!/bin/sh\nkubelet {{kubeletArgs}} --token {{token}}\n' } } });
  await h.custom.createNamespacedCustomObject({
    group: API_GROUP, version: API_VERSION, namespace: ns, plural: NODEGROUP_PLURAL,
    body: { apiVersion: `${API_GROUP}/${API_VERSION}`, kind: 'NodeGroup', metadata: { name: 'workers', namespace: ns }, spec: { minNodes, maxNodes, datacenterID: DC, offeringIDs: SIM_PLANS.map((p) => p.identifier), osImageID: OS, bootstrap: { secretName: 'boot' } } },
  });
  const start = async () => {
    const forwarder = await startTestForwarder({
      namespace: ns, clusterId, fake, vpsieUrl: sim.url, credentialsSecret: secret, kubeconfigPath: h.info.kubeconfigPath, dryRun, maxDeletionsPer10Min: maxDeletions,
      deps: { deliveryOptions: { maxAttempts: 2, backoff: { initialMs: 50, maxMs: 100 } } },
    });
    await forwarder.waitForSynced();
    await waitFor(() => forwarder.cache.nodeGroup(ns, 'workers'), { description: 'the forwarder sees the NodeGroup' });
    return forwarder;
  };
  const s: Setup = {
    h, ns, clusterId, fake, sim, forwarder: await start(), group: { namespace: ns, name: 'workers' },
    host: (suffix) => `${clusterId}-workers-${String(suffix).padStart(5, '0')}`,
    restart: async () => {
      await s.forwarder.crash(); // like a killed process: nothing kept in memory survives
      s.forwarder = await start();
    },
    cleanup: async () => {
      await s.forwarder.stop();
      await fake.stop();
      await sim.stop();
      // The control plane is shared: this cluster's Nodes go with it.
      const own = (await h.core.listNode()).items.filter((n) => n.metadata?.name?.startsWith(`${clusterId}-`));
      await Promise.all(own.map((n) => h.core.deleteNode({ name: n.metadata!.name! }).catch(() => {})));
      await h.core.deleteNamespacedSecret({ namespace: 'kube-system', name: secret }).catch(() => {});
    },
  };
  return s;
}

async function nodes(s: Setup, specs: Array<{ name: string; group?: string; taint?: boolean }>): Promise<void> {
  for (const { name, group, taint } of specs) {
    await s.h.createKwokNode(kwokNode({ name, labels: group ? { [NODEGROUP_LABEL]: group } : {}, ...(taint ? { taints: [{ key: TO_BE_DELETED_TAINT, effect: 'NoSchedule' }] } : {}) }));
  }
  await waitFor(() => specs.every(({ name }) => s.forwarder.cache.nodes.items.get(name)?.ready), { description: 'forwarder sees the nodes Ready' });
}

async function isTainted(s: Setup, name: string): Promise<boolean> {
  const node = await s.h.core.readNode({ name });
  return (node.spec?.taints ?? []).some((t) => t.key === TO_BE_DELETED_TAINT) || node.spec?.unschedulable === true;
}

const rules = (results: Array<{ outcome: string; message?: string }>) => {
  const counts: Record<string, number> = {};
  for (const r of results) {
    const key = r.outcome === 'refused' ? `refused:${r.message?.split(':')[0]}` : r.outcome;
    counts[key] = (counts[key] ?? 0) + 1;
  }
  return counts;
};

/** VMs of this cluster the simulator holds that are not deleted. */
const liveVms = (s: Setup) => s.sim.sim.vms().filter((v) => v.hostname.startsWith(`${s.clusterId}-`) && v.phase !== 'deleted');

describe('adversarial plans against the real control plane and the simulator', () => {
  let s: Setup;
  beforeEach(async () => {
    s = await setup({ minNodes: 1, maxNodes: 10, maxDeletions: 3 });
  });
  afterEach(() => s.cleanup());

  it('1,000 createVm of the dearest offering, three times, across two restarts: members never exceed maxNodes 10', async () => {
    await nodes(s, [1, 2, 3, 4, 5, 6].map((i) => ({ name: s.host(`n${i}`), group: 'workers' })));
    const hostile = (round: number) => Array.from({ length: 1_000 }, (_, i) => command({ kind: 'createVm', nodeGroup: s.group, hostname: s.host(`${round}${String(i).padStart(4, '0')}`), offeringId: DEAREST, datacenterID: DC, osImageID: OS }));
    const first = await runPlan(s.forwarder, s.fake, hostile(1), 120_000);
    expect(rules(first)).toEqual({ succeeded: 4, 'refused:max-nodes': 996 });
    await s.restart();
    const second = await runPlan(s.forwarder, s.fake, hostile(2), 120_000);
    expect(rules(second)).toEqual({ 'refused:max-nodes': 1_000 });
    await s.restart();
    const third = await runPlan(s.forwarder, s.fake, hostile(3), 120_000);
    expect(rules(third)).toEqual({ 'refused:max-nodes': 1_000 });
    // 6 Nodes + 4 VMs = 10 = maxNodes; no bootstrap token for a refused create.
    expect(liveVms(s)).toHaveLength(4);
    const tokens = (await s.h.core.listNamespacedSecret({ namespace: 'kube-system', labelSelector: `autoscaler.vpsie.com/cluster=${s.clusterId}` })).items;
    expect(tokens).toHaveLength(4);
  });

  it('bad hostnames: 0 VMs, 0 join tokens', async () => {
    const create = (hostname: string) => command({ kind: 'createVm', nodeGroup: s.group, hostname, offeringId: DEAREST, datacenterID: DC, osImageID: OS });
    // Not RFC 1123 labels: the plan does not even parse; the forwarder refuses it whole.
    for (const hostname of ['Bad_Host', '../etc', `${s.clusterId}-`, `${s.clusterId}-workers-aaaaa.evil.com`]) {
      await s.forwarder.loop.idle();
      const before = s.fake.snapshots.length;
      s.fake.answers.push({ status: 200, commands: [create(hostname)] });
      s.forwarder.trigger();
      await waitFor(() => s.fake.snapshots.length > before, { description: `the plan with ${hostname} was fetched` });
      await s.forwarder.loop.idle();
      expect(s.forwarder.loop.lastOutcome, hostname).toBe('refused');
    }
    // Labels, but not of this cluster's exact pattern: refused command by command.
    const patterned = ['x'.repeat(63), `${s.clusterId}-workers-ab`, 'other-workers-aaaaa', `${s.clusterId}workers-aaaaa`];
    const results = await runPlan(s.forwarder, s.fake, patterned.map(create));
    expect(rules(results)).toEqual({ 'refused:hostname': patterned.length });
    expect(liveVms(s)).toHaveLength(0);
    expect(s.sim.sim.calls().filter((c) => c.operation === 'createVm')).toHaveLength(0);
    expect((await s.h.core.listNamespacedSecret({ namespace: 'kube-system', labelSelector: `autoscaler.vpsie.com/cluster=${s.clusterId}` })).items).toHaveLength(0);
  });

  it('deletes of foreign, unmarked and live untainted VMs: 0 deleted', async () => {
    const foreignCluster = `${s.clusterId}-eu`; // its hostnames match this cluster's prefix too
    const foreign = s.sim.sim.seedVm({ hostname: `${foreignCluster}-workers-aaaaa`, projectId: PROJECT, notes: clusterMarker(foreignCluster, { namespace: 'default', name: 'workers' }) });
    const unmarked = s.sim.sim.seedVm({ hostname: s.host('old01'), projectId: PROJECT });
    const stranger = s.sim.sim.seedVm({ hostname: 'billing-db-1', projectId: PROJECT });
    const live = s.sim.sim.seedVm({ hostname: s.host('live1'), projectId: PROJECT, notes: clusterMarker(s.clusterId, s.group) });
    await nodes(s, [{ name: s.host('live1'), group: 'workers' }, { name: s.host('live2'), group: 'workers' }]);
    const results = await runPlan(s.forwarder, s.fake, [
      command({ kind: 'deleteVm', hostname: foreign.hostname, vmIdentifier: foreign.identifier, reason: 'orphan-vm' }),
      command({ kind: 'deleteVm', hostname: unmarked.hostname, vmIdentifier: unmarked.identifier, reason: 'orphan-vm' }),
      command({ kind: 'deleteVm', hostname: stranger.hostname, vmIdentifier: stranger.identifier, reason: 'orphan-vm' }),
      command({ kind: 'deleteVm', hostname: live.hostname, vmIdentifier: live.identifier, nodeGroup: s.group }),
    ]);
    expect(results.map((r) => r.outcome === 'refused' ? r.message?.split(':')[0] : r.outcome)).toEqual(['ownership', 'ownership', 'hostname', 'not-tainted']);
    // By hostname alone (no identifier), the VM VPSie returns is judged the same way.
    const [byName] = await runPlan(s.forwarder, s.fake, [command({ kind: 'deleteVm', hostname: unmarked.hostname, reason: 'orphan-vm' })]);
    expect(byName).toMatchObject({ outcome: 'refused', message: expect.stringMatching(/^ownership: VM .* carries no ownership marker/) });
    expect(s.sim.sim.calls().filter((c) => c.method === 'DELETE')).toHaveLength(0);
    expect(liveVms(s).map((v) => v.hostname).sort()).toEqual([foreign.hostname, live.hostname, unmarked.hostname].sort());
  });

  it('removals below minNodes, of untainted nodes, and a mass taint: bounded by minNodes and the leaving cap', async () => {
    const names = Array.from({ length: 12 }, (_, i) => s.host(`m${String(i).padStart(2, '0')}`));
    await s.h.custom.patchNamespacedCustomObject({ group: API_GROUP, version: API_VERSION, namespace: s.ns, plural: NODEGROUP_PLURAL, name: 'workers', body: [{ op: 'replace', path: '/spec/minNodes', value: 4 }, { op: 'replace', path: '/spec/maxNodes', value: 20 }] });
    await nodes(s, names.map((name) => ({ name, group: 'workers' })));
    await waitFor(() => (s.forwarder.cache.nodeGroup(s.ns, 'workers')?.spec as { minNodes?: number }).minNodes === 4, { description: 'new minNodes seen' });
    // Deletes without a taint: refused, every one.
    const deletes = await runPlan(s.forwarder, s.fake, names.map((node) => command({ kind: 'deleteNode', node, nodeGroup: s.group })));
    expect(rules(deletes)).toEqual({ 'refused:not-tainted': 12 });
    // Taint them all: minNodes 4 leaves 8 removable; the cluster-wide leaving cap (10) does not bind first.
    const taints = await runPlan(s.forwarder, s.fake, names.map((node) => command({ kind: 'taintNode', node, nodeGroup: s.group })));
    expect(rules(taints)).toEqual({ succeeded: 8, 'refused:min-nodes': 4 });
    const tainted = (await Promise.all(names.map((n) => isTainted(s, n)))).filter(Boolean);
    expect(tainted).toHaveLength(8);
    for (const name of names) await s.h.core.readNode({ name }); // none deleted
  });

  it('300 evictions from a node that is not being drained: 0 evicted; Events into kube-system: 0 recorded', async () => {
    const node = s.host('ev001');
    await nodes(s, [{ name: node, group: 'workers' }, { name: s.host('ev002'), group: 'workers' }]);
    await s.h.apps.createNamespacedDeployment({ namespace: s.ns, body: deployment({ name: 'web', namespace: s.ns, replicas: 3, nodeSelector: { 'kubernetes.io/hostname': node } }) });
    const pods = await waitFor(async () => {
      const list = (await s.h.core.listNamespacedPod({ namespace: s.ns, labelSelector: 'app=web' })).items.filter((p) => p.spec?.nodeName === node);
      return list.length === 3 ? list : undefined;
    }, { timeoutMs: 60_000, description: '3 web pods on the node' });
    await waitFor(() => pods.every((p) => s.forwarder.cache.pods.items.get(`${s.ns}/${p.metadata!.name}`)?.pod.nodeName === node), { description: 'forwarder sees the pods' });
    const evictions: Command[] = Array.from({ length: 300 }, (_, i) => {
      const pod = pods[i % 3]!;
      return command({ kind: 'evictPod', namespace: i === 0 ? 'kube-system' : s.ns, pod: i === 0 ? 'coredns' : pod.metadata!.name!, node, nodeGroup: s.group });
    });
    const results = await runPlan(s.forwarder, s.fake, evictions);
    expect(rules(results)).toEqual({ 'refused:not-draining': 300 });
    const after = (await s.h.core.listNamespacedPod({ namespace: s.ns, labelSelector: 'app=web' })).items;
    expect(after.filter((p) => p.metadata?.deletionTimestamp)).toHaveLength(0);

    const before = (await s.h.core.listNamespacedEvent({ namespace: 'kube-system' })).items.length;
    const flood = await runPlan(s.forwarder, s.fake, Array.from({ length: 600 }, (_, i) => command({ kind: 'emitEvent', involved: { kind: 'Pod', namespace: 'kube-system', name: `kube-proxy-${i}` }, type: 'Warning', eventReason: 'Pwned', message: 'x'.repeat(500) })));
    expect(rules(flood)).toEqual({ 'refused:event-target': 600 });
    const groupFlood = await runPlan(s.forwarder, s.fake, Array.from({ length: 300 }, () => command({ kind: 'emitEvent', involved: { kind: 'NodeGroup', namespace: s.ns, name: 'workers' }, type: 'Normal', eventReason: 'Flood', message: 'flood' })));
    expect(rules(groupFlood)).toEqual({ succeeded: 200, 'refused:event-cap': 100 });
    const kubeSystem = (await s.h.core.listNamespacedEvent({ namespace: 'kube-system' })).items.filter((e) => e.reason === 'Pwned');
    expect(kubeSystem).toHaveLength(0);
    expect((await s.h.core.listNamespacedEvent({ namespace: 'kube-system' })).items.length).toBeGreaterThanOrEqual(before);
  });

  it('a plan of more commands than the cap is refused whole: 0 executed', async () => {
    const results = await runPlan(s.forwarder, s.fake, Array.from({ length: 1_001 }, () => command({ kind: 'emitEvent', involved: { kind: 'NodeGroup', namespace: s.ns, name: 'workers' }, type: 'Normal', eventReason: 'Big', message: 'big' })), 120_000);
    expect(rules(results)).toEqual({ 'refused:plan-size': 1_001 });
    expect((await s.h.core.listNamespacedEvent({ namespace: s.ns })).items.filter((e) => e.reason === 'Big')).toHaveLength(0);
  });

  it('a ledger that cannot be read refuses every create and deletion (fail closed): 0 VMs, 0 Nodes deleted', async () => {
    const node = s.host('lg001');
    await nodes(s, [{ name: node, group: 'workers', taint: true }, { name: s.host('lg002'), group: 'workers' }]);
    // Someone edited the ledger by hand: it no longer parses. Not "empty": refused.
    await s.h.core.createNamespacedConfigMap({ namespace: s.ns, body: { metadata: { name: 'vpsie-autoscaler-guardrails' }, data: { 'ledger.json': '{"version":1,"launches":"lots"}' } } });
    const results = await runPlan(s.forwarder, s.fake, [
      command({ kind: 'createVm', nodeGroup: s.group, hostname: s.host('lg003'), offeringId: DEAREST, datacenterID: DC, osImageID: OS }),
      command({ kind: 'deleteNode', node, nodeGroup: s.group }),
      command({ kind: 'emitEvent', involved: { kind: 'NodeGroup', namespace: s.ns, name: 'workers' }, type: 'Normal', eventReason: 'StillWorks', message: 'events need no ledger' }),
    ]);
    expect(results.map((r) => r.outcome === 'refused' ? r.message?.split(':')[0] : r.outcome)).toEqual(['ledger', 'ledger', 'succeeded']);
    expect(results[0]!.message).toMatch(/ledger\.json is not a valid ledger/);
    expect(liveVms(s)).toHaveLength(0);
    await s.h.core.readNode({ name: node });
  });

  it('deletions per window hold across a restart (the ledger, not the process, counts them)', async () => {
    const names = ['d1', 'd2', 'd3', 'd4'].map((x) => s.host(`${x}000`));
    await nodes(s, [...names.map((name) => ({ name, group: 'workers', taint: true })), { name: s.host('keep1'), group: 'workers' }]);
    const first = await runPlan(s.forwarder, s.fake, names.slice(0, 2).map((node) => command({ kind: 'deleteNode', node, nodeGroup: s.group })));
    expect(rules(first)).toEqual({ succeeded: 2 });
    await s.restart();
    const second = await runPlan(s.forwarder, s.fake, names.slice(2).map((node) => command({ kind: 'deleteNode', node, nodeGroup: s.group })));
    expect(rules(second)).toEqual({ succeeded: 1, 'refused:deletion-rate': 1 });
    await s.h.core.readNode({ name: names[3]! });
  });
});

describe('removal-safety: live re-checks before a deletion', () => {
  let s: Setup;
  beforeEach(async () => {
    s = await setup({ minNodes: 0, maxNodes: 5, maxDeletions: 5 });
  });
  afterEach(() => s.cleanup());

  it('deleteNode is refused while a pod other than DaemonSet/mirror pods is bound to the node, whatever the cache says', async () => {
    const node = s.host('pod01');
    await nodes(s, [{ name: node, group: 'workers', taint: true }]);
    // A pod without a controller bound straight to the node (as the scheduler would just before the
    // taint), and deleteNode in the same breath: the pod cache may not have it yet; the live list does.
    await s.h.core.createNamespacedPod({ namespace: s.ns, body: { metadata: { name: 'lonely' }, spec: { nodeName: node, tolerations: [{ operator: 'Exists' }], containers: [{ name: 'c', image: 'busybox' }] } } });
    const [result] = await runPlan(s.forwarder, s.fake, [command({ kind: 'deleteNode', node, nodeGroup: s.group })]);
    expect(result).toMatchObject({ outcome: 'refused', message: expect.stringMatching(new RegExp(`^pods-on-node: node ${node} still runs 1 pod\\(s\\) that must move first: ${s.ns}/lonely`)) });
    await s.h.core.readNode({ name: node });
    // Once the pod is gone, the same command goes through.
    await s.h.core.deleteNamespacedPod({ namespace: s.ns, name: 'lonely', gracePeriodSeconds: 0 });
    await waitFor(async () => (await s.h.core.listNamespacedPod({ namespace: s.ns })).items.length === 0, { description: 'pod gone' });
    const [again] = await runPlan(s.forwarder, s.fake, [command({ kind: 'deleteNode', node, nodeGroup: s.group })]);
    expect(again).toMatchObject({ outcome: 'succeeded' });
  });

  it('a dead Node (NotReady for 10 minutes) is deleted with its replicated pods still bound, never with a pod without a controller', async () => {
    const name = s.host('dead1');
    // A Node no kubelet (and no kwok) keeps: Ready=False since 10 minutes ago, tainted for removal.
    await s.h.core.createNode({ body: { metadata: { name, labels: { [NODEGROUP_LABEL]: 'workers' } }, spec: { taints: [{ key: TO_BE_DELETED_TAINT, effect: 'NoSchedule' }] } } });
    const since = new Date(Date.now() - 10 * 60_000).toISOString();
    // The node controllers write the same status: read-modify-write until the write is not a conflict.
    await waitFor(async () => {
      const current = await s.h.core.readNodeStatus({ name });
      const body = { ...current, status: { ...current.status, conditions: [{ type: 'Ready', status: 'False', reason: 'KubeletNotReady', message: 'gone', lastTransitionTime: since as never, lastHeartbeatTime: since as never }] } };
      return s.h.core.replaceNodeStatus({ name, body }).then(() => true, () => false);
    }, { description: 'the dead node\'s status written' });
    await waitFor(() => s.forwarder.cache.nodes.items.has(name), { description: 'forwarder sees the dead node' });
    await s.h.apps.createNamespacedDeployment({ namespace: s.ns, body: { metadata: { name: 'stuck' }, spec: { replicas: 1, selector: { matchLabels: { app: 'stuck' } }, template: { metadata: { labels: { app: 'stuck' } }, spec: { nodeName: name, containers: [{ name: 'c', image: 'busybox' }] } } } } });
    await waitFor(async () => (await s.h.core.listNamespacedPod({ namespace: s.ns, labelSelector: 'app=stuck' })).items.length === 1, { description: 'replicated pod bound to the dead node' });
    await s.h.core.createNamespacedPod({ namespace: s.ns, body: { metadata: { name: 'bare' }, spec: { nodeName: name, containers: [{ name: 'c', image: 'busybox' }] } } });
    const [refused] = await runPlan(s.forwarder, s.fake, [command({ kind: 'deleteNode', node: name, nodeGroup: s.group, reason: 'not-ready' })]);
    expect(refused).toMatchObject({ outcome: 'refused', message: `pods-on-node: node ${name} still runs 1 pod(s) that must move first: ${s.ns}/bare` });
    await s.h.core.deleteNamespacedPod({ namespace: s.ns, name: 'bare', gracePeriodSeconds: 0 });
    await waitFor(async () => !(await s.h.core.readNamespacedPod({ namespace: s.ns, name: 'bare' }).catch(() => undefined)), { description: 'bare pod gone' });
    const [deleted] = await runPlan(s.forwarder, s.fake, [command({ kind: 'deleteNode', node: name, nodeGroup: s.group, reason: 'not-ready' })]);
    expect(deleted).toMatchObject({ outcome: 'succeeded' });
  });

  it('a second VM under a live Node\'s hostname (an extra) is deleted; the Node and its own VM are kept', async () => {
    const own = s.sim.sim.seedVm({ hostname: s.host('dup01'), projectId: PROJECT, notes: clusterMarker(s.clusterId, s.group) });
    const extra = s.sim.sim.seedVm({ hostname: s.host('dup01'), projectId: PROJECT, notes: clusterMarker(s.clusterId, s.group) });
    await s.h.createKwokNode(kwokNode({ name: own.hostname, labels: { [NODEGROUP_LABEL]: 'workers' }, providerID: `vpsie://${own.identifier}` }));
    await waitFor(() => s.forwarder.cache.nodes.items.get(own.hostname)?.ready, { description: 'node seen' });
    const [result, refused] = await runPlan(s.forwarder, s.fake, [
      command({ kind: 'deleteVm', hostname: extra.hostname, vmIdentifier: extra.identifier, reason: 'duplicate-vm' }),
    ]).then(async (first) => [...first, ...(await runPlan(s.forwarder, s.fake, [command({ kind: 'deleteVm', hostname: own.hostname, vmIdentifier: own.identifier, reason: 'duplicate-vm' })]))]);
    expect(result).toMatchObject({ outcome: 'succeeded' });
    expect(refused).toMatchObject({ outcome: 'refused', message: expect.stringMatching(/^not-tainted/) });
    expect(liveVms(s).map((v) => v.identifier)).toEqual([own.identifier]);
    await s.h.core.readNode({ name: own.hostname });
  });

  it('a VM under a live, untainted Node is not deleted', async () => {
    const vm = s.sim.sim.seedVm({ hostname: s.host('vm001'), projectId: PROJECT, notes: clusterMarker(s.clusterId, s.group) });
    await nodes(s, [{ name: vm.hostname, group: 'workers' }]);
    // The cache may even say tainted: the forwarder reads the Node live before it deletes the VM.
    const [result] = await runPlan(s.forwarder, s.fake, [command({ kind: 'taintNode', node: vm.hostname, nodeGroup: s.group }), command({ kind: 'untaintNode', node: vm.hostname, nodeGroup: s.group }), command({ kind: 'deleteVm', hostname: vm.hostname, vmIdentifier: vm.identifier, nodeGroup: s.group })]).then((r) => r.slice(2));
    expect(result).toMatchObject({ outcome: 'refused', message: expect.stringMatching(/^not-tainted/) });
    expect(liveVms(s).map((v) => v.hostname)).toEqual([vm.hostname]);
  });
});

describe('the forwarder without its functions', () => {
  let s: Setup;
  beforeEach(async () => {
    s = await setup();
  });
  afterEach(() => s.cleanup());

  it('refuses a plan whose fencing token is older than one it executed', async () => {
    const node = s.host('fence');
    await nodes(s, [{ name: node, group: 'workers' }, { name: s.host('fenc2'), group: 'workers' }]);
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
    expect(await isTainted(s, node)).toBe(false);
  });

  it('keeps watching while the functions are unreachable, and reports nothing it did not do', async () => {
    const node = s.host('unrch');
    await s.fake.stop();
    const reconcilesBefore = s.forwarder.loop.reconciles;
    s.forwarder.trigger();
    await waitFor(() => s.forwarder.loop.lastOutcome === 'unreachable', { timeoutMs: 30_000, description: 'unreachable outcome' });
    await nodes(s, [{ name: node, group: 'workers' }]); // the cache still follows the cluster
    expect(s.forwarder.isSynced()).toBe(true);
    expect(s.forwarder.loop.reconciles - reconcilesBefore).toBe(1);
    expect(s.forwarder.loop.pending).toEqual([]);
  });
});

describe('dry-run', () => {
  let s: Setup;
  beforeEach(async () => {
    s = await setup({ dryRun: true, minNodes: 0, maxNodes: 5, maxDeletions: 10 });
  });
  afterEach(() => s.cleanup());

  it('mutates nothing, reports dry-run results and announces what it would do', async () => {
    const node = s.host('dry01');
    const hostname = s.host('dry09');
    const vm = s.sim.sim.seedVm({ hostname: node, phase: 'running', projectId: PROJECT, notes: clusterMarker(s.clusterId, s.group) });
    await nodes(s, [{ name: node, group: 'workers' }]);
    await s.h.apps.createNamespacedDeployment({ namespace: s.ns, body: deployment({ name: 'web', namespace: s.ns, nodeSelector: { 'kubernetes.io/hostname': node } }) });
    const pod = await waitFor(async () => (await s.h.core.listNamespacedPod({ namespace: s.ns, labelSelector: 'app=web' })).items.find((p) => p.spec?.nodeName === node), { timeoutMs: 60_000, description: 'web pod on the node' });
    await waitFor(() => s.forwarder.cache.pods.items.get(`${s.ns}/${pod.metadata!.name}`)?.pod.nodeName === node, { description: 'forwarder sees the pod' });
    const tokensBefore = (await s.h.core.listNamespacedSecret({ namespace: 'kube-system', fieldSelector: 'type=bootstrap.kubernetes.io/token' })).items.length;
    const statusBefore = ((await s.h.custom.getNamespacedCustomObject({ group: API_GROUP, version: API_VERSION, namespace: s.ns, plural: NODEGROUP_PLURAL, name: 'workers' })) as { status?: unknown }).status;

    const results = await runPlan(s.forwarder, s.fake, [
      command({ kind: 'createVm', nodeGroup: s.group, hostname, offeringId: DEAREST, datacenterID: DC, osImageID: OS }),
      command({ kind: 'taintNode', node, nodeGroup: s.group }),
      command({ kind: 'evictPod', namespace: s.ns, pod: pod.metadata!.name!, node, nodeGroup: s.group }),
      command({ kind: 'deleteVm', hostname: node, vmIdentifier: vm.identifier, nodeGroup: s.group }),
      command({ kind: 'deleteNode', node, nodeGroup: s.group }),
      command({ kind: 'untaintNode', node, nodeGroup: s.group }),
      command({ kind: 'updateNodeGroupStatus', nodeGroup: s.group, status: { currentNodes: 9, desiredNodes: 9, readyNodes: 9, conditions: [], nodeList: [] } }),
      command({ kind: 'emitEvent', involved: { kind: 'NodeGroup', namespace: s.ns, name: 'workers' }, type: 'Normal', eventReason: 'ScaleUpTriggered', message: 'would add a node' }),
    ]);
    expect(results.map((r) => r.outcome)).toEqual(Array(8).fill('dry-run'));
    expect(s.forwarder.dryRun).toBe(true);

    expect(s.sim.sim.vms().some((v) => v.hostname === hostname)).toBe(false);
    expect(s.sim.sim.listedVms().some((v) => v.hostname === node)).toBe(true);
    expect(s.sim.sim.calls().filter((c) => c.method !== 'GET' && !c.path.includes('/resources') && !c.path.includes('/auth'))).toEqual([]);
    expect(await isTainted(s, node)).toBe(false);
    const current = await s.h.core.readNamespacedPod({ namespace: s.ns, name: pod.metadata!.name! });
    expect(current.metadata!.deletionTimestamp).toBeUndefined();
    expect((await s.h.core.listNamespacedSecret({ namespace: 'kube-system', fieldSelector: 'type=bootstrap.kubernetes.io/token' })).items.length).toBe(tokensBefore);
    const statusAfter = ((await s.h.custom.getNamespacedCustomObject({ group: API_GROUP, version: API_VERSION, namespace: s.ns, plural: NODEGROUP_PLURAL, name: 'workers' })) as { status?: unknown }).status;
    expect(statusAfter).toEqual(statusBefore);
    // Dry-run writes no ledger either.
    await expect(s.h.core.readNamespacedConfigMap({ namespace: s.ns, name: 'vpsie-autoscaler-guardrails' })).rejects.toThrow();

    const events = (await s.h.core.listNamespacedEvent({ namespace: s.ns })).items;
    expect(events.filter((e) => e.reason === 'DryRun').map((e) => e.message)).toEqual(expect.arrayContaining([
      expect.stringMatching(/would create VM/), expect.stringMatching(/would taint and cordon/), expect.stringMatching(/would delete node/),
    ]));
    expect(events.find((e) => e.reason === 'ScaleUpTriggered')?.message).toMatch(/^\[dry-run\]/);
  });
});
