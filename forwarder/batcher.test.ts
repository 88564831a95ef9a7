import { describe, expect, it } from 'vitest';
import { FakeClock } from '../test/forwarder/fake-clock.ts';
import { ReconcileBatcher, type TriggerReason } from './batcher.ts';

function setup(options: Partial<ConstructorParameters<typeof ReconcileBatcher>[0]> = {}) {
  const clock = new FakeClock();
  const fires: Array<{ atMs: number; reasons: TriggerReason[] }> = [];
  const start = clock.now();
  const batcher = new ReconcileBatcher({ clock, onFire: (reasons) => fires.push({ atMs: clock.now() - start, reasons }), ...options });
  return { clock, fires, batcher };
}

describe('ReconcileBatcher', () => {
  it('fires a heartbeat every 30 s when nothing happens', () => {
    const { clock, fires } = setup();
    clock.advance(95_000);
    expect(fires.map((f) => f.atMs)).toEqual([30_000, 60_000, 90_000]);
    expect(fires.every((f) => f.reasons.join() === 'heartbeat')).toBe(true);
  });

  it('closes a pod window 0.5 s after the last new pod', () => {
    const { clock, fires, batcher } = setup();
    batcher.podUnschedulable('default/a');
    clock.advance(300);
    batcher.podUnschedulable('default/b');
    clock.advance(450);
    expect(fires).toHaveLength(0);
    clock.advance(100);
    expect(fires).toEqual([{ atMs: 800, reasons: ['unschedulable-pods'] }]);
  });

  it('does not extend the window for a pod it already has', () => {
    const { clock, fires, batcher } = setup();
    batcher.podUnschedulable('default/a');
    clock.advance(400);
    batcher.podUnschedulable('default/a');
    clock.advance(150);
    expect(fires.map((f) => f.atMs)).toEqual([500]);
  });

  it('closes the window at most 1 s after it opened, however many pods keep coming (the planner holds the rest of a burst)', () => {
    const { clock, fires, batcher } = setup();
    // A 300-pod Deployment: a pod every 50 ms for 15 s.
    for (let i = 0; i < 300; i++) {
      batcher.podUnschedulable(`default/p${i}`);
      clock.advance(50);
    }
    expect(fires[0]).toEqual({ atMs: 1_000, reasons: ['unschedulable-pods'] });
    // the pod of the fire's own millisecond opens the next window: one reconcile a second while they keep coming
    expect(fires.slice(1, 4).map((f) => f.atMs)).toEqual([2_000, 3_000, 4_000]);
    expect(fires).toHaveLength(15);
  });

  it('debounces NodeGroup changes and merges reasons', () => {
    const { clock, fires, batcher } = setup();
    batcher.nodeGroupChanged();
    clock.advance(300);
    batcher.nodeGroupChanged();
    batcher.nodePressure();
    clock.advance(1_000);
    expect(fires).toEqual([{ atMs: 1_000, reasons: ['nodegroup-changed', 'node-pressure'] }]);
  });

  it('fires at once for the webhook', () => {
    const { clock, fires, batcher } = setup();
    clock.advance(5_000);
    batcher.now('webhook');
    clock.advance(0);
    expect(fires).toEqual([{ atMs: 5_000, reasons: ['webhook'] }]);
  });

  it('coalesces webhooks: one at once, the others of the next 5 s in one fire at its end', () => {
    const { clock, fires, batcher } = setup();
    for (let i = 0; i < 50; i++) {
      batcher.now('webhook');
      clock.advance(100);
    }
    clock.advance(1_000);
    expect(fires).toEqual([{ atMs: 0, reasons: ['webhook'] }, { atMs: 5_000, reasons: ['webhook'] }]);
  });

  it('lets a webhook ride on another fire instead of adding one', () => {
    const { clock, fires, batcher } = setup();
    batcher.now('webhook');
    clock.advance(0);
    clock.advance(2_000);
    batcher.now('webhook'); // waits for 5 s …
    batcher.nodeGroupChanged(); // … but this fires at 3 s and serves it
    clock.advance(10_000);
    expect(fires).toEqual([{ atMs: 0, reasons: ['webhook'] }, { atMs: 3_000, reasons: ['webhook', 'nodegroup-changed'] }]);
  });

  it('never fires twice within the 1 s minimum contact interval, whatever keeps asking', () => {
    const { clock, fires, batcher } = setup();
    for (let i = 0; i < 100; i++) {
      batcher.now('start');
      batcher.podUnschedulable(`default/p${i}`);
      batcher.nodePressure();
      batcher.now('webhook');
      clock.advance(100);
    }
    const gaps = fires.slice(1).map((f, i) => f.atMs - fires[i]!.atMs);
    expect(Math.min(...gaps)).toBe(1_000);
    expect(fires).toHaveLength(11); // 0 s, 1 s, … 10 s: one per second of asking, not 400
  });

  it('honours a plan asking to be called again sooner, but not sooner than 1 s', () => {
    const { clock, fires, batcher } = setup();
    batcher.reconciled(5_000);
    clock.advance(5_000);
    expect(fires.map((f) => f.atMs)).toEqual([5_000]);
    batcher.reconciled(0);
    clock.advance(1_000);
    expect(fires.map((f) => f.atMs)).toEqual([5_000, 6_000]);
    batcher.reconciled(120_000); // later than the heartbeat: the heartbeat wins
    clock.advance(30_000);
    expect(fires.map((f) => f.atMs)).toEqual([5_000, 6_000, 36_000]);
  });

  it('restarts the heartbeat after every reconcile', () => {
    const { clock, fires, batcher } = setup({ heartbeatMs: 10_000 });
    clock.advance(8_000);
    batcher.reconciled();
    clock.advance(8_000);
    expect(fires).toHaveLength(0);
    clock.advance(2_000);
    expect(fires.map((f) => f.atMs)).toEqual([18_000]);
  });

  it('stops firing after stop()', () => {
    const { clock, fires, batcher } = setup();
    batcher.podUnschedulable('default/a');
    batcher.stop();
    clock.advance(60_000);
    expect(fires).toHaveLength(0);
  });
});
