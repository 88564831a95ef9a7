// Exponential backoff with proportional jitter: the forwarder's one implementation. The watches
// (watch/reflector.ts) and delivery (delivery/delivery.ts) use the Backoff class; the VPSie client's
// retry policy (vpsie/backoff.ts: Retry-After first, then this with jitter 0.5, "equal jitter")
// calls backoffDelayMs. A Retry-After header is read by util/retry-after.ts. The executor does not
// retry: a failed command is reported and the planner decides.
//
// Jitter keeps a fleet of forwarders from retrying in lockstep; it is proportional (the delay is
// between (1 - jitter) and 1 of the exponential value) rather than "full" (0 to 1), so that a retry
// never comes instantly after a failure.

export interface BackoffOptions {
  initialMs: number;
  maxMs: number;
  /** 0..1: the share of each delay that is randomised (default 0.2). */
  jitter?: number;
}

/** The delay after `failures` failed attempts (1 after the first): initialMs·2^(failures−1), capped at maxMs, jittered. */
export function backoffDelayMs(failures: number, options: BackoffOptions, random: () => number = Math.random): number {
  const { initialMs, maxMs, jitter = 0.2 } = options;
  const baseMs = Math.min(maxMs, initialMs * 2 ** Math.min(Math.max(0, failures - 1), 30));
  return Math.round(baseMs * (1 - jitter + jitter * random()));
}

/** The state of one retry loop: each next() is the delay after one more failure, until reset(). */
export class Backoff {
  private failures = 0;
  constructor(private readonly options: BackoffOptions & { random?: () => number }) {}

  next(): number {
    this.failures += 1;
    return backoffDelayMs(this.failures, this.options, this.options.random);
  }

  get attempts(): number {
    return this.failures;
  }

  reset(): void {
    this.failures = 0;
  }
}
