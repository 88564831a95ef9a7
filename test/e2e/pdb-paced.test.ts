import { PolicyV1Api } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { eventually, FAST_SCALE_DOWN, pods, scaleDeployment, useE2eStack } from './e2e-helpers.ts';

// A node holding 3 pods of a PDB with maxUnavailable 1 (disruptionsAllowed 1 < 3) is drained at the
// budget's pace (pdbDisruptionMode paced, the default): the Eviction API refuses (429) while the
// budget is spent, the drain retries, the node is emptied and removed, and never more than one pod
// of the budget is unavailable meanwhile (sampled from the pods' Ready count).

const GROUP = 'paced';

describe('a PDB that allows one disruption at a time', () => {
  const env = useE2eStack('pdbpaced');

  it('empties and removes a node holding 3 of its pods, one eviction at a time', async () => {
    const { stack, namespace, apps } = env;
    const policy = stack.kube.kc.makeApiClient(PolicyV1Api);
    await env.applyGroup(GROUP, { maxNodes: 3, scaleDownPolicy: FAST_SCALE_DOWN });
    // `big` fills the first node, so the 3 `web` pods need (and share) a second one.
    await env.deploy({ name: 'big', replicas: 1, cpu: '750m', memory: '64Mi' });
    const [bigPod] = await env.running('big', 1, 120_000);
    const first = bigPod!.spec!.nodeName!;
    await env.deploy({ name: 'web', replicas: 3, cpu: '100m', memory: '64Mi' });
    const web = await env.running('web', 3, 120_000);
    const second = web[0]!.spec!.nodeName!;
    expect(second).not.toBe(first);
    expect(web.every((p) => p.spec?.nodeName === second)).toBe(true);
    // A pod without a controller keeps the first node (it blocks its removal), so the second is the one to go.
    await stack.kube.core.createNamespacedPod({
      namespace,
      body: { metadata: { name: 'anchor', labels: { app: 'anchor' } }, spec: { nodeSelector: { 'kubernetes.io/hostname': first }, terminationGracePeriodSeconds: 1, containers: [{ name: 'main', image: 'registry.k8s.io/pause:3.10', resources: { requests: { cpu: '20m', memory: '16Mi' } } }] } },
    });
    await policy.createNamespacedPodDisruptionBudget({
      namespace,
      body: { metadata: { name: 'web' }, spec: { maxUnavailable: 1, selector: { matchLabels: { app: 'web' } } } },
    });
    await eventually(stack, 'the PDB computed: 1 disruption allowed, 3 healthy', async () => {
      const p = await policy.readNamespacedPodDisruptionBudget({ namespace, name: 'web' });
      return p.status?.currentHealthy === 3 && p.status.disruptionsAllowed === 1;
    });

    // The load goes: the second node (3 web pods, 37.5 % CPU) is underused and its pods fit on the first.
    let leastReady = 3;
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        const running = await pods(stack, namespace, 'app=web');
        const ready = running.filter((p) => !p.metadata?.deletionTimestamp && p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True')).length;
        leastReady = Math.min(leastReady, ready);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    })();
    try {
      await scaleDeployment(apps, namespace, 'big', 0);
      await eventually(stack, `node ${second} removed and its VM deleted`, async () => !(await stack.managedNodeNames(GROUP)).includes(second) && !stack.liveVms().some((vm) => vm.hostname === second), 150_000);
    } finally {
      sampling = false;
      await sampler;
    }
    const after = await env.running('web', 3, 60_000);
    expect(after.every((p) => p.spec?.nodeName === first)).toBe(true);
    // Never more than maxUnavailable (1) of the budget's pods unavailable while it drained.
    expect(leastReady).toBeGreaterThanOrEqual(2);
    const commands = stack.audit().filter((a) => a.type === 'command');
    expect(commands.filter((a) => a.kind === 'evictPod').length).toBeGreaterThanOrEqual(3);
    expect(stack.audit().some((a) => a.type === 'decision' && a.kind === 'drain-aborted')).toBe(false);
    expect(await stack.managedNodeNames(GROUP)).toEqual([first]);
  });
});
