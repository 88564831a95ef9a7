import { CoreV1Api } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { eventually, scaleDeployment, useE2eStack } from './e2e-helpers.ts';

// removal-safety (issue 14, case 2): a Node is never deleted while its VM still exists. Deleting
// the Node first (the order before) left a live kubelet free to re-register it untainted when the
// VM's deletion failed, and the next plan deleted it again without a drain. Now the VM goes first:
// while VPSie refuses the VM's deletion, the Node stays, tainted and cordoned; once the VM is gone,
// the Node is deleted.

const GROUP = 'vmfirst';

describe('removal-safety: the VM goes before its Node', () => {
  const env = useE2eStack('vmfirst');

  it('keeps the Node (tainted) while VPSie fails the VM deletion, and deletes it only after the VM is gone', async () => {
    const { stack, namespace, apps } = env;
    const core = stack.kube.kc.makeApiClient(CoreV1Api);
    await env.applyGroup(GROUP, { maxNodes: 2, scaleDownPolicy: { stabilizationWindowSeconds: 2, cpuThreshold: 50, memoryThreshold: 50 } });
    await env.deploy({ name: 'app', replicas: 1, cpu: '500m', memory: '256Mi', onePerNode: true });
    const [pod] = await env.running('app', 1, 120_000);
    const nodeName = pod!.spec!.nodeName!;
    const vm = stack.liveVms().find((v) => v.hostname === nodeName)!;
    expect(vm).toBeDefined();

    // VPSie answers the next three VM deletions with a 503.
    stack.simulator.sim.inject([{ kind: 'status', status: 503, count: 3, match: { operation: 'deleteVm' } }]);
    await scaleDeployment(apps, namespace, 'app', 0);

    // Observe the Node on every step until the VM is gone: it must exist, tainted, as long as the VM does.
    let nodeSeenWhileVmLive = 0;
    let nodeMissingWhileVmLive = 0;
    await eventually(stack, 'the VM deleted after the faults', async () => {
      const live = stack.liveVms().some((v) => v.identifier === vm.identifier);
      const node = await core.readNode({ name: nodeName }).catch(() => undefined);
      if (live && node) nodeSeenWhileVmLive += 1;
      if (live && !node) nodeMissingWhileVmLive += 1;
      return !live;
    }, 150_000);
    expect(stack.simulator.sim.faults.pending()).toEqual([]);
    expect(stack.calls('deleteVm').filter((c) => c.fault === 'status')).toHaveLength(3);
    expect(nodeMissingWhileVmLive).toBe(0);
    expect(nodeSeenWhileVmLive).toBeGreaterThan(0);

    // The VM is gone: its Node goes next, and the planner says so.
    await eventually(stack, 'the Node deleted', async () => !(await core.readNode({ name: nodeName }).catch(() => undefined)), 90_000);
    const commands = stack.audit().filter((a) => a.type === 'command' && (a.kind === 'deleteVm' || a.kind === 'deleteNode') && a.target.endsWith(nodeName));
    const firstDeleteNode = commands.findIndex((c) => c.kind === 'deleteNode');
    expect(firstDeleteNode).toBeGreaterThan(0);
    expect(commands.slice(0, firstDeleteNode).every((c) => c.kind === 'deleteVm')).toBe(true);
  });
});
