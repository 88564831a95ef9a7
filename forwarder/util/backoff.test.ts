import { describe, expect, it } from 'vitest';
import { Backoff, backoffDelayMs } from './backoff.ts';

describe('backoffDelayMs', () => {
  it('doubles from initialMs after each failure and stops at maxMs', () => {
    const options = { initialMs: 100, maxMs: 1_000, jitter: 0 };
    expect([1, 2, 3, 4, 5, 50, 5_000].map((n) => backoffDelayMs(n, options))).toEqual([100, 200, 400, 800, 1_000, 1_000, 1_000]);
  });

  it('jitters within [(1 - jitter)·d, d]: 20 % by default, half with jitter 0.5', () => {
    const options = { initialMs: 1_000, maxMs: 60_000 };
    expect(backoffDelayMs(1, options, () => 0)).toBe(800);
    expect(backoffDelayMs(1, options, () => 1)).toBe(1_000);
    expect(backoffDelayMs(3, { ...options, jitter: 0.5 }, () => 0)).toBe(2_000);
    expect(backoffDelayMs(3, { ...options, jitter: 0.5 }, () => 0.5)).toBe(3_000);
  });
});

describe('Backoff', () => {
  it('grows with each next() and starts over after reset()', () => {
    const backoff = new Backoff({ initialMs: 500, maxMs: 30_000, jitter: 0 });
    expect([backoff.next(), backoff.next(), backoff.next()]).toEqual([500, 1_000, 2_000]);
    expect(backoff.attempts).toBe(3);
    backoff.reset();
    expect(backoff.next()).toBe(500);
  });

  it('uses the random source given', () => {
    const backoff = new Backoff({ initialMs: 1_000, maxMs: 30_000, random: () => 0 });
    expect(backoff.next()).toBe(800);
  });
});
