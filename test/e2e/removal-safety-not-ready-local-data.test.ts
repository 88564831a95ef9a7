import { CoreV1Api } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { NODEGROUP_LABEL } from '../../shared/labels.ts';
import { SIM_DELETE_PASSWORD } from './stack.ts';
import { eventually, useE2eStack } from './e2e-helpers.ts';

// removal-safety (issue 14, case 9): a network partition must not destroy data. Two of five nodes
// lose their machine (VPSie deletes the VM behind the autoscaler's back, so the kubelet is gone and
// the Node goes NotReady). One of them holds a pod with an emptyDir on disk: the NotReady
// replacement leaves it for an operator (the NodeGroup did not opt in with
// notReadyReplacement.replaceNodesWithLocalData); the other, holding only replicated pods, is
// removed after the wait, its pods placed again once the dead Node is gone.

const GROUP = 'nrlocal';

describe('removal-safety: NotReady replacement spares nodes holding local data', () => {
  // Both waits shortened alike: the planner's NotReady wait and the forwarder's dead-node threshold.
  const env = useE2eStack('nrlocal', { policy: { notReadyReplaceAfterMs: 3_000 }, forwarderEnv: { VPSIE_FWD_DEAD_NODE_AFTER_MS: '3000' } });

  it('keeps the NotReady node with an emptyDir pod, replaces the NotReady node without one', async () => {
    const { stack, namespace, apps } = env;
    const core = stack.kube.kc.makeApiClient(CoreV1Api);
    const selector = { [NODEGROUP_LABEL]: GROUP };
    await env.applyGroup(GROUP, { maxNodes: 7, scaleDownPolicy: { enabled: false } });
    await env.deploy({ name: 'spread', replicas: 5, cpu: '500m', memory: '256Mi', onePerNode: true, nodeSelector: selector });
    const spread = await env.running('spread', 5, 150_000);
    const [withData, plain] = spread.map((p) => p.spec!.nodeName!).sort() as [string, string];
    // A replicated pod whose data lives on the node's disk (emptyDir, not in memory).
    await apps.createNamespacedDeployment({
      namespace,
      body: {
        metadata: { name: 'scratch' },
        spec: {
          replicas: 1,
          selector: { matchLabels: { app: 'scratch' } },
          template: {
            metadata: { labels: { app: 'scratch' } },
            spec: {
              nodeSelector: { 'kubernetes.io/hostname': withData },
              terminationGracePeriodSeconds: 1,
              volumes: [{ name: 'scratch', emptyDir: {} }],
              containers: [{ name: 'main', image: 'registry.k8s.io/pause:3.10', resources: { requests: { cpu: '100m', memory: '64Mi' } }, volumeMounts: [{ name: 'scratch', mountPath: '/scratch' }] }],
            },
          },
        },
      },
    });
    await env.running('scratch', 1);

    // Both machines vanish at VPSie (not through the autoscaler): their kubelets stop.
    for (const hostname of [withData, plain]) {
      const vm = stack.liveVms().find((v) => v.hostname === hostname)!;
      expect(stack.simulator.sim.deleteVm({ vmIdentifier: vm.identifier, password: SIM_DELETE_PASSWORD })).toBeUndefined();
    }

    // The plain node is replaced: its Node goes, its spread pod runs elsewhere.
    await eventually(stack, `NotReady node ${plain} removed`, async () => !(await core.readNode({ name: plain }).catch(() => undefined)), 180_000);
    await env.running('spread', 5, 150_000);
    // The node with local data is kept, and the planner says why.
    const kept = await eventually(stack, `a local-data decision for ${withData}`, () => stack.audit().find((a) => a.type === 'decision' && a.kind === 'replace-node' && a.target === `node ${withData}` && a.reason === 'local-data'), 60_000);
    expect(kept.message).toMatch(/does not set notReadyReplacement\.replaceNodesWithLocalData/);
    expect(await core.readNode({ name: withData })).toBeDefined();
    expect(stack.audit().some((a) => a.type === 'command' && (a.kind === 'deleteNode' || a.kind === 'taintNode') && a.target === `node ${withData}`)).toBe(false);
  }, 480_000); // the Node goes NotReady only after the node controller's grace period (50 s)
});
