import { describe, expect, it } from 'vitest';
import { probe } from '../harness/probe.ts';
import { eventually, expectNoDuplicateVms, isCordonedOrTainted, pods, scaleDeployment, simPlan, useE2eStack } from './e2e-helpers.ts';

// (8) The functions unreachable (process killed): the forwarder keeps running and watching, does
// nothing destructive (an empty node that would otherwise be removed stays), and recovers when they
// come back (the node is removed and a pod left pending during the outage gets a node).
//
// The outage lasts OUTAGE_MS = 25 s here, not a minute: the forwarder's behaviour while the functions
// are unreachable does not depend on how long it lasts. A delivery round is 5 attempts with backoff
// (1 s doubling, measured ~14 s per round, forwarder/delivery/delivery.ts); an unreachable round ends
// in 'unreachable' and the next round starts at the next trigger or at most 10 s later
// (forwarder/reconcile-loop.ts); nothing is executed without a plan. 25 s covers the scale-down window
// and cooldown of this test several times over and at least one whole failed round.

const OUTAGE_MS = 25_000;
const GROUP = 'steady';

describe('functions unreachable', () => {
  const env = useE2eStack('outage');

  it('keeps the forwarder running, destroys nothing while they are away, and recovers', async () => {
    const { stack, namespace, apps } = env;
    await stack.applyNodeGroup(GROUP, {
      minNodes: 0,
      maxNodes: 3,
      offeringIDs: [simPlan('A-1C-2G'), simPlan('A-2C-4G')],
      scaleDownPolicy: { stabilizationWindowSeconds: 3, cpuThreshold: 50, memoryThreshold: 50 },
    });
    await env.deploy({ name: 'first', replicas: 1, cpu: '500m', memory: '256Mi' });
    await env.running('first', 1, 120_000);
    const [firstNode] = await stack.managedNodeNames(GROUP);
    expect(firstNode).toBeDefined();
    const forwarder = stack.forwarders[0]!;

    // Outage: the functions' process dies.
    await stack.functions.kill();
    const commandsBefore = await stack.metric('vpsie_autoscaler_forwarder_commands_total');
    const unreachableBefore = await stack.metric('vpsie_autoscaler_forwarder_reconciles_total', { outcome: 'unreachable' });
    const vmCallsBefore = stack.calls().length;
    // The node empties (it would be removed after 3 s), and a pod that needs a bigger node arrives.
    await scaleDeployment(apps, namespace, 'first', 0);
    await env.deploy({ name: 'second', replicas: 1, cpu: '1200m', memory: '512Mi' });

    const outageEndsMs = Date.now() + OUTAGE_MS;
    while (Date.now() < outageEndsMs) {
      // The forwarder stays up and keeps its watches (healthz, and it is still the only replica leading).
      expect((await probe(`${forwarder.metricsUrl.replace('/metrics', '/healthz')}`)).status).toBe(200);
      expect(forwarder.running).toBe(true);
      const node = await stack.kube.core.readNode({ name: firstNode! });
      expect(isCordonedOrTainted(node), `node ${firstNode} cordoned or tainted during the outage`).toBe(false);
      await new Promise((resolve) => setTimeout(resolve, 1_000));
    }
    // Nothing executed without a plan, nothing asked of VPSie beyond reads.
    expect(await stack.metric('vpsie_autoscaler_forwarder_commands_total')).toBe(commandsBefore);
    expect(stack.calls().slice(vmCallsBefore).filter((c) => c.operation === 'createVm' || c.operation === 'deleteVm')).toEqual([]);
    expect(await stack.metric('vpsie_autoscaler_forwarder_reconciles_total', { outcome: 'unreachable' })).toBeGreaterThanOrEqual(unreachableBefore + 1);
    expect(await stack.managedNodeNames(GROUP)).toEqual([firstNode]);
    expect((await pods(stack, namespace, 'app=second'))[0]?.status?.phase).toBe('Pending');

    // Back: the forwarder's next delivery gets a plan; the empty node goes, the pending pod gets a node.
    const plansBefore = await stack.metric('vpsie_autoscaler_forwarder_reconciles_total', { outcome: 'plan' });
    await stack.functions.start();
    await eventually(stack, 'a plan delivered after the outage', async () => (await stack.metric('vpsie_autoscaler_forwarder_reconciles_total', { outcome: 'plan' })) > plansBefore, 30_000);
    const [second] = await env.running('second', 1, 90_000);
    expect(second!.spec!.nodeName).not.toBe(firstNode);
    await eventually(stack, `the empty node ${firstNode} removed after the outage`, async () => !(await stack.managedNodeNames(GROUP)).includes(firstNode!), 90_000);
    expect(stack.vms().find((vm) => vm.hostname === firstNode)?.phase).toBe('deleted');
    expectNoDuplicateVms(stack);
  });
});
