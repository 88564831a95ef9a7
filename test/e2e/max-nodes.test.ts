import { describe, expect, it } from 'vitest';
import { eventually, expectNoDuplicateVms, isRunning, pods, useE2eStack } from './e2e-helpers.ts';

// (5) maxNodes reached: as many pods as the allowed nodes hold get a node; no further VM is created;
// the rest are reported unschedulable with a reason a person can act on.

const GROUP = 'capped';

describe('maxNodes reached', () => {
  const env = useE2eStack('capped');

  it('creates no VM beyond maxNodes and reports the remaining pods unschedulable with a reason', async () => {
    const { stack, namespace } = env;
    await env.applyGroup(GROUP, { maxNodes: 2 });
    // One pod per node, four pods, at most two nodes.
    await env.deploy({ name: 'wide', replicas: 4, cpu: '500m', memory: '256Mi', onePerNode: true });

    await eventually(stack, 'two pods Running, two Pending', async () => {
      const list = await pods(stack, namespace, 'app=wide');
      return list.filter(isRunning).length === 2 && list.filter((p) => p.status?.phase === 'Pending').length === 2;
    }, 120_000);
    const pending = (await pods(stack, namespace, 'app=wide')).filter((p) => p.status?.phase === 'Pending').map((p) => `pod ${namespace}/${p.metadata!.name}`);

    // A decision made after the two pods were left over names one of them (pods of one shape are
    // reported together, with their count) and says what to do.
    const reported = await eventually(stack, 'an unschedulable decision naming maxNodes for the two pods left pending', () =>
      stack.audit().find((a) => a.type === 'decision' && a.kind === 'unschedulable' && a.reason === 'group-at-maximum' && pending.includes(a.target) && a.inputs['pods'] === 2),
    60_000);
    expect(reported.message).toContain(`is at its maximum of 2 nodes (raise spec.maxNodes)`);
    // The gauge follows the forwarder's picture (4 while two of the pods waited for the launching nodes).
    await eventually(stack, 'vpsie_autoscaler_unschedulable_pods = 2', async () => (await stack.metric('vpsie_autoscaler_unschedulable_pods')) === 2, 30_000);

    // It holds over more reconciles (heartbeat 2 s): still two VMs, never more created.
    const plansSoFar = new Set(stack.audit().map((a) => a.planId)).size;
    await eventually(stack, 'three more plans', () => new Set(stack.audit().map((a) => a.planId)).size >= plansSoFar + 3, 30_000);
    expect(stack.vms()).toHaveLength(2);
    expect(stack.calls('createVm')).toHaveLength(2);
    expect(await stack.managedNodeNames(GROUP)).toHaveLength(2);
    const status = await stack.clusterStatus();
    expect(status.lastPlan?.decisions.some((d) => d.kind === 'unschedulable' && d.reason === 'group-at-maximum')).toBe(true);
    const ng = await stack.nodeGroupStatus(GROUP);
    expect(ng?.currentNodes).toBe(2);
    expect(ng?.desiredNodes).toBe(2);
    expectNoDuplicateVms(stack);
  });
});
