import { backoffDelayMs } from '../util/backoff.ts';
import { VpsieRateLimitError } from './errors.ts';

// The VPSie client's retry policy: how many attempts, how long between them, and when a Retry-After
// (parsed by util/retry-after.ts into VpsieRateLimitError.retryAfterMs) is honoured or too long.

export type RetryOptions = {
  /** Attempts per call, the first included. */
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
  /** A `Retry-After` longer than this is not waited for: the error is raised instead. */
  maxRetryAfterMs: number;
};

export const DEFAULT_RETRY: RetryOptions = { maxAttempts: 4, baseDelayMs: 500, maxDelayMs: 10_000, maxRetryAfterMs: 60_000 };

/** How long to wait before the next attempt, or undefined when the error says not to retry soon. */
export function retryDelayMs(error: unknown, failures: number, options: RetryOptions, random: () => number): number | undefined {
  if (error instanceof VpsieRateLimitError && error.retryAfterMs !== undefined) {
    if (error.retryAfterMs > options.maxRetryAfterMs) return undefined;
    return Math.max(error.retryAfterMs, 0);
  }
  // Equal jitter: half the exponential delay plus a random share of the other half.
  return backoffDelayMs(failures, { initialMs: options.baseDelayMs, maxMs: options.maxDelayMs, jitter: 0.5 }, random);
}
