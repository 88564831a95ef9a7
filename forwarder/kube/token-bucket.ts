import { systemClock, type Clock, type TimerHandle } from '../util/clock.ts';

// A client-side request rate limit (client-go's flowcontrol token bucket): `burst` requests may go at
// once, then `qps` per second. Callers wait in order; a waiter whose signal aborts leaves the queue.

export interface TokenBucketOptions {
  qps: number;
  burst: number;
  clock?: Clock;
}

export class RateLimitAbortedError extends Error {
  override name = 'RateLimitAbortedError';
}

interface Waiter {
  resolve(): void;
  reject(error: unknown): void;
  signal: AbortSignal | undefined;
  onAbort: () => void;
}

export class TokenBucket {
  private tokens: number;
  private refilledAtMs: number;
  private readonly waiters: Waiter[] = [];
  private timer: TimerHandle | undefined;
  private readonly clock: Clock;

  constructor(private readonly options: TokenBucketOptions) {
    if (!(options.qps > 0) || !Number.isFinite(options.qps)) throw new RangeError(`qps must be a positive number, not ${options.qps}`);
    if (!Number.isInteger(options.burst) || options.burst < 1) throw new RangeError(`burst must be a whole number ≥ 1, not ${options.burst}`);
    this.clock = options.clock ?? systemClock;
    this.tokens = options.burst;
    this.refilledAtMs = this.clock.now();
  }

  /** Resolves when the request may go; rejects if the signal aborts first (nothing is spent then). */
  take(signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return Promise.reject(new RateLimitAbortedError('aborted while waiting for the client rate limit'));
    this.refill();
    if (this.waiters.length === 0 && this.tokens >= 1) {
      this.tokens -= 1;
      return Promise.resolve();
    }
    return new Promise<void>((resolve, reject) => {
      const waiter: Waiter = {
        resolve,
        reject,
        signal,
        onAbort: () => {
          const index = this.waiters.indexOf(waiter);
          if (index >= 0) this.waiters.splice(index, 1);
          reject(new RateLimitAbortedError('aborted while waiting for the client rate limit'));
        },
      };
      signal?.addEventListener('abort', waiter.onAbort, { once: true });
      this.waiters.push(waiter);
      this.schedule();
    });
  }

  /** Requests waiting for a token (a metric, and tests). */
  get waiting(): number {
    return this.waiters.length;
  }

  private refill(): void {
    const nowMs = this.clock.now();
    const elapsedMs = Math.max(0, nowMs - this.refilledAtMs);
    this.tokens = Math.min(this.options.burst, this.tokens + (elapsedMs * this.options.qps) / 1000);
    this.refilledAtMs = nowMs;
  }

  private schedule(): void {
    if (this.timer !== undefined || this.waiters.length === 0) return;
    const missing = Math.max(0, 1 - this.tokens);
    const waitMs = Math.max(1, Math.ceil((missing * 1000) / this.options.qps));
    this.timer = this.clock.setTimeout(() => {
      this.timer = undefined;
      this.refill();
      while (this.waiters.length > 0 && this.tokens >= 1) {
        this.tokens -= 1;
        const waiter = this.waiters.shift()!;
        waiter.signal?.removeEventListener('abort', waiter.onAbort);
        waiter.resolve();
      }
      this.schedule();
    }, waitMs);
  }
}
