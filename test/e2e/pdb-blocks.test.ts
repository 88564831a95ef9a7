import { PolicyV1Api } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { eventually, expectNoDuplicateVms, FAST_SCALE_DOWN, isCordonedOrTainted, pods, scaleDeployment, useE2eStack } from './e2e-helpers.ts';

// (3) A PodDisruptionBudget that allows no disruption: the underused nodes stay, the reason is
// reported (decision keep-node/pdb in the audit trail and the status endpoint), nothing is evicted.

const GROUP = 'guarded';

describe('a PDB that allows no disruption', () => {
  const env = useE2eStack('pdb');

  it('keeps the underused nodes, reports why, and evicts nothing', async () => {
    const { stack, namespace, apps } = env;
    const policy = stack.kube.kc.makeApiClient(PolicyV1Api);
    await env.applyGroup(GROUP, { maxNodes: 4, scaleDownPolicy: FAST_SCALE_DOWN });
    // Two nodes: `big` wants one each; `guarded` spreads a small pod onto each, and its PDB allows no disruption.
    await env.deploy({ name: 'big', replicas: 2, cpu: '500m', memory: '256Mi', onePerNode: true });
    await env.deploy({ name: 'guarded', replicas: 2, cpu: '100m', memory: '64Mi', onePerNode: true });
    await policy.createNamespacedPodDisruptionBudget({
      namespace,
      body: { metadata: { name: 'guarded' }, spec: { minAvailable: 2, selector: { matchLabels: { app: 'guarded' } } } },
    });
    await env.running('big', 2, 120_000);
    const guarded = await env.running('guarded', 2);
    const nodes = await stack.managedNodeNames(GROUP);
    expect(nodes).toHaveLength(2);
    await eventually(stack, 'the PDB computed: 0 disruptions allowed, 2 healthy', async () => {
      const p = await policy.readNamespacedPodDisruptionBudget({ namespace, name: 'guarded' });
      return p.status?.currentHealthy === 2 && p.status.disruptionsAllowed === 0;
    });
    const uids = guarded.map((p) => p.metadata!.uid).sort();
    const evictionsBefore = await stack.metric('vpsie_autoscaler_forwarder_commands_total', { kind: 'evictPod' });

    // The load goes: each node is at 12.5% CPU, and either guarded pod would fit on the other node.
    await scaleDeployment(apps, namespace, 'big', 0);
    await eventually(stack, '`big` gone', async () => (await pods(stack, namespace, 'app=big')).length === 0);
    const keptForPdb = await eventually(
      stack,
      'keep-node decisions naming the PDB for both nodes',
      () => {
        const kept = stack.audit().filter((a) => a.type === 'decision' && a.kind === 'keep-node' && a.reason === 'pdb');
        const targets = new Set(kept.map((a) => a.target));
        return nodes.every((n) => targets.has(`node ${n}`)) ? kept : undefined;
      },
      90_000,
    );
    expect(keptForPdb[0]!.message).toContain(`PodDisruptionBudget ${namespace}/guarded allows 0 disruption(s)`);

    // A few more reconciles (heartbeat 2 s) to show it holds: the reason is also in the status endpoint.
    const plansSoFar = new Set(stack.audit().map((a) => a.planId)).size;
    await eventually(stack, 'three more plans', () => new Set(stack.audit().map((a) => a.planId)).size >= plansSoFar + 3, 30_000);
    const status = await stack.clusterStatus();
    expect(status.lastPlan?.decisions.filter((d) => d.kind === 'keep-node' && d.reason === 'pdb').map((d) => d.target).sort()).toEqual(nodes.map((n) => `node ${n}`));
    expect(status.operations.filter((op) => op.kind === 'drain')).toEqual([]);

    // Nothing evicted, nothing cordoned, nothing deleted.
    expect(await stack.metric('vpsie_autoscaler_forwarder_commands_total', { kind: 'evictPod' })).toBe(evictionsBefore);
    expect(stack.audit().filter((a) => a.type === 'command' && (a.kind === 'evictPod' || a.kind === 'taintNode' || a.kind === 'deleteNode' || a.kind === 'deleteVm'))).toEqual([]);
    const after = await pods(stack, namespace, 'app=guarded');
    expect(after.map((p) => p.metadata!.uid).sort()).toEqual(uids);
    expect(after.every((p) => p.status?.phase === 'Running' && !p.metadata?.deletionTimestamp)).toBe(true);
    expect(await stack.managedNodeNames(GROUP)).toEqual(nodes);
    for (const name of nodes) expect(isCordonedOrTainted(await stack.kube.core.readNode({ name }))).toBe(false);
    expect(stack.liveVms().map((vm) => vm.hostname).sort()).toEqual(nodes);
    expect(stack.calls('deleteVm')).toEqual([]);
    expectNoDuplicateVms(stack);
  });
});
