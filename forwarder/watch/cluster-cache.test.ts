import { describe, expect, it } from 'vitest';
import type { KubeHttp } from '../kube/kube-http.ts';
import { silentLogger } from '../util/logger.ts';
import { ClusterCache } from './cluster-cache.ts';
import type { Lister, WatchEventType, Watcher } from './list-watch.ts';
import type { WatchedResource } from './resources.ts';

// The cache keeps compact facts only, shares shapes, and notices the moments that bring a reconcile forward.

const pod = (name: string, extra: Record<string, unknown> = {}) => ({
  metadata: { name, namespace: 'default', labels: { app: 'web' }, creationTimestamp: '2024-01-01T00:00:00Z', resourceVersion: '1' },
  spec: { containers: [{ name: 'c', image: 'x', resources: { requests: { cpu: '100m', memory: '64Mi' } } }] },
  status: { phase: 'Pending' },
  ...extra,
});

function setup(initial: Partial<Record<string, unknown[]>> = {}) {
  const emit = new Map<string, (type: WatchEventType, object: unknown) => void>();
  const triggers = { unschedulable: [] as string[], groups: [] as string[], pressure: [] as string[] };
  const cache = new ClusterCache({
    http: {} as KubeHttp,
    namespace: 'autoscaler',
    logger: silentLogger,
    triggers: {
      unschedulablePod: (key) => triggers.unschedulable.push(key),
      nodeGroupChanged: (key) => triggers.groups.push(key),
      nodePressure: (node) => triggers.pressure.push(node),
    },
    listerFor: (resource: WatchedResource): Lister => async () => ({ items: initial[resource.name] ?? [], resourceVersion: '1' }),
    watcherFor: (resource: WatchedResource): Watcher => async (_q, onEvent) => {
      emit.set(resource.name, onEvent);
      return { abort: () => {} };
    },
  });
  return { cache, triggers, emit: (resource: string, type: WatchEventType, object: unknown) => emit.get(resource)!(type, object) };
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 150)); // the pods' list starts once the others are synced

describe('ClusterCache', () => {
  it('is synced once every initial list is done, and shares one shape between replicas', async () => {
    const { cache } = setup({ pods: [pod('a'), pod('b'), pod('c', { status: { phase: 'Succeeded' } })] });
    expect(cache.synced).toBe(false);
    cache.start();
    await settle();
    expect(cache.synced).toBe(true);
    expect([...cache.pods.items.keys()]).toEqual(['default/a', 'default/b']); // finished pods are forgotten
    expect(cache.shapes.size).toBe(1);
    expect(cache.pods.items.get('default/a')!.shape).toBe(cache.pods.items.get('default/b')!.shape);
    await cache.stop();
  });

  it('triggers on a pod becoming unschedulable and on FailedScheduling events', async () => {
    const { cache, triggers, emit } = setup();
    cache.start();
    await settle();
    const unschedulable = { conditions: [{ type: 'PodScheduled', status: 'False', reason: 'Unschedulable', lastTransitionTime: '2024-01-01T00:00:05Z' }], phase: 'Pending' };
    emit('pods', 'ADDED', pod('a'));
    emit('pods', 'MODIFIED', pod('a', { status: unschedulable }));
    emit('pods', 'MODIFIED', pod('a', { status: unschedulable })); // still unschedulable: no new trigger
    emit('events-failedscheduling', 'ADDED', { involvedObject: { kind: 'Pod', namespace: 'ns', name: 'b' }, reason: 'FailedScheduling' });
    expect(triggers.unschedulable).toEqual(['default/a', 'ns/b']);
    expect(cache.pods.items.get('default/a')!.pod.unschedulableSinceMs).toBe(Date.parse('2024-01-01T00:00:05Z'));
    await cache.stop();
  });

  it('triggers on NodeGroup spec changes (generation), not on status updates', async () => {
    const { cache, triggers, emit } = setup();
    cache.start();
    await settle();
    const group = (generation: number, status?: unknown) => ({ metadata: { name: 'workers', namespace: 'default', generation }, spec: { maxNodes: generation }, status });
    emit('nodegroups', 'ADDED', group(1));
    emit('nodegroups', 'MODIFIED', group(1, { readyNodes: 2 }));
    emit('nodegroups', 'MODIFIED', group(2));
    emit('nodegroups', 'DELETED', group(2));
    expect(triggers.groups).toEqual(['default/workers', 'default/workers', 'default/workers']);
    await cache.stop();
  });

  it('triggers on new node pressure', async () => {
    const { cache, triggers, emit } = setup();
    cache.start();
    await settle();
    const node = (pressure: boolean) => ({ metadata: { name: 'n1' }, status: { allocatable: { cpu: '2', memory: '4Gi', pods: '110' }, conditions: [{ type: 'Ready', status: 'True' }, { type: 'MemoryPressure', status: pressure ? 'True' : 'False' }] } });
    emit('nodes', 'ADDED', node(false));
    emit('nodes', 'MODIFIED', node(true));
    emit('nodes', 'MODIFIED', node(true));
    expect(triggers.pressure).toEqual(['n1']);
    await cache.stop();
  });

  it('never keeps Secret values, only which keys exist', async () => {
    const { cache } = setup({ secrets: [{ metadata: { name: 'boot', namespace: 'autoscaler' }, type: 'Opaque', data: { 'cloud-init': Buffer.from('top secret').toString('base64') } }] });
    cache.start();
    await settle();
    expect(cache.secrets.items.get('autoscaler/boot')).toEqual({ name: 'boot', type: 'Opaque', keys: ['cloud-init'] });
    expect(JSON.stringify([...cache.secrets.items.values()])).not.toContain(Buffer.from('top secret').toString('base64'));
    await cache.stop();
  });
});
