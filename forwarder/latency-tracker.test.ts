import { describe, expect, it } from 'vitest';
import { FakeClock } from '../test/forwarder/fake-clock.ts';
import { LatencyTracker, MAX_TRACKED, trackCommand } from './latency-tracker.ts';

function setup() {
  const clock = new FakeClock(1_000_000);
  const pods = new Map<string, { nodeName?: string; unschedulableSinceMs?: number }>();
  const nodes = new Map<string, { ready: boolean; readyTransitionMs?: number }>();
  const seen: string[] = [];
  const tracker = new LatencyTracker(
    { pod: (k) => pods.get(k), node: (n) => nodes.get(n) },
    {
      triggerToCreate: (g, s) => seen.push(`trigger-to-create ${g} ${s}`),
      createToReady: (g, s) => seen.push(`create-to-ready ${g} ${s}`),
      podPending: (s) => seen.push(`pod-pending ${s}`),
      drain: (g, o, s) => seen.push(`drain ${g} ${o} ${s}`),
    },
    () => clock.now(),
  );
  return { clock, pods, nodes, seen, tracker };
}

describe('LatencyTracker', () => {
  it('times trigger → create from the oldest pod still pending, and create → Ready from the Ready transition', () => {
    const { clock, pods, nodes, seen, tracker } = setup();
    pods.set('app/a', { unschedulableSinceMs: 990_000 }); // unschedulable 10 s before the tracker heard
    tracker.podUnschedulable('app/a');
    clock.advance(5_000);
    pods.set('app/b', { unschedulableSinceMs: clock.now() });
    tracker.podUnschedulable('app/b');
    clock.advance(20_000);
    trackCommand(tracker, { kind: 'createVm', hostname: 'c1-w-1', nodeGroup: { name: 'workers' } }, 'succeeded');
    expect(seen).toEqual(['trigger-to-create workers 35']);
    expect(tracker.oldestUnjoinedLaunchSeconds()).toEqual(new Map([['workers', 0]]));

    clock.advance(90_000);
    nodes.set('c1-w-1', { ready: false });
    tracker.sweep();
    expect(seen).toHaveLength(1);
    expect(tracker.oldestUnjoinedLaunchSeconds().get('workers')).toBe(90);
    nodes.set('c1-w-1', { ready: true, readyTransitionMs: clock.now() - 4_000 });
    clock.advance(1_000);
    tracker.sweep();
    expect(seen[1]).toBe('create-to-ready workers 86');
    expect(tracker.oldestUnjoinedLaunchSeconds().size).toBe(0);
  });

  it('times a pending pod until it is bound, forgets deleted pods, and reports the oldest still pending', () => {
    const { clock, pods, seen, tracker } = setup();
    pods.set('app/a', { unschedulableSinceMs: clock.now() });
    pods.set('app/b', { unschedulableSinceMs: clock.now() + 1_000 });
    tracker.podUnschedulable('app/a');
    tracker.podUnschedulable('app/b');
    clock.advance(61_000);
    expect(tracker.oldestUnschedulablePodSeconds()).toBe(61);
    pods.set('app/a', { unschedulableSinceMs: 1_000_000, nodeName: 'c1-w-1' });
    pods.delete('app/b');
    tracker.sweep();
    expect(seen).toEqual(['pod-pending 61']);
    expect(tracker.oldestUnschedulablePodSeconds()).toBe(0);
    // A create with nothing pending (minimum nodes, a replacement) has no trigger to time.
    trackCommand(tracker, { kind: 'createVm', hostname: 'c1-w-2', nodeGroup: { name: 'workers' } }, 'succeeded');
    expect(seen).toEqual(['pod-pending 61']);
  });

  it('times drains from the taint to the Node deleted (completed) or untainted (aborted); failures do not count', () => {
    const { clock, seen, tracker } = setup();
    trackCommand(tracker, { kind: 'taintNode', node: 'n1', nodeGroup: { name: 'workers' } }, 'succeeded');
    trackCommand(tracker, { kind: 'taintNode', node: 'n2', nodeGroup: { name: 'workers' } }, 'succeeded');
    trackCommand(tracker, { kind: 'taintNode', node: 'n3', nodeGroup: { name: 'workers' } }, 'failed');
    clock.advance(30_000);
    expect(tracker.oldestDrainSeconds()).toEqual(new Map([['workers', 30]]));
    trackCommand(tracker, { kind: 'deleteNode', node: 'n1', nodeGroup: { name: 'workers' } }, 'failed');
    expect(seen).toEqual([]);
    clock.advance(15_000);
    trackCommand(tracker, { kind: 'deleteNode', node: 'n1', nodeGroup: { name: 'workers' } }, 'succeeded');
    trackCommand(tracker, { kind: 'untaintNode', node: 'n2', nodeGroup: { name: 'workers' } }, 'succeeded');
    trackCommand(tracker, { kind: 'deleteNode', node: 'n3', nodeGroup: { name: 'workers' } }, 'succeeded');
    expect(seen).toEqual(['drain workers completed 45', 'drain workers aborted 45']);
    expect(tracker.oldestDrainSeconds().size).toBe(0);
  });

  it('keeps at most MAX_TRACKED pending pods, dropping the oldest', () => {
    const { clock, pods, tracker } = setup();
    for (let i = 0; i <= MAX_TRACKED; i += 1) {
      pods.set(`app/p${i}`, { unschedulableSinceMs: clock.now() + i });
      tracker.podUnschedulable(`app/p${i}`);
    }
    clock.advance(10_000);
    // app/p0 (the oldest, at +0 ms) was dropped: the oldest tracked is app/p1 at +1 ms.
    expect(tracker.oldestUnschedulablePodSeconds()).toBe(9.999);
  });
});
