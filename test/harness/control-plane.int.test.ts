import { ApiException, type CoreV1Api, type V1Pod } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { deployment, kwokNode, pdb } from './builders.ts';
import { randomSuffix, useHarness, waitFor } from './context.ts';

// The parts are real: the scheduler reports what does not fit, kwok runs what does, and the
// Eviction API enforces PodDisruptionBudgets computed by the disruption controller.

async function pods(core: CoreV1Api, namespace: string, app: string): Promise<V1Pod[]> {
  return (await core.listNamespacedPod({ namespace, labelSelector: `app=${app}` })).items;
}

const isRunning = (p: V1Pod) => p.status?.phase === 'Running' && p.metadata?.deletionTimestamp === undefined;
const isUnschedulable = (p: V1Pod) =>
  p.status?.conditions?.some((c) => c.type === 'PodScheduled' && c.status === 'False' && c.reason === 'Unschedulable') === true;

/** Two 1-CPU pods fit on a 2-CPU node; the third does not. */
async function overfullNode(h: ReturnType<typeof useHarness>) {
  const namespace = await h.newNamespace('sched');
  const nodeName = `kwok-a-${randomSuffix()}`;
  await h.createKwokNode(kwokNode({ name: nodeName, cpu: '2', memory: '4Gi' }));
  await h.apps.createNamespacedDeployment({ namespace, body: deployment({ name: 'web', replicas: 3, cpu: '1', memory: '128Mi' }) });
  const pending = await waitFor(
    async () => {
      const all = await pods(h.core, namespace, 'web');
      const stuck = all.filter(isUnschedulable);
      return all.filter(isRunning).length === 2 && stuck.length === 1 ? stuck[0] : undefined;
    },
    { timeoutMs: 60_000, description: '2 pods Running and 1 pod PodScheduled=False/Unschedulable' },
  );
  return { namespace, nodeName, pending };
}

describe('control plane (kube-apiserver, kube-scheduler, kube-controller-manager, kwok)', () => {
  it('reports a pod that does not fit: FailedScheduling "Insufficient cpu", PodScheduled False/Unschedulable', async () => {
    const h = useHarness();
    const { namespace, pending } = await overfullNode(h);

    const condition = pending.status?.conditions?.find((c) => c.type === 'PodScheduled');
    expect(condition).toMatchObject({ status: 'False', reason: 'Unschedulable' });
    const event = await waitFor(
      async () =>
        (await h.core.listNamespacedEvent({ namespace, fieldSelector: 'reason=FailedScheduling' })).items.find(
          (e) => e.involvedObject.name === pending.metadata?.name,
        ),
      { timeoutMs: 30_000, description: `a FailedScheduling event for pod ${pending.metadata?.name}` },
    );
    expect(event.message).toContain('Insufficient cpu');
    expect(event.type).toBe('Warning');
  });

  it('schedules the pending pod once a second kwok node joins, and kwok runs it', async () => {
    const h = useHarness();
    const { namespace, pending } = await overfullNode(h);
    const secondNode = `kwok-b-${randomSuffix()}`;
    await h.createKwokNode(kwokNode({ name: secondNode, cpu: '2', memory: '4Gi' }));

    const all = await waitFor(
      async () => {
        const current = await pods(h.core, namespace, 'web');
        return current.length === 3 && current.every(isRunning) ? current : undefined;
      },
      { timeoutMs: 60_000, description: 'all 3 pods Running after the second node joined' },
    );
    const moved = all.find((p) => p.metadata?.name === pending.metadata?.name);
    expect(moved?.spec?.nodeName).toBe(secondNode);
    expect(moved?.status?.conditions?.find((c) => c.type === 'PodScheduled')?.status).toBe('True');
  });

  it('enforces PodDisruptionBudgets on the Eviction API: 429 without room, eviction with room', async () => {
    const h = useHarness();
    const namespace = await h.newNamespace('evict');
    await h.createKwokNode(kwokNode({ name: `kwok-e-${randomSuffix()}`, cpu: '4', memory: '8Gi' }));
    await h.apps.createNamespacedDeployment({ namespace, body: deployment({ name: 'api', replicas: 2 }) });
    await h.policy.createNamespacedPodDisruptionBudget({
      namespace,
      body: pdb({ name: 'api', selector: { app: 'api' }, minAvailable: 2 }),
    });
    const disruptionsAllowed = (expected: number) =>
      waitFor(
        async () => {
          const budget = await h.policy.readNamespacedPodDisruptionBudget({ name: 'api', namespace });
          const status = budget.status;
          const observed = (status?.observedGeneration ?? 0) >= (budget.metadata?.generation ?? 1);
          return observed && status?.currentHealthy === 2 && status.disruptionsAllowed === expected;
        },
        { timeoutMs: 60_000, description: `PDB api with 2 healthy pods and disruptionsAllowed=${expected}` },
      );
    await disruptionsAllowed(0);
    const [victim] = (await pods(h.core, namespace, 'api')).filter(isRunning);
    const name = victim?.metadata?.name;
    if (!name) throw new Error('no running pod to evict');
    const evict = () =>
      h.core.createNamespacedPodEviction({
        name,
        namespace,
        body: { apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name, namespace } },
      });

    const refusal = await evict().then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(refusal).toBeInstanceOf(ApiException);
    expect((refusal as ApiException<string>).code).toBe(429);
    expect(String((refusal as ApiException<string>).body)).toContain('disruption budget');
    expect((await h.core.readNamespacedPod({ name, namespace })).metadata?.deletionTimestamp).toBeUndefined();

    const budget = await h.policy.readNamespacedPodDisruptionBudget({ name: 'api', namespace });
    budget.spec = { ...budget.spec, minAvailable: 1 };
    await h.policy.replaceNamespacedPodDisruptionBudget({ name: 'api', namespace, body: budget });
    await disruptionsAllowed(1);

    await evict();
    await waitFor(
      async () => {
        try {
          await h.core.readNamespacedPod({ name, namespace });
          return false;
        } catch (error) {
          if ((error as { code?: number }).code === 404) return true;
          throw error;
        }
      },
      { timeoutMs: 30_000, description: `evicted pod ${name} to be gone` },
    );
  });

  it('garbage-collects a deleted Deployment\'s ReplicaSet and pods (foreground deletion)', async () => {
    const h = useHarness();
    const namespace = await h.newNamespace('gc');
    await h.createKwokNode(kwokNode({ name: `kwok-g-${randomSuffix()}` }));
    await h.apps.createNamespacedDeployment({ namespace, body: deployment({ name: 'batch', replicas: 2 }) });
    await waitFor(async () => (await pods(h.core, namespace, 'batch')).filter(isRunning).length === 2, {
      timeoutMs: 60_000,
      description: '2 pods of deployment batch Running',
    });

    await h.apps.deleteNamespacedDeployment({ name: 'batch', namespace, propagationPolicy: 'Foreground' });
    await waitFor(
      async () => {
        const replicaSets = await h.apps.listNamespacedReplicaSet({ namespace });
        return replicaSets.items.length === 0 && (await pods(h.core, namespace, 'batch')).length === 0;
      },
      { timeoutMs: 60_000, description: 'the garbage collector to remove the ReplicaSet and its pods' },
    );
  });
});
