import { afterEach, describe, expect, it, onTestFinished } from 'vitest';
import { MIB, parseBytes, parseCpuMillis } from '../../shared/quantity.ts';
import { ignoreNotFound, randomSuffix, useHarness, waitFor } from '../harness/context.ts';
import { KWOK_ANNOTATION } from '../harness/kwok.ts';
import { ManualClock } from './clock.ts';
import { startVpsieSimulator, type VpsieSimulator } from './server.ts';
import { createBody, generalPlan } from './test-helpers.ts';

// The cluster hook against the harness's real control plane and kwok: a VM that becomes active
// registers a kwok Node as its kubelet would; a deleted VM's Node stops being Ready and stays.

const running: VpsieSimulator[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((s) => s.stop()));
});

async function simOnCluster(): Promise<{ sim: VpsieSimulator; clock: ManualClock }> {
  const h = useHarness();
  const clock = new ManualClock();
  const sim = await startVpsieSimulator({ clock, provisionMs: 30_000, kubeconfigPath: h.info.kubeconfigPath, clusterLog: () => {} });
  running.push(sim);
  return { sim, clock };
}

async function createVm(sim: VpsieSimulator, body: Record<string, unknown>): Promise<void> {
  const response = await fetch(`${sim.url}/apps/v2/vm`, { method: 'POST', headers: { 'Vpsie-Auth': 'sim-token', 'content-type': 'application/json' }, body: JSON.stringify(body) });
  expect(await response.json()).toMatchObject({ error: false });
}

/** The API server canonicalises quantities (8192Mi → 8Gi): compare numbers. */
function resources(list: Record<string, string> | undefined) {
  return { cpuMillis: parseCpuMillis(list?.['cpu'] ?? '0'), memoryBytes: parseBytes(list?.['memory'] ?? '0'), pods: Number(list?.['pods']) };
}

/** Taints the kubelet registered, without those the control plane adds (node.kubernetes.io/not-ready, …). */
function ownTaints(taints: Array<{ key: string }> | undefined) {
  return (taints ?? []).filter((t) => !t.key.startsWith('node.kubernetes.io/')).map((t) => ({ ...t }));
}

function deleteNodeAfterTest(name: string): void {
  const { core } = useHarness();
  onTestFinished(async () => {
    await core.deleteNode({ name }).catch(ignoreNotFound);
  });
}

const userData = `#!/bin/bash
cat > /etc/default/kubelet <<EOT
KUBELET_EXTRA_ARGS="--node-labels=autoscaler.vpsie.com/nodegroup=workers,tier=batch --register-with-taints=dedicated=batch:NoSchedule --max-pods=40 --kube-reserved=cpu=100m,memory=256Mi --system-reserved=cpu=100m,memory=256Mi --eviction-hard=memory.available<100Mi"
EOT
kubeadm join 10.0.0.1:6443 --token abcdef.0123456789abcdef --discovery-token-unsafe-skip-ca-verification
`;

describe('cluster hook', () => {
  it('an active VM registers a kwok Node like its kubelet would; a deleted VM leaves a NotReady Node', async () => {
    const { core } = useHarness();
    const { sim } = await simOnCluster();
    const hostname = `sim-w-${randomSuffix()}`;
    deleteNodeAfterTest(hostname);

    await createVm(sim, createBody({ hostname, userData: Buffer.from(userData).toString('base64') }));
    sim.sim.advance(29_999);
    await sim.sim.settled();
    await expect(core.readNode({ name: hostname })).rejects.toMatchObject({ code: 404 });

    sim.sim.advance(1);
    await sim.sim.settled();
    expect(sim.sim.hookErrors).toEqual([]);
    const vm = sim.sim.vms()[0]!;

    const node = await waitFor(
      async () => {
        const n = await core.readNode({ name: hostname });
        return n.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ? n : undefined;
      },
      { timeoutMs: 30_000, description: `kwok makes Node ${hostname} Ready` },
    );
    expect(node.spec?.providerID).toBe(`vpsie://${vm.identifier}`);
    expect(node.metadata?.annotations?.[KWOK_ANNOTATION]).toBe('fake');
    expect(node.metadata?.labels).toMatchObject({ 'autoscaler.vpsie.com/nodegroup': 'workers', tier: 'batch', 'kubernetes.io/hostname': hostname });
    expect(ownTaints(node.spec?.taints)).toEqual([{ key: 'dedicated', value: 'batch', effect: 'NoSchedule' }]);
    expect(resources(node.status?.capacity)).toEqual({ cpuMillis: generalPlan.cpu * 1000, memoryBytes: generalPlan.ram * MIB, pods: 40 });
    expect(resources(node.status?.allocatable)).toEqual({ cpuMillis: generalPlan.cpu * 1000 - 200, memoryBytes: (generalPlan.ram - 256 - 256 - 100) * MIB, pods: 40 });

    const deleted = await fetch(`${sim.url}/apps/v2/vm`, {
      method: 'DELETE',
      headers: { 'Vpsie-Auth': 'sim-token', 'content-type': 'application/json' },
      body: JSON.stringify({ vmIdentifier: vm.identifier, password: 'sim-delete-password', deleteStatistic: { reason: 'test', note: '' } }),
    });
    expect(await deleted.json()).toMatchObject({ error: false });
    await sim.sim.settled();
    expect(sim.sim.hookErrors).toEqual([]);

    const gone = await core.readNode({ name: hostname });
    expect(gone.metadata?.annotations?.[KWOK_ANNOTATION]).toBeUndefined();
    expect(gone.status?.conditions?.find((c) => c.type === 'Ready')?.status).toBe('Unknown');
    // The cluster reacts as to a vanished machine (unreachable taint), and kwok does not revive it.
    const tainted = await waitFor(
      async () => {
        const n = await core.readNode({ name: hostname });
        return n.spec?.taints?.some((t) => t.key === 'node.kubernetes.io/unreachable') ? n : undefined;
      },
      { timeoutMs: 30_000, description: `node lifecycle controller taints ${hostname} unreachable` },
    );
    expect(tainted.status?.conditions?.find((c) => c.type === 'Ready')?.status).toBe('Unknown');
  });

  it('a VM without kubelet flags gets the kubelet defaults: 110 pods, no taints, no reservations', async () => {
    const { core } = useHarness();
    const { sim } = await simOnCluster();
    const hostname = `sim-plain-${randomSuffix()}`;
    deleteNodeAfterTest(hostname);
    await createVm(sim, createBody({ hostname }));
    sim.sim.advance(30_000);
    await sim.sim.settled();
    expect(sim.sim.hookErrors).toEqual([]);
    const node = await core.readNode({ name: hostname });
    expect(ownTaints(node.spec?.taints)).toEqual([]);
    expect(resources(node.status?.allocatable)).toEqual({ cpuMillis: generalPlan.cpu * 1000, memoryBytes: generalPlan.ram * MIB, pods: 110 });
  });

  it('deleting a VM whose Node never registered does nothing', async () => {
    const { sim } = await simOnCluster();
    const seeded = sim.sim.seedVm({ hostname: `sim-ghost-${randomSuffix()}`, phase: 'created' });
    sim.sim.deleteVm({ vmIdentifier: seeded.identifier, password: 'sim-delete-password' });
    await sim.sim.settled();
    expect(sim.sim.hookErrors).toEqual([]);
  });
});
