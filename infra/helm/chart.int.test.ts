import { KubernetesObjectApi, PatchStrategy, type KubernetesObject } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { ensureNodeGroupCrd } from '../../test/forwarder/fixture.ts';
import { useHarness } from '../../test/harness/context.ts';
import { helmTemplate, kustomizeBuild, objectKey, type KubeObject } from '../../test/observability/render.ts';

// The chart's and the kustomize base's manifests, applied to the real API server with server-side
// apply in dry-run mode: admission, schema validation (the Deployment, RBAC, NetworkPolicy, PDB,
// the CRD) and the restricted pod-security profile of the namespace, without creating anything.

async function dryRunApply(objects: KubeObject[]): Promise<string[]> {
  const h = useHarness();
  const client = KubernetesObjectApi.makeApiClient(h.kc);
  const applied: string[] = [];
  for (const object of objects) {
    await client.patch(object as KubernetesObject, undefined, 'All', 'vpsie-autoscaler-chart-test', true, PatchStrategy.ServerSideApply);
    applied.push(objectKey(object));
  }
  return applied;
}

describe('chart and kustomize base on the real API server (server-side dry-run apply)', () => {
  it('accepts every object the chart renders, CRD included, in a namespace of its own', async () => {
    const h = useHarness();
    await ensureNodeGroupCrd(h.kc);
    const ns = await h.newNamespace('chart');
    const objects = await helmTemplate(['--include-crds', '--set', `namespace.name=${ns}`, '--set', 'clusterId=chart-test']);
    const applied = await dryRunApply(objects);
    expect(applied).toHaveLength(14);
    expect(applied).toContain(`apps/v1 Deployment ${ns}/vpsie-autoscaler-forwarder`);
    // Dry run: nothing was created.
    await expect(h.apps.readNamespacedDeployment({ namespace: ns, name: 'vpsie-autoscaler-forwarder' })).rejects.toThrow();
  });

  it('accepts every object of the kustomize base', async () => {
    const h = useHarness();
    const objects = await kustomizeBuild();
    const namespace = objects.find((o) => o.kind === 'Namespace')!;
    // The base's namespaced objects need their namespace to exist: apply it for real, the rest dry.
    const existed = await h.core.readNamespace({ name: namespace.metadata.name }).then(() => true, () => false);
    if (!existed) await h.core.createNamespace({ body: namespace as never });
    try {
      expect(await dryRunApply(objects)).toHaveLength(13);
    } finally {
      if (!existed) await h.core.deleteNamespace({ name: namespace.metadata.name });
    }
  });

  it('refuses a broken manifest (the dry run checks something)', async () => {
    const h = useHarness();
    const ns = await h.newNamespace('chart-bad');
    const [deployment] = (await helmTemplate(['--set', `namespace.name=${ns}`])).filter((o) => o.kind === 'Deployment');
    const broken = structuredClone(deployment!) as KubeObject & { spec: { template: { spec: { containers: Array<{ securityContext: Record<string, unknown> }> } } } };
    broken.spec.template.spec.containers[0]!.securityContext.runAsUser = 'root';
    await expect(dryRunApply([broken])).rejects.toThrow();
  });
});
