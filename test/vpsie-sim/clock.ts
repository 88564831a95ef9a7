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
