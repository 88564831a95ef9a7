import { describe, expect, it } from 'vitest';
import { FakeClock } from '../test/forwarder/fake-clock.ts';
import { SyncWatch } from './sync-watch.ts';

// The first-sync moment and waitForSynced, on the injected clock (no wall-clock waiting).

function watch(clock: FakeClock) {
  const source = { synced: false, syncStatus: () => ({ pods: { listedOnce: false } }) };
  const ticks: boolean[] = [];
  let firstSyncs = 0;
  const sync = new SyncWatch({ clock, source, onTick: (s) => ticks.push(s), onFirstSync: () => firstSyncs++, tickMs: 200 });
  return { source, sync, ticks, firstSyncs: () => firstSyncs };
}

describe('SyncWatch', () => {
  it('ticks on the clock and announces the first sync once', () => {
    const clock = new FakeClock();
    const { source, sync, ticks, firstSyncs } = watch(clock);
    sync.start();
    clock.advance(400);
    expect(ticks).toEqual([false, false]);
    source.synced = true;
    clock.advance(200);
    source.synced = false; // a watch outage
    clock.advance(200);
    source.synced = true;
    clock.advance(200);
    expect(ticks).toEqual([false, false, true, false, true]);
    expect(firstSyncs()).toBe(1);
    sync.stop();
    clock.advance(1_000);
    expect(ticks).toHaveLength(5);
    expect(clock.pendingTimers).toBe(0);
  });

  it('waitForSynced resolves at the tick that finds the cache synced', async () => {
    const clock = new FakeClock();
    const { source, sync } = watch(clock);
    sync.start();
    let done = false;
    const waiting = sync.waitForSynced(10_000).then(() => (done = true));
    clock.advance(1_000);
    await Promise.resolve();
    expect(done).toBe(false);
    source.synced = true;
    clock.advance(200);
    await waiting;
    expect(done).toBe(true);
    sync.stop();
    expect(clock.pendingTimers).toBe(0); // the deadline was cleared
  });

  it('waitForSynced rejects after its timeout on the clock, saying which watches are behind', async () => {
    const clock = new FakeClock();
    const { sync } = watch(clock);
    sync.start();
    const waiting = sync.waitForSynced(5_000);
    clock.advance(4_999);
    let settled = false;
    void waiting.then(() => (settled = true), () => (settled = true));
    await Promise.resolve();
    expect(settled).toBe(false);
    clock.advance(1);
    await expect(waiting).rejects.toThrow('not synced after 5000 ms: {"pods":{"listedOnce":false}}');
    sync.stop();
  });

  it('waitForSynced resolves at once when already synced', async () => {
    const clock = new FakeClock();
    const { source, sync } = watch(clock);
    source.synced = true;
    await expect(sync.waitForSynced(1)).resolves.toBeUndefined();
    expect(clock.pendingTimers).toBe(0);
  });
});
