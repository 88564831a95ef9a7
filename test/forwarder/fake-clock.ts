import type { Clock, TimerHandle } from '../../forwarder/util/clock.ts';

/** A manual clock: timers fire only when the test advances time. */
export class FakeClock implements Clock {
  private timers: Array<{ handle: TimerHandle; atMs: number; fn: () => void; seq: number }> = [];
  private seq = 0;

  constructor(private nowMs = 1_700_000_000_000) {}

  now(): number {
    return this.nowMs;
  }

  setTimeout(fn: () => void, ms: number): TimerHandle {
    const handle = { id: ++this.seq };
    this.timers.push({ handle, atMs: this.nowMs + Math.max(0, ms), fn, seq: handle.id });
    return handle;
  }

  clearTimeout(handle: TimerHandle): void {
    this.timers = this.timers.filter((t) => t.handle !== handle);
  }

  /** Moves time forward, firing due timers in order (timers set by timers fire too if due). */
  advance(ms: number): void {
    const endMs = this.nowMs + ms;
    for (;;) {
      const due = this.timers.filter((t) => t.atMs <= endMs).sort((a, b) => a.atMs - b.atMs || a.seq - b.seq)[0];
      if (!due) break;
      this.timers = this.timers.filter((t) => t !== due);
      this.nowMs = Math.max(this.nowMs, due.atMs);
      due.fn();
    }
    this.nowMs = endMs;
  }

  /** Advances and lets promise callbacks run between timers (for async code driven by the clock). */
  async advanceAsync(ms: number, stepMs = 100): Promise<void> {
    for (let elapsed = 0; elapsed < ms; elapsed += stepMs) {
      this.advance(Math.min(stepMs, ms - elapsed));
      for (let i = 0; i < 10; i++) await Promise.resolve();
      await new Promise((resolve) => setImmediate(resolve));
    }
  }

  get pendingTimers(): number {
    return this.timers.length;
  }
}
