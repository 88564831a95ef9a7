import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useHarness, type Harness } from '../../test/harness/context.ts';
import type { Clock } from '../util/clock.ts';
import { systemClock } from '../util/clock.ts';
import { EventRecorder, REPORTING_CONTROLLER, SERIES_WINDOW_MS } from './event-recorder.ts';
import { loadKubeAuth } from './kube-auth.ts';
import { KubeHttp } from './kube-http.ts';

// Event aggregation on a real API server: the same event again is a series update of the first
// object (what `kubectl describe` shows as "(x3 over …)"), a different note is another object, and a
// series whose Event is gone (expired, deleted) starts a new one.

interface EventObject { metadata: { name: string }; reportingController?: string; reason: string; note: string; series?: { count: number; lastObservedTime: string }; regarding: { uid?: string; name: string } }

describe('EventRecorder', () => {
  let h: Harness;
  let kube: KubeHttp;
  let ns: string;
  let nowMs = Date.now();
  const clock: Clock = { ...systemClock, now: () => nowMs };

  beforeAll(async () => {
    h = useHarness();
    kube = new KubeHttp(await loadKubeAuth(h.info.kubeconfigPath));
  });
  afterAll(() => kube?.close());

  const events = async () => (await kube.request<{ items: EventObject[] }>({ method: 'GET', path: `/apis/events.k8s.io/v1/namespaces/${ns}/events` })).items
    .filter((e) => e.regarding.name === 'waiting' && e.reportingController === REPORTING_CONTROLLER); // not the scheduler's FailedScheduling

  it('folds repeats into a series, keeps different notes apart, and starts over when the Event is gone', async () => {
    ns = await h.newNamespace('events');
    await h.core.createNamespacedPod({ namespace: ns, body: { metadata: { name: 'waiting' }, spec: { nodeSelector: { none: 'none' }, containers: [{ name: 'c', image: 'registry.k8s.io/pause:3.10' }] } } });
    const recorder = new EventRecorder(kube, 'test-instance', clock);
    const spec = { involved: { kind: 'Pod' as const, namespace: ns, name: 'waiting' }, type: 'Normal' as const, reason: 'NotTriggerScaleUp', note: "pod didn't trigger scale-up: group a/b is at its maximum" };
    await recorder.record(spec);
    nowMs += 10 * 60_000;
    await recorder.record(spec);
    nowMs += 10 * 60_000;
    await recorder.record(spec);
    let list = await events();
    expect(list).toHaveLength(1);
    expect(list[0]!.series?.count).toBe(3);
    expect(Date.parse(list[0]!.series!.lastObservedTime)).toBe(nowMs);
    const pod = await h.core.readNamespacedPod({ namespace: ns, name: 'waiting' });
    expect(list[0]!.regarding.uid).toBe(pod.metadata!.uid);

    await recorder.record({ ...spec, reason: 'TriggeredScaleUp', note: 'pod triggered scale-up: NodeGroup a/b' });
    list = await events();
    expect(list.map((e) => [e.reason, e.series?.count ?? 1]).sort()).toEqual([['NotTriggerScaleUp', 3], ['TriggeredScaleUp', 1]]);

    // Gone: the next repeat is a new Event, not an error.
    const first = list.find((e) => e.reason === 'NotTriggerScaleUp')!;
    await kube.request({ method: 'DELETE', path: `/apis/events.k8s.io/v1/namespaces/${ns}/events/${first.metadata.name}` });
    await recorder.record(spec);
    list = await events();
    const again = list.filter((e) => e.reason === 'NotTriggerScaleUp');
    expect(again).toHaveLength(1);
    expect(again[0]!.metadata.name).not.toBe(first.metadata.name);
    expect(again[0]!.series).toBeUndefined();

    // Past the window a repeat is a new object too (the old one is about to expire).
    nowMs += SERIES_WINDOW_MS;
    await recorder.record(spec);
    expect((await events()).filter((e) => e.reason === 'NotTriggerScaleUp')).toHaveLength(2);
  });
});
