import { beforeEach, describe, expect, it, onTestFinished } from 'vitest';
import { Watch, type V1Node, type V1Pod, type V1Taint } from '@kubernetes/client-node';
import { NODEGROUP_LABEL, STARTUP_TAINT } from '../shared/labels.ts';
import type { CommandResult } from '../shared/snapshot.ts';
import { startFakeFunctions, type FakeFunctions } from '../test/forwarder/fake-functions.ts';
import { command, createCredentialsSecret, ensureNodeGroupCrd, newClusterId, runPlan, SIGNING_KEY, startTestForwarder } from '../test/forwarder/fixture.ts';
import { kwokNode, pod } from '../test/harness/builders.ts';
import { useHarness, waitFor, randomSuffix, type Harness } from '../test/harness/context.ts';
import { KWOK_ANNOTATION } from '../test/harness/kwok.ts';
import { startVpsieSimulator, type VpsieSimulator } from '../test/vpsie-sim/index.ts';
import type { ForwarderHandle } from './main.ts';

// releaseNode against the real kube-scheduler (issue #22). Two new nodes of 2 CPU / 4 GiB join with the
// startup taint; four pods wait: X1, X2 (1 CPU, 1 GiB) created first, then Y1, Y2 (1 CPU, 3 GiB), each
// tried (Unschedulable) before the next is made, so the scheduler's queue holds them in that order.
// The plan that fills both: A = {X1, Y1}, B = {X2, Y2} (2 CPU, 4 GiB each). Released one after the
// other without nominations, A takes the first two of the queue (X1, X2: CPU full), B then fits one Y
// (memory), and the other Y fits nowhere: another node would be bought.

const STARTING = { key: STARTUP_TAINT, effect: 'NoSchedule' };

