import { describe, expect, it } from 'vitest';
import { DEFAULT_RETRY, retryDelayMs } from './backoff.ts';
import { VpsieRateLimitError, VpsieServerError } from './errors.ts';

describe('backoff', () => {
  const options = { ...DEFAULT_RETRY, baseDelayMs: 100, maxDelayMs: 1000 };

  it('grows exponentially, jitters within [d/2, d], and is capped', () => {
    const server = new VpsieServerError('x', { httpStatus: 503 });
    expect(retryDelayMs(server, 1, options, () => 0)).toBe(50);
    expect(retryDelayMs(server, 1, options, () => 1)).toBe(100);
    expect(retryDelayMs(server, 3, options, () => 0)).toBe(200);
    expect(retryDelayMs(server, 3, options, () => 1)).toBe(400);
    expect(retryDelayMs(server, 10, options, () => 1)).toBe(1000);
  });

  it('honours Retry-After, and refuses to wait longer than maxRetryAfterMs', () => {
    const limited = (retryAfterMs: number) => new VpsieRateLimitError('x', { httpStatus: 429, retryAfterMs });
    expect(retryDelayMs(limited(7000), 1, options, () => 0)).toBe(7000);
    expect(retryDelayMs(limited(120_000), 1, options, () => 0)).toBeUndefined();
    expect(retryDelayMs(new VpsieServerError('x', { httpStatus: 503 }), 2, options, () => 1)).toBe(200);
  });
});
