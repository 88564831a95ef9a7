// The simulator's notion of time. Pending → running transitions and token expiry read it, so a test
// with a ManualClock drives provisioning without waiting (advance, then sim.tick()).

export type SimClock = { now(): number; advance?(ms: number): void };

export const realClock: SimClock = { now: () => Date.now() };

export class ManualClock implements SimClock {
  constructor(private nowMs: number = Date.UTC(2025, 0, 1)) {}
  now = (): number => this.nowMs;
  advance = (ms: number): void => {
    this.nowMs += ms;
  };
}

/**
 * The real clock plus whatever a test skipped: time flows (other processes, kwok, sockets) and a test
 * can still jump over a long wait at the simulator (a 30 s visibility delay) with advance(ms).
 */
export class SkippableClock implements SimClock {
  private skippedMs = 0;
  now = (): number => Date.now() + this.skippedMs;
  advance = (ms: number): void => {
    this.skippedMs += ms;
  };
}
