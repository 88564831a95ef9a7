import { VpsieRateLimitError } from './errors.ts';

export type RetryOptions = {
  /** Attempts per call, the first included. */
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
  /** A `Retry-After` longer than this is not waited for: the error is raised instead. */
  maxRetryAfterMs: number;
};

export const DEFAULT_RETRY: RetryOptions = { maxAttempts: 4, baseDelayMs: 500, maxDelayMs: 10_000, maxRetryAfterMs: 60_000 };

/**
 * Exponential backoff with "equal jitter": half the exponential delay, plus a random share of the other
 * half, so that a fleet of forwarders does not retry in lockstep yet never retries instantly.
 * `failures` is how many attempts have failed so far (1 after the first failure).
 */
export function backoffDelayMs(failures: number, options: RetryOptions, random: () => number): number {
  const exponential = Math.min(options.maxDelayMs, options.baseDelayMs * 2 ** Math.max(0, failures - 1));
  return Math.round(exponential / 2 + random() * (exponential / 2));
}

/** How long to wait before the next attempt, or undefined when the error says not to retry soon. */
export function retryDelayMs(error: unknown, failures: number, options: RetryOptions, random: () => number): number | undefined {
  if (error instanceof VpsieRateLimitError && error.retryAfterMs !== undefined) {
    if (error.retryAfterMs > options.maxRetryAfterMs) return undefined;
    return Math.max(error.retryAfterMs, 0);
  }
  return backoffDelayMs(failures, options, random);
}

/** `Retry-After` is either delta-seconds or an HTTP date. */
export function parseRetryAfterMs(header: string | undefined, nowMs: number): number | undefined {
  if (!header) return undefined;
  const trimmed = header.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.round(Number(trimmed) * 1000);
  const dateMs = Date.parse(trimmed);
  return Number.isFinite(dateMs) ? Math.max(0, dateMs - nowMs) : undefined;
}
