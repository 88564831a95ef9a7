import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../test/forwarder/fake-clock.ts';
import { every, sleep } from './clock.ts';

describe('every', () => {
  it('calls on each period of the clock given until stopped, leaving no timer behind', () => {
    const clock = new FakeClock();
    const calls: number[] = [];
    const stop = every(clock, 1_000, () => calls.push(clock.now()));
    clock.advance(999);
    expect(calls).toEqual([]);
    clock.advance(2_001);
    expect(calls.map((t) => t - calls[0]!)).toEqual([0, 1_000, 2_000]);
    stop();
    clock.advance(5_000);
    expect(calls).toHaveLength(3);
    expect(clock.pendingTimers).toBe(0);
  });

  it('stops from inside its own call', () => {
    const clock = new FakeClock();
    let calls = 0;
    const stop = every(clock, 10, () => {
      calls += 1;
      if (calls === 2) stop();
    });
    clock.advance(100);
    expect(calls).toBe(2);
    expect(clock.pendingTimers).toBe(0);
  });
});

describe('sleep', () => {
  it('resolves after the clock advanced, or at once on abort', async () => {
    const clock = new FakeClock();
    let woke = false;
    const sleeping = sleep(clock, 500).then(() => (woke = true));
    clock.advance(499);
    await Promise.resolve();
    expect(woke).toBe(false);
    clock.advance(1);
    await sleeping;
    const controller = new AbortController();
    const aborted = sleep(clock, 60_000, controller.signal);
    controller.abort();
    await aborted;
    expect(clock.pendingTimers).toBe(0);
  });
});
