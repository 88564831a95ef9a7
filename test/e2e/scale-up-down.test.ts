import { beforeAll, describe, expect, it } from 'vitest';
import { NODEGROUP_LABEL, PROVIDER_ID_PREFIX } from '../../shared/labels.ts';
import { eventually, expectDeploymentWhole, expectNoDuplicateVms, isRunning, planNickname, pods, simPlan, scaleDeployment, useE2eStack } from './e2e-helpers.ts';

// (1) A Deployment needing three more nodes → VMs of the cheapest fitting plan, Nodes join, pods Running;
// status, events and metrics show it. (2) Its load goes → after the shortened window the nodes are
// drained through the Eviction API and removed down to minNodes; their VMs deleted.

const GROUP = 'workers';

describe('scale-up, then safe scale-down', () => {
  const env = useE2eStack('web');

  beforeAll(async () => {
    // A-1C-1G is cheaper but too small for a 500m/512Mi pod once the kubelet reservations are taken
    // off (800m, 412Mi allocatable); A-1C-2G fits one; A-2C-4G and G-2C-8G fit more but cost more, and
    // the pods must be one per node. The cheapest answer is exactly three A-1C-2G.
    // minNodes 0 for the scale-up (minNodes 1 would add a node of its own); 1 for the scale-down.
    await env.applyGroup(GROUP, {
      maxNodes: 5,
      offeringIDs: [simPlan('A-1C-1G'), simPlan('A-1C-2G'), simPlan('A-2C-4G'), simPlan('G-2C-8G')],
      labels: { pool: 'general' },
      scaleDownPolicy: { stabilizationWindowSeconds: 5, cpuThreshold: 50, memoryThreshold: 50 },
    });
  });

  it('launches three VMs of the cheapest fitting plan for a Deployment needing three nodes; Nodes join, pods Running', async () => {
    const { stack } = env;
    const metricsBefore = await stack.metric('vpsie_autoscaler_scale_up_total', { nodegroup: GROUP });
    await env.deploy({ name: 'web', replicas: 3, cpu: '500m', memory: '512Mi', onePerNode: true, nodeSelector: { pool: 'general' } });
    const web = await env.running('web', 3, 120_000);
    // Small pods that the scheduler spreads (soft anti-affinity): they fit next to the web pods.
    // IMPORTANT: created once the three nodes are there; created earlier, both could land on the
    // first node to join, and the scale-down below would then need no eviction at all.
    await env.deploy({ name: 'tiny', replicas: 2, cpu: '100m', memory: '64Mi', softSpread: true, nodeSelector: { pool: 'general' } });
    await env.running('tiny', 2);

    // VMs at the simulator: exactly three, all A-1C-2G, in the group's datacenter, none twice.
    const vms = stack.vms();
    expect(vms.map((vm) => planNickname(vm.resourceIdentifier)).sort()).toEqual(['A-1C-2G', 'A-1C-2G', 'A-1C-2G']);
    expect(vms.every((vm) => vm.phase === 'running')).toBe(true);
    expectNoDuplicateVms(stack);

    // Nodes: one per VM, named after the hostname, providerID vpsie://<identifier>, group label.
    const nodes = (await stack.kube.core.listNode({ labelSelector: `${NODEGROUP_LABEL}=${GROUP}` })).items;
    expect(nodes.map((n) => n.metadata!.name).sort()).toEqual(vms.map((vm) => vm.hostname).sort());
    for (const vm of vms) {
      const node = nodes.find((n) => n.metadata!.name === vm.hostname)!;
      expect(node.spec?.providerID).toBe(`${PROVIDER_ID_PREFIX}${vm.identifier}`);
      expect(node.metadata?.labels?.['pool']).toBe('general');
    }
    // One web pod per new node.
    expect(new Set(web.map((p) => p.spec!.nodeName)).size).toBe(3);

    // NodeGroup status, events and metrics tell the story.
    const status = await eventually(stack, 'NodeGroup status with 3 ready nodes', async () => {
      const s = await stack.nodeGroupStatus(GROUP);
      return s?.readyNodes === 3 && s.currentNodes === 3 ? s : undefined;
    });
    expect(status.nodeList?.map((n) => n.nodeName).sort()).toEqual(vms.map((vm) => vm.hostname).sort());
    expect(status.nodeList?.every((n) => n.status === 'Ready' && n.instanceType === simPlan('A-1C-2G'))).toBe(true);
    const events = await stack.events();
    const reasons = events.filter((e) => e.kind === 'NodeGroup' && e.name === GROUP).map((e) => e.reason);
    expect(reasons).toContain('ScaleUpTriggered');
    expect(await stack.metric('vpsie_autoscaler_scale_up_total', { nodegroup: GROUP })).toBe(metricsBefore + 3);
    const decisions = stack.audit().filter((a) => a.type === 'decision' && a.kind === 'scale-up');
    expect(decisions.length).toBeGreaterThan(0);
  });

  it('removes the nodes down to minNodes after the window once the load is gone: drained through evictions, VMs deleted', async () => {
    const { stack, namespace, apps } = env;
    const before = await pods(stack, namespace, 'app=tiny');
    // The two tiny pods sit on two different nodes, so at least one node with a pod has to be drained.
    expect(new Set(before.map((p) => p.spec!.nodeName)).size).toBe(2);
    const evictionsBefore = await stack.metric('vpsie_autoscaler_forwarder_commands_total', { kind: 'evictPod', outcome: 'succeeded' });

    await stack.patchNodeGroup(GROUP, { minNodes: 1 });
    await scaleDeployment(apps, namespace, 'web', 0);

    // Down to minNodes (1): two nodes drained and deleted, their VMs deleted at VPSie.
    await eventually(
      stack,
      'the group down to one node',
      async () => (await stack.managedNodeNames(GROUP)).length === 1,
      120_000,
    );
    const remaining = await stack.managedNodeNames(GROUP);
    await eventually(stack, 'the removed nodes\' VMs deleted at VPSie', () => stack.liveVms().length === 1);
    expect(stack.liveVms().map((vm) => vm.hostname)).toEqual(remaining);
    const deleted = stack.vms().filter((vm) => vm.phase === 'deleted');
    expect(deleted).toHaveLength(2);
    // Each VM deleted once.
    expect(stack.calls('deleteVm').filter((c) => !c.fault)).toHaveLength(2);

    // Drained through the Eviction API, and no pod lost: tiny is whole again, on the node that stays.
    expect(await stack.metric('vpsie_autoscaler_forwarder_commands_total', { kind: 'evictPod', outcome: 'succeeded' })).toBeGreaterThan(evictionsBefore);
    await expectDeploymentWhole(stack, namespace, 'tiny', 2);
    const after = await env.running('tiny', 2);
    expect(after.every((p) => p.spec!.nodeName === remaining[0] && isRunning(p))).toBe(true);
    expect(await stack.metric('vpsie_autoscaler_scale_down_total', { nodegroup: GROUP })).toBe(2);

    const status = await eventually(stack, 'NodeGroup status with 1 node', async () => {
      const s = await stack.nodeGroupStatus(GROUP);
      return s?.currentNodes === 1 && s.readyNodes === 1 ? s : undefined;
    });
    expect(status.nodeList?.map((n) => n.nodeName)).toEqual(remaining);
    const reasons = (await stack.events()).map((e) => e.reason);
    expect(reasons).toContain('ScaleDownTriggered');
    expectNoDuplicateVms(stack);
  });
});
