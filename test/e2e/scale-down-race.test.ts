import { describe, expect, it } from 'vitest';
import { TO_BE_DELETED_TAINT } from '../../shared/labels.ts';
import { eventually, expectDeploymentWhole, expectNoDuplicateVms, FAST_SCALE_DOWN, isCordonedOrTainted, node, pods, scaleDeployment, useE2eStack } from './e2e-helpers.ts';

// (9) A scale-down racing a new pod. The planner picks an empty node and taints it; in the instant
// between its decision and the taint, a new pod is bound to that node (here: created with nodeName
// set the moment the taint shows, as a scheduler that decided a moment earlier would bind it). The
// pod has no controller, so evicting it would lose it. Taint-then-recheck must catch it: the drain
// is aborted, the node untainted and kept, the pod never evicted or deleted.

const GROUP = 'race';

describe('scale-down racing a new pod', () => {
  const env = useE2eStack('race');

  it('does not remove the node out from under a pod that landed after the decision', async () => {
    const { stack, namespace, apps } = env;
    await env.applyGroup(GROUP, { maxNodes: 3, scaleDownPolicy: FAST_SCALE_DOWN });
    await env.deploy({ name: 'load', replicas: 2, cpu: '500m', memory: '256Mi', onePerNode: true });
    await env.running('load', 2, 120_000);
    const nodes = await stack.managedNodeNames(GROUP);
    expect(nodes).toHaveLength(2);

    // One replica goes: its node is empty and becomes the candidate.
    await scaleDeployment(apps, namespace, 'load', 1);
    const [busy] = (await env.running('load', 1)).map((p) => p.spec!.nodeName!);
    const empty = nodes.find((n) => n !== busy)!;

    // Watch the empty node closely; the moment the taint shows, bind a controller-less pod to it.
    const taintedAtMs = await eventually(stack, `node ${empty} tainted for removal`, async () => {
      const current = await node(stack, empty);
      return (current?.spec?.taints ?? []).some((t) => t.key === TO_BE_DELETED_TAINT) ? Date.now() : undefined;
    }, 90_000);
    const created = await stack.kube.core.createNamespacedPod({
      namespace,
      body: {
        metadata: { name: 'late', labels: { app: 'late' } },
        spec: {
          nodeName: empty,
          terminationGracePeriodSeconds: 1,
          containers: [{ name: 'main', image: 'registry.k8s.io/pause:3.10', resources: { requests: { cpu: '100m', memory: '64Mi' } } }],
        },
      },
    });
    const raceMs = Date.now() - taintedAtMs;
    const uid = created.metadata!.uid!;

    // The re-check sees the pod: the drain is aborted (reason: the pod has no controller), the node is
    // untainted and uncordoned and stays; the pod runs on it.
    const aborted = await eventually(stack, `the drain of ${empty} aborted`, () =>
      stack.audit().find((a) => a.type === 'decision' && a.kind === 'drain-aborted' && a.target === `node ${empty}`), 60_000);
    expect(aborted.reason, `race window ${raceMs} ms`).toBe('not-replicated');
    await eventually(stack, `node ${empty} untainted and uncordoned`, async () => {
      const current = await node(stack, empty);
      return current && !isCordonedOrTainted(current);
    }, 30_000);
    const [late] = await env.running('late', 1);
    expect(late!.metadata!.uid).toBe(uid);
    expect(late!.spec!.nodeName).toBe(empty);

    // And it stays so over more reconciles: the node is now kept because of the pod.
    const plansSoFar = new Set(stack.audit().map((a) => a.planId)).size;
    await eventually(stack, 'three more plans', () => new Set(stack.audit().map((a) => a.planId)).size >= plansSoFar + 3, 30_000);
    expect(await node(stack, empty)).toBeDefined();
    expect(stack.vms().find((vm) => vm.hostname === empty)?.phase).toBe('running');
    expect(stack.audit().filter((a) => a.type === 'command' && (a.kind === 'evictPod' || a.kind === 'deleteNode' || a.kind === 'deleteVm') && a.target.includes(empty)).map((a) => a.kind)).toEqual([]);
    expect(stack.audit().filter((a) => a.type === 'command' && a.kind === 'evictPod' && a.target === `pod ${namespace}/late`)).toEqual([]);
    const now = await pods(stack, namespace, 'app=late');
    expect(now.map((p) => p.metadata!.uid)).toEqual([uid]);
    expect(stack.calls('deleteVm')).toEqual([]);
    // Nothing else lost either: the Deployment's pod still runs on the other node; both nodes and VMs are there.
    await expectDeploymentWhole(stack, namespace, 'load', 1);
    expect(await stack.managedNodeNames(GROUP)).toEqual(nodes);
    expect(stack.liveVms().map((vm) => vm.hostname).sort()).toEqual(nodes);
    expectNoDuplicateVms(stack);
  });
});
