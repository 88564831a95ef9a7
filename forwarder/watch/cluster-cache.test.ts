import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../test/forwarder/fake-clock.ts';
import type { KubeHttp } from '../kube/kube-http.ts';
import { silentLogger } from '../util/logger.ts';
import { ClusterCache } from './cluster-cache.ts';
import type { Lister, WatchEventType, Watcher } from './list-watch.ts';
import type { WatchedResource } from './resources.ts';

// The cache keeps compact facts only, shares shapes, notices the moments that bring a reconcile
// forward, and says honestly how fresh it is. Time is a FakeClock (the pods' list waits for the others).

const pod = (name: string, extra: Record<string, unknown> = {}) => ({
  metadata: { name, namespace: 'default', labels: { app: 'web' }, creationTimestamp: '2024-01-01T00:00:00Z', resourceVersion: '1' },
  spec: { containers: [{ name: 'c', image: 'x', resources: { requests: { cpu: '100m', memory: '64Mi' } } }] },
  status: { phase: 'Pending' },
  ...extra,
});

function setup(initial: Partial<Record<string, unknown[]>> = {}, hang: ReadonlySet<string> = new Set()) {
  const emit = new Map<string, (type: WatchEventType, object: unknown) => void>();
  const end = new Map<string, (error: unknown) => void>();
  const triggers = { unschedulable: [] as string[], groups: [] as string[], pressure: [] as string[] };
  const lists: string[] = [];
  const hung: Array<() => void> = [];
  const clock = new FakeClock();
  const cache = new ClusterCache({
    http: {} as KubeHttp,
    namespace: 'autoscaler',
    logger: silentLogger,
    clock,
    triggers: {
      unschedulablePod: (key) => triggers.unschedulable.push(key),
      nodeGroupChanged: (key) => triggers.groups.push(key),
      nodePressure: (node) => triggers.pressure.push(node),
    },
    listerFor: (resource: WatchedResource): Lister => async () => {
      lists.push(resource.name);
      if (hang.has(resource.name)) return new Promise((_resolve, reject) => hung.push(() => reject(new Error('gave up'))));
      return { items: initial[resource.name] ?? [], resourceVersion: '1' };
    },
    watcherFor: (resource: WatchedResource): Watcher => async (_q, onEvent, onDone, onOpen) => {
      emit.set(resource.name, onEvent);
      end.set(resource.name, onDone);
      queueMicrotask(() => onOpen?.());
      return { abort: () => onDone(undefined) };
    },
  });
  const turns = async () => {
    for (let i = 0; i < 20; i++) await new Promise((resolve) => setImmediate(resolve));
  };
  /** The other lists, then (50 ms of fake time later) the pods' list. */
  const settle = async () => {
    await turns();
    await clock.advanceAsync(100, 50);
    await turns();
  };
  return {
    cache, triggers, clock, settle, turns, lists,
    /** Ends the lists that were left hanging. */
    release: () => hung.splice(0).forEach((fail) => fail()),
    emit: (resource: string, type: WatchEventType, object: unknown) => emit.get(resource)!(type, object),
    /** Ends the resource's open watch with an error (a dropped connection). */
    drop: (resource: string) => end.get(resource)!(new Error('connection reset')),
  };
}

