// Exponential backoff with full jitter, shared by the watches, delivery and the executor's retries.
export interface BackoffOptions {
  initialMs: number;
  maxMs: number;
  /** 0..1; the share of each delay that is randomised. */
  jitter?: number;
  random?: () => number;
}

export class Backoff {
  private attempt = 0;
  constructor(private readonly options: BackoffOptions) {}

  /** The delay before the next attempt; grows until reset(). */
  next(): number {
    const { initialMs, maxMs, jitter = 0.2, random = Math.random } = this.options;
    const baseMs = Math.min(maxMs, initialMs * 2 ** Math.min(this.attempt, 30));
    this.attempt += 1;
    return Math.round(baseMs * (1 - jitter + jitter * random()));
  }

  get attempts(): number {
    return this.attempt;
  }

  reset(): void {
    this.attempt = 0;
  }
}
