import { EventsV1Api } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { NODEGROUP_LABEL, STARTUP_TAINT } from '../shared/labels.ts';
import { startFakeFunctions } from '../test/forwarder/fake-functions.ts';
import { createCredentialsSecret, ensureNodeGroupCrd, newClusterId, SIGNING_KEY, startTestForwarder } from '../test/forwarder/fixture.ts';
import { kwokNode } from '../test/harness/builders.ts';
import { randomSuffix, useHarness, waitFor } from '../test/harness/context.ts';
import { startVpsieSimulator } from '../test/vpsie-sim/index.ts';

// The fallback when no releaseNode comes (old functions, outage): the forwarder untaints its own
// overdue nodes itself, with a Warning Event; a node that is not ours keeps the taint.

describe('startup taint fallback on the real control plane', () => {
  it('removes STARTUP_TAINT from a node of ours older than startupTaintMaxSeconds, only it, with a StartupTaintTimeout Event', async () => {
    const h = useHarness();
    await ensureNodeGroupCrd(h.kc);
    const ns = await h.newNamespace('sweep');
    const clusterId = newClusterId();
    const fake = await startFakeFunctions({ clusterId, signingKey: SIGNING_KEY });
    const sim = await startVpsieSimulator({ provisionMs: 300, kubeconfigPath: h.info.kubeconfigPath, clusterLog: () => {} });
    const secret = await createCredentialsSecret(h, { token: 'sim-token', deletePassword: 'sim-delete-password' });
    const forwarder = await startTestForwarder({ namespace: ns, clusterId, fake, vpsieUrl: sim.url, credentialsSecret: secret, kubeconfigPath: h.info.kubeconfigPath, extra: { startupTaintMaxSeconds: 2 } });
    try {
      await forwarder.waitForSynced();
      expect(forwarder.dryRun).toBe(false);
      const suffix = randomSuffix();
      const taints = [{ key: 'dedicated', value: 'web', effect: 'NoSchedule' }, { key: STARTUP_TAINT, effect: 'NoSchedule' }];
      const ours = `sweep-${suffix}-ours`;
      const stranger = `sweep-${suffix}-stranger`;
      await h.createKwokNode(kwokNode({ name: ours, labels: { [NODEGROUP_LABEL]: 'workers' }, taints }));
      await h.createKwokNode(kwokNode({ name: stranger, taints }));
      const untainted = await waitFor(async () => {
        const node = await h.core.readNode({ name: ours });
        return node.spec?.taints?.some((t) => t.key === STARTUP_TAINT) ? undefined : node;
      }, { timeoutMs: 30_000, description: `${ours} loses the startup taint` });
      expect(untainted.spec?.taints).toContainEqual(taints[0]);
      const events = await waitFor(async () => {
        const list = await h.kc.makeApiClient(EventsV1Api).listNamespacedEvent({ namespace: 'default' });
        const found = list.items.filter((e) => e.reason === 'StartupTaintTimeout' && e.regarding?.name === ours);
        return found.length > 0 ? found : undefined;
      }, { description: 'StartupTaintTimeout event' });
      expect(events[0]).toMatchObject({ type: 'Warning', regarding: { kind: 'Node', name: ours } });
      // The stranger was as old: it is not ours, so it keeps its taint.
      expect((await h.core.readNode({ name: stranger })).spec?.taints).toContainEqual(expect.objectContaining({ key: STARTUP_TAINT }));
    } finally {
      await forwarder.stop();
      await fake.stop();
      await sim.stop();
      await h.core.deleteNamespacedSecret({ namespace: 'kube-system', name: secret }).catch(() => {});
    }
  });
});
