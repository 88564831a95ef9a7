import { describe, expect, it } from 'vitest';
import { backoffDelayMs, DEFAULT_RETRY, parseRetryAfterMs, retryDelayMs } from './backoff.ts';
import { VpsieRateLimitError, VpsieServerError } from './errors.ts';

describe('backoff', () => {
  const options = { ...DEFAULT_RETRY, baseDelayMs: 100, maxDelayMs: 1000 };

  it('grows exponentially, jitters within [d/2, d], and is capped', () => {
    expect(backoffDelayMs(1, options, () => 0)).toBe(50);
    expect(backoffDelayMs(1, options, () => 1)).toBe(100);
    expect(backoffDelayMs(3, options, () => 0)).toBe(200);
    expect(backoffDelayMs(3, options, () => 1)).toBe(400);
    expect(backoffDelayMs(10, options, () => 1)).toBe(1000);
  });

  it('honours Retry-After, and refuses to wait longer than maxRetryAfterMs', () => {
    const limited = (retryAfterMs: number) => new VpsieRateLimitError('x', { httpStatus: 429, retryAfterMs });
    expect(retryDelayMs(limited(7000), 1, options, () => 0)).toBe(7000);
    expect(retryDelayMs(limited(120_000), 1, options, () => 0)).toBeUndefined();
    expect(retryDelayMs(new VpsieServerError('x', { httpStatus: 503 }), 2, options, () => 1)).toBe(200);
  });

  it('parses Retry-After as seconds or as an HTTP date', () => {
    expect(parseRetryAfterMs('3', 0)).toBe(3000);
    expect(parseRetryAfterMs('Thu, 01 Jan 1970 00:00:10 GMT', 4000)).toBe(6000);
    expect(parseRetryAfterMs('soon', 0)).toBeUndefined();
    expect(parseRetryAfterMs(undefined, 0)).toBeUndefined();
  });
});