describe('ClusterCache', () => {
  it('lists the pods after the other resources, or after 10 s on its clock when one of them never answers', async () => {
    const { cache, clock, turns, lists, release } = setup({}, new Set(['nodes']));
    cache.start();
    await turns();
    expect(lists).not.toContain('pods');
    await clock.advanceAsync(9_900, 100);
    expect(lists).not.toContain('pods');
    await clock.advanceAsync(200, 50);
    expect(lists.filter((l) => l === 'pods')).toHaveLength(1);
    const stopped = cache.stop();
    release();
    await stopped;
  });

  it('is synced once every initial list is done, and shares one shape between replicas', async () => {
    const { cache, settle, turns } = setup({ pods: [pod('a'), pod('b'), pod('c', { status: { phase: 'Succeeded' } })] });
    expect(cache.synced).toBe(false);
    cache.start();
    await turns();
    expect(cache.pods.size).toBe(0); // pods wait for the other lists
    expect(cache.synced).toBe(false);
    await settle();
    expect(cache.synced).toBe(true);
    expect(cache.listedOnce).toBe(true);
    expect([...cache.pods.items.keys()]).toEqual(['default/a', 'default/b']); // finished pods are forgotten
    expect(cache.shapes.size).toBe(1);
    expect(cache.pods.items.get('default/a')!.shape).toBe(cache.pods.items.get('default/b')!.shape);
    await cache.stop();
  });

  it('triggers on a pod becoming unschedulable and on FailedScheduling events', async () => {
    const { cache, triggers, emit, settle } = setup();
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
    const { cache, triggers, emit, settle } = setup();
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
    const { cache, triggers, emit, settle } = setup();
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
    const { cache, settle } = setup({ secrets: [{ metadata: { name: 'boot', namespace: 'autoscaler' }, type: 'Opaque', data: { 'cloud-init': Buffer.from('top secret').toString('base64') } }] });
    cache.start();
    await settle();
    expect(cache.secrets.items.get('autoscaler/boot')).toEqual({ name: 'boot', type: 'Opaque', keys: ['cloud-init'] });
    expect(JSON.stringify([...cache.secrets.items.values()])).not.toContain(Buffer.from('top secret').toString('base64'));
    await cache.stop();
  });

  it('is not synced while a watch is down, and says which and since when', async () => {
    const { cache, settle, clock, drop } = setup({ pods: [pod('a')] });
    const listedAtMs = clock.now();
    cache.start();
    await settle();
    expect(cache.synced).toBe(true);
    await clock.advanceAsync(5_000, 1_000);
    drop('nodes');
    expect(cache.synced).toBe(false);
    expect(cache.listedOnce).toBe(true); // the past does not change
    const freshness = cache.freshness();
    expect(freshness.nodes).toEqual({ fresh: false, lastEventAgeMs: clock.now() - listedAtMs });
    expect(clock.now() - listedAtMs).toBeGreaterThanOrEqual(5_000);
    expect(freshness.pods.fresh).toBe(true);
    // The reflector backs off (0.5 s at first), watches again, and the cache is current again.
    await clock.advanceAsync(1_000, 100);
    await settle();
    expect(cache.synced).toBe(true);
    await cache.stop();
  });

  it('keeps a pod it cannot read as unknown, on its node, until it is deleted (fail closed)', async () => {
    const unreadable = pod('odd', { spec: { nodeName: 'n1', containers: [{ name: 'c', image: 'x', resources: { requests: { memory: '7Ei' } } }] }, status: { phase: 'Running' } });
    const { cache, settle, emit } = setup({ pods: [pod('a'), unreadable] });
    cache.start();
    await settle();
    expect([...cache.pods.items.keys()]).toEqual(['default/a']);
    expect(cache.pods.unreadable.get('default/odd')).toMatchObject({ namespace: 'default', name: 'odd', nodeName: 'n1', reason: expect.stringContaining('too large') });
    expect(cache.compactErrors).toBe(1);
    expect(cache.synced).toBe(true); // a pod with a known node holds that node only
    expect(cache.freshness().pods).toMatchObject({ fresh: true, unreadable: 1 });
    emit('pods', 'DELETED', unreadable);
    expect(cache.pods.unreadable.size).toBe(0);
    await cache.stop();
  });

  it('is not synced while a node, a NodeGroup or a pod whose node is unknown cannot be read', async () => {
    const badNode = { metadata: { name: 'n2' }, status: { allocatable: { cpu: '2', memory: '4Gi', pods: 'many' } } };
    const { cache, settle, emit } = setup({ nodes: [badNode] });
    cache.start();
    await settle();
    expect(cache.nodes.unreadable.has('n2')).toBe(true);
    expect(cache.synced).toBe(false);
    expect(cache.freshness().nodes).toMatchObject({ fresh: true, unreadable: 1 });
    emit('nodes', 'MODIFIED', { ...badNode, status: { allocatable: { cpu: '2', memory: '4Gi', pods: '110' } } });
    expect(cache.synced).toBe(true);
    emit('pods', 'ADDED', pod('lost', { spec: { nodeName: 42, containers: [{ name: 'c', image: 'x', resources: { requests: { cpu: 'lots' } } }] } }));
    expect(cache.pods.unreadable.get('default/lost')).toMatchObject({ nodeUnknown: true });
    expect(cache.synced).toBe(false);
    await cache.stop();
  });
});