describe('releaseNode on the real scheduler', () => {
  let h: Harness;
  let fake: FakeFunctions;
  let sim: VpsieSimulator;
  let forwarder: ForwarderHandle;
  let ns: string;
  let group: string;
  const ref = () => ({ namespace: ns, name: group });

  beforeEach(async () => {
    h = useHarness();
    await ensureNodeGroupCrd(h.kc);
    ns = await h.newNamespace('release');
    group = `rel-${randomSuffix()}`;
    const clusterId = newClusterId();
    fake = await startFakeFunctions({ clusterId, signingKey: SIGNING_KEY });
    // VPSie credentials, or the forwarder runs dry; the simulator registers no Node here (no VM is made).
    sim = await startVpsieSimulator({ provisionMs: 300, kubeconfigPath: h.info.kubeconfigPath, clusterLog: () => {} });
    const secret = await createCredentialsSecret(h, { token: 'sim-token', deletePassword: 'sim-delete-password' });
    // The fallback sweep stays out of these tests (startup-taint-sweep.test.ts covers it).
    forwarder = await startTestForwarder({ namespace: ns, clusterId, fake, vpsieUrl: sim.url, credentialsSecret: secret, kubeconfigPath: h.info.kubeconfigPath, extra: { startupTaintMaxSeconds: 3_600 } });
    await forwarder.waitForSynced();
    expect(forwarder.dryRun).toBe(false);
    return async () => {
      await forwarder.stop();
      await fake.stop();
      await sim.stop();
      await h.core.deleteNamespacedSecret({ namespace: 'kube-system', name: secret }).catch(() => {});
    };
  });

  async function ourNode(name: string, options: { kwok?: boolean; labels?: Record<string, string>; taints?: V1Taint[] } = {}) {
    const labels = options.labels ?? { [NODEGROUP_LABEL]: group };
    const node = kwokNode({ name, cpu: '2', memory: '4Gi', labels: { ...labels, 'release-test': group }, taints: [...(options.taints ?? []), STARTING], ...(options.kwok === false ? { annotations: { [KWOK_ANNOTATION]: 'not-managed' } } : {}) });
    await h.createKwokNode(node, { waitReady: options.kwok !== false });
    await waitFor(() => forwarder.cache.nodes.items.has(name), { description: `forwarder sees node ${name}` });
    return name;
  }

  /** A pending pod for this test's nodes only, created once the scheduler has tried (and failed) it. */
  async function pendingPod(name: string, cpu: string, memory: string): Promise<string> {
    await h.core.createNamespacedPod({ namespace: ns, body: pod({ name, namespace: ns, cpu, memory, nodeSelector: { 'release-test': group } }) });
    await waitFor(async () => scheduled(await read(name)) === 'Unschedulable' || undefined, { description: `${name} tried by the scheduler` });
    return name;
  }

  const read = (name: string) => h.core.readNamespacedPod({ namespace: ns, name });
  const scheduled = (p: V1Pod) => p.status?.conditions?.find((c) => c.type === 'PodScheduled')?.reason;
  const boundTo = async (names: string[], node: string) => {
    const pods = await Promise.all(names.map(read));
    return pods.every((p) => p.spec?.nodeName === node) || undefined;
  };
  const release = (node: string, pods: string[]) => command({ kind: 'releaseNode', node, nodeGroup: ref(), pods: pods.map((name) => ({ namespace: ns, name })) });
  const taints = async (node: string) => (await h.core.readNode({ name: node })).spec?.taints ?? [];

  /**
   * Every version of this test's pods and nodes as the API server wrote them (watches, not polls: a
   * nomination the scheduler clears a moment later is still seen). resourceVersion orders the two
   * watches' events (the harness's API server hands out etcd revisions).
   */
  async function history() {
    const seen: Array<{ what: string; rv: number; nominated?: string; bound?: string; starting?: boolean }> = [];
    const watch = new Watch(h.kc);
    const pods = await watch.watch(`/api/v1/namespaces/${ns}/pods`, {}, (_type, p: V1Pod) => {
      seen.push({ what: `pod/${p.metadata?.name}`, rv: Number(p.metadata?.resourceVersion), ...(p.status?.nominatedNodeName ? { nominated: p.status.nominatedNodeName } : {}), ...(p.spec?.nodeName ? { bound: p.spec.nodeName } : {}) });
    }, () => {});
    const nodes = await watch.watch('/api/v1/nodes', { labelSelector: `release-test=${group}` }, (_type, n: V1Node) => {
      seen.push({ what: `node/${n.metadata?.name}`, rv: Number(n.metadata?.resourceVersion), starting: (n.spec?.taints ?? []).some((t) => t.key === STARTUP_TAINT) });
    }, () => {});
    onTestFinished(() => {
      pods.abort();
      nodes.abort();
    });
    return {
      /** The first resourceVersion at which the pod was nominated for `node`. */
      nominatedAt: (podName: string, node: string) => seen.find((e) => e.what === `pod/${podName}` && e.nominated === node)?.rv,
      everNominated: (podName: string) => seen.some((e) => e.what === `pod/${podName}` && e.nominated !== undefined),
      /** The first resourceVersion at which the node was seen without the startup taint. */
      untaintedAt: (node: string) => seen.find((e) => e.what === `node/${node}` && e.starting === false)?.rv,
    };
  }

  async function burst() {
    const a = await ourNode(`${group}-a`);
    const b = await ourNode(`${group}-b`);
    const [x1, x2, y1, y2] = [await pendingPod('x1', '1', '1Gi'), await pendingPod('x2', '1', '1Gi'), await pendingPod('y1', '1', '3Gi'), await pendingPod('y2', '1', '3Gi')];
    return { a, b, x1, x2, y1, y2 };
  }

  it('nominates the planned pods, then untaints: every pod lands on the node the plan chose, both nodes full', async () => {
    const { a, b, x1, x2, y1, y2 } = await burst();
    const seen = await history();
    const [first] = await runPlan(forwarder, fake, [release(a, [x1, y1])]);
    expect(first, first?.message).toMatchObject<Partial<CommandResult>>({ outcome: 'succeeded', data: { nominated: 2, already: 0, skipped: 0, taintRemoved: true } });
    expect(await taints(a)).not.toContainEqual(expect.objectContaining({ key: STARTUP_TAINT }));
    // X2 comes before Y1 in the queue: only Y1's nomination keeps it off A.
    await waitFor(() => boundTo([x1, y1], a), { description: 'x1 and y1 on node a' });
    const [second] = await runPlan(forwarder, fake, [release(b, [x2, y2])]);
    expect(second, second?.message).toMatchObject({ outcome: 'succeeded', data: { nominated: 2, taintRemoved: true } });
    await waitFor(() => boundTo([x2, y2], b), { description: 'x2 and y2 on node b' });
    expect((await read(x1)).spec?.nodeName).toBe(a);
    // The order that makes it work: every nomination written before the node's taint went.
    for (const [pods, node] of [[[x1, y1], a], [[x2, y2], b]] as const) {
      const untainted = await waitFor(() => seen.untaintedAt(node), { description: `watch saw ${node} untainted` });
      for (const p of pods) expect(seen.nominatedAt(p, node), `${p} nominated for ${node} before it was untainted`).toBeLessThan(untainted);
    }

    // Idempotent: again on a released node, its pods bound: nothing nominated, nothing to untaint.
    const [again] = await runPlan(forwarder, fake, [release(b, [x2, y2])]);
    expect(again).toMatchObject({ outcome: 'succeeded', data: { nominated: 0, skipped: 2, taintRemoved: false } });
  });

  it('without nominations the same release order leaves a pod that fits nowhere (why the nominations matter)', async () => {
    const { a, b, x1, x2, y1, y2 } = await burst();
    const [first] = await runPlan(forwarder, fake, [release(a, [])]);
    expect(first).toMatchObject({ outcome: 'succeeded', data: { nominated: 0, taintRemoved: true } });
    await waitFor(() => boundTo([x1, x2], a), { description: 'the first two of the queue (x1, x2) on node a' });
    await runPlan(forwarder, fake, [release(b, [])]);
    const left = await waitFor(async () => {
      const pods = await Promise.all([y1, y2].map(read));
      const onB = pods.filter((p) => p.spec?.nodeName === b);
      const stuck = pods.filter((p) => !p.spec?.nodeName && /Insufficient memory/.test(p.status?.conditions?.find((c) => c.type === 'PodScheduled')?.message ?? ''));
      return onB.length === 1 && stuck.length === 1 ? stuck[0] : undefined;
    }, { description: 'one y on b, the other tried after b was released and too big for either node' });
    expect(left.status?.conditions?.find((c) => c.type === 'PodScheduled')?.message).toMatch(/Insufficient cpu/);
  });

  it('refuses a node that is not ours and changes nothing on it', async () => {
    const stranger = await ourNode(`${group}-s`, { labels: {} });
    const other = await ourNode(`${group}-o`, { labels: { [NODEGROUP_LABEL]: `${group}-other` } });
    const p = await pendingPod('p', '100m', '64Mi');
    const results = await runPlan(forwarder, fake, [release(stranger, [p]), release(other, [p])]);
    expect(results.map((r) => [r.outcome, r.message])).toEqual([['refused', expect.stringContaining('group-label')], ['refused', expect.stringContaining('group-label')]]);
    for (const node of [stranger, other]) expect(await taints(node)).toContainEqual(expect.objectContaining(STARTING));
    expect((await read(p)).status?.nominatedNodeName).toBeUndefined();
  });

  it('never patches a bound pod: it is skipped, the pending one nominated, the node\'s other taints kept', async () => {
    // Not run by kwok: a pod bound to it stays Pending, so only "bound" tells it apart.
    const dedicated = { key: 'dedicated', value: 'web', effect: 'NoSchedule' };
    const node = await ourNode(`${group}-n`, { kwok: false, taints: [dedicated] });
    await h.core.createNamespacedPod({ namespace: ns, body: pod({ name: 'bound', namespace: ns, nodeName: node }) });
    await h.core.createNamespacedPod({ namespace: ns, body: pod({ name: 'waiting', namespace: ns, nodeSelector: { 'release-test': `${group}-nowhere` } }) });
    await waitFor(async () => scheduled(await read('waiting')) === 'Unschedulable' || undefined, { description: 'waiting tried' });
    expect((await read('bound')).status?.phase).toBe('Pending');
    const seen = await history();
    const [result] = await runPlan(forwarder, fake, [release(node, ['bound', 'waiting', 'gone'])]);
    expect(result, result?.message).toMatchObject({ outcome: 'succeeded', data: { nominated: 1, skipped: 2, taintRemoved: true } });
    // The scheduler clears a nomination at its next failed attempt ('waiting' fits nowhere): the watch saw it.
    await waitFor(() => seen.nominatedAt('waiting', node), { description: 'waiting nominated' });
    expect(seen.everNominated('bound')).toBe(false);
    expect((await read('bound')).status?.nominatedNodeName).toBeUndefined();
    const after = await taints(node);
    expect(after).toContainEqual(dedicated);
    expect(after).not.toContainEqual(expect.objectContaining({ key: STARTUP_TAINT }));
  });
});
