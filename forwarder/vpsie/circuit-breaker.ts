// A consecutive-failure circuit breaker.
//
//   closed ──N consecutive failures──▶ open ──coolOffMs──▶ half-open (one probe allowed)
//     ▲                                  ▲                        │
//     └──────────── probe succeeds ──────┼────────────────────────┘
//                                        └──── probe fails ───────┘
//
// Time comes from the injected clock, so tests drive the cool-off without waiting.

export type CircuitBreakerOptions = {
  /** Consecutive failed attempts that open the breaker. */
  failureThreshold: number;
  /** How long the breaker stays open before letting one probe through. */
  coolOffMs: number;
};

export type BreakerState = 'closed' | 'open' | 'half-open';

export type BreakerPermit = { allowed: true; probe: boolean } | { allowed: false; retryAtMs: number };

export class CircuitBreaker {
  private consecutiveFailures = 0;
  private openedAtMs: number | undefined;
  private probeInFlight = false;

  constructor(
    private readonly options: CircuitBreakerOptions,
    private readonly now: () => number,
  ) {}

  get state(): BreakerState {
    if (this.openedAtMs === undefined) return 'closed';
    return this.now() >= this.openedAtMs + this.options.coolOffMs ? 'half-open' : 'open';
  }

  /** Ask before sending a request. A refused permit means: send nothing. */
  acquire(): BreakerPermit {
    const state = this.state;
    if (state === 'closed') return { allowed: true, probe: false };
    const retryAtMs = this.openedAtMs! + this.options.coolOffMs;
    if (state === 'open' || this.probeInFlight) return { allowed: false, retryAtMs: Math.max(retryAtMs, this.now()) };
    this.probeInFlight = true;
    return { allowed: true, probe: true };
  }

  /** The API answered (even with a 4xx): it is reachable. */
  recordSuccess(): void {
    this.consecutiveFailures = 0;
    this.openedAtMs = undefined;
    this.probeInFlight = false;
  }

  /** The API failed to answer usefully (5xx, timeout, reset, 429, garbage). */
  recordFailure(): void {
    this.consecutiveFailures += 1;
    if (this.probeInFlight || this.consecutiveFailures >= this.options.failureThreshold) {
      this.openedAtMs = this.now();
    }
    this.probeInFlight = false;
  }
}
