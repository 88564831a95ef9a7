import { describe, expect, it } from 'vitest';
import { NODEGROUP_LABEL } from '../../shared/labels.ts';
import { expectNoDuplicateVms, planNickname, simPlan, spreadDeployment, useE2eStack } from './e2e-helpers.ts';

// (4) Two NodeGroups with different labels and taints: each pod lands in its own group, on a VM of
// that group's offerings, and the group's taint is on its nodes (registered by the kubelet flags that
// the bootstrap template carried).


describe('two NodeGroups with different labels and taints', () => {
  const env = useE2eStack('groups');

  it('puts each pod on a node of its own group', async () => {
    const { stack, namespace, apps } = env;
    await stack.applyNodeGroup('general', {
      maxNodes: 3,
      offeringIDs: [simPlan('A-2C-4G')],
      labels: { pool: 'general' },
    });
    await stack.applyNodeGroup('batch', {
      maxNodes: 3,
      offeringIDs: [simPlan('C-2C-4G')],
      labels: { pool: 'batch' },
      taints: [{ key: 'dedicated', value: 'batch', effect: 'NoSchedule' }],
    });
    await apps.createNamespacedDeployment({
      namespace,
      body: spreadDeployment({ name: 'api', namespace, replicas: 2, cpu: '600m', memory: '512Mi', nodeSelector: { pool: 'general' } }),
    });
    await apps.createNamespacedDeployment({
      namespace,
      body: spreadDeployment({
        name: 'jobs',
        namespace,
        replicas: 2,
        cpu: '600m',
        memory: '512Mi',
        nodeSelector: { pool: 'batch' },
        tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'batch', effect: 'NoSchedule' }],
      }),
    });

    const api = await env.running('api', 2, 120_000);
    const jobs = await env.running('jobs', 2, 120_000);

    const nodeOf = async (name: string) => stack.kube.core.readNode({ name });
    for (const pod of api) {
      const node = await nodeOf(pod.spec!.nodeName!);
      expect(node.metadata?.labels?.[NODEGROUP_LABEL]).toBe('general');
      expect(node.metadata?.labels?.['pool']).toBe('general');
      expect((node.spec?.taints ?? []).filter((t) => t.key === 'dedicated')).toEqual([]);
    }
    for (const pod of jobs) {
      const node = await nodeOf(pod.spec!.nodeName!);
      expect(node.metadata?.labels?.[NODEGROUP_LABEL]).toBe('batch');
      expect(node.metadata?.labels?.['pool']).toBe('batch');
      expect(node.spec?.taints).toContainEqual(expect.objectContaining({ key: 'dedicated', value: 'batch', effect: 'NoSchedule' }));
    }

    // One VM per group (two 600m pods fit on a 2-CPU plan), each of its group's offering.
    const generalNodes = await stack.managedNodeNames('general');
    const batchNodes = await stack.managedNodeNames('batch');
    expect(generalNodes).toHaveLength(1);
    expect(batchNodes).toHaveLength(1);
    const vms = stack.vms();
    expect(vms).toHaveLength(2);
    expect(planNickname(vms.find((vm) => vm.hostname === generalNodes[0])!.resourceIdentifier)).toBe('A-2C-4G');
    expect(planNickname(vms.find((vm) => vm.hostname === batchNodes[0])!.resourceIdentifier)).toBe('C-2C-4G');
    expectNoDuplicateVms(stack);
  });
});
