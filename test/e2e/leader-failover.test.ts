import { describe, expect, it } from 'vitest';
import { TO_BE_DELETED_TAINT } from '../../shared/labels.ts';
import { eventually, expectDeploymentWhole, expectNoDuplicateVms, FAST_SCALE_DOWN, isCordonedOrTainted, pods, scaleDeployment, useE2eStack } from './e2e-helpers.ts';

// (7) Two forwarders; the leader is killed (SIGKILL: no shutdown, its Lease is left to expire) the
// moment a node it is draining shows the to-be-deleted taint. The standby takes over and finishes
// the drain from the functions' ledger (the node's `keep` pod fits on the other node, so finishing is
// the one right outcome): the node and its VM are removed once, the other node stays untainted, no
// pod is lost.

const GROUP = 'ha';

describe('forwarder leader killed in the middle of a drain', () => {
  const env = useE2eStack('failover', { forwarderReplicas: 2 });

  it('lets the standby finish the drain: the node and its VM removed once, the other node untouched, no pod lost', async () => {
    const { stack, namespace, apps } = env;
    const first = await stack.waitForLeader();
    await env.applyGroup(GROUP, { maxNodes: 3, scaleDownPolicy: FAST_SCALE_DOWN });
    await env.deploy({ name: 'load', replicas: 2, cpu: '500m', memory: '256Mi', onePerNode: true });
    await env.deploy({ name: 'keep', replicas: 2, cpu: '100m', memory: '64Mi', softSpread: true });
    await env.running('load', 2, 120_000);
    await env.running('keep', 2);
    const nodes = await stack.managedNodeNames(GROUP);
    expect(nodes).toHaveLength(2);

    // The load goes: one of the two nodes is drained (its `keep` pod fits on the other).
    await scaleDeployment(apps, namespace, 'load', 0);
    const draining = await eventually(stack, 'a node tainted for removal', async () => {
      for (const name of nodes) {
        const node = await stack.kube.core.readNode({ name });
        if ((node.spec?.taints ?? []).some((t) => t.key === TO_BE_DELETED_TAINT)) return name;
      }
      return undefined;
    }, 90_000);
    await stack.forwarders[first]!.kill();
    const killedAtMs = Date.now();

    // The standby takes over (Lease of 10 s, judged by its own clock) and resumes from the ledger.
    const second = await stack.waitForLeader(30_000);
    expect(second).not.toBe(first);
    const takeoverMs = Date.now() - killedAtMs;
    expect(takeoverMs).toBeLessThan(25_000);

    // The drain finishes under the new leader.
    const op = await eventually(stack, `the drain of ${draining} finished`, async () => {
      const status = await stack.clusterStatus();
      const found = status.operations.find((o) => o.kind === 'drain' && o.node === draining);
      return found && (found.status === 'succeeded' || found.status === 'failed') ? found : undefined;
    }, 90_000);
    expect(op.status).toBe('succeeded');
    const [kept] = nodes.filter((n) => n !== draining);
    await eventually(stack, `only ${kept} left, untainted`, async () => {
      const all = (await stack.kube.core.listNode()).items.filter((n) => nodes.includes(n.metadata!.name!));
      return all.length === 1 && all[0]!.metadata!.name === kept && !isCordonedOrTainted(all[0]!);
    }, 60_000);

    // Deleted once: one VM deleted (the drained node's), by one DELETE; the other keeps its VM.
    const deleted = stack.vms().filter((vm) => vm.phase === 'deleted');
    expect(deleted.map((vm) => vm.hostname)).toEqual([draining]);
    expect(stack.calls('deleteVm').filter((c) => !c.fault)).toHaveLength(1);
    const remaining = await stack.managedNodeNames(GROUP);
    expect(remaining).toEqual([kept]);
    expect(stack.liveVms().map((vm) => vm.hostname).sort()).toEqual(remaining);
    expectNoDuplicateVms(stack);

    // No pod lost: `keep` whole, on nodes that exist.
    await expectDeploymentWhole(stack, namespace, 'keep', 2);
    const keep = await pods(stack, namespace, 'app=keep');
    expect(keep.every((p) => remaining.includes(p.spec!.nodeName!))).toBe(true);
  });
});
