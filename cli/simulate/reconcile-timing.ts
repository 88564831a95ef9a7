import { BATCHER_DEFAULTS } from '../../forwarder/batcher.ts';

// When the simulated forwarder reconciles: the rules of forwarder/batcher.ts (ReconcileBatcher) on
// simulated time, with its defaults. A heartbeat 30 s after the last reconcile, sooner when the
// plan asked (nextContactAfterMs, never under minContactIntervalMs); newly unschedulable pods open
// a batching window (each new pod pushes its end podExtendMs from now, at most podMaxWindowMs after
// it opened); two reconciles at least minContactIntervalMs apart. NodeGroup changes, node pressure
// and webhooks do not happen in a trace.

export type ReconcileTimingConfig = Pick<typeof BATCHER_DEFAULTS, 'heartbeatMs' | 'podExtendMs' | 'podMaxWindowMs' | 'minContactIntervalMs'>;

export class ReconcileTiming {
  private readonly config: ReconcileTimingConfig;
  private heartbeatAtMs: number;
  private lastFiredAtMs = -Infinity;
  private podWindow: { openedAtMs: number; deadlineMs: number } | undefined;

  /** The forwarder's start-up reconcile is at `startMs`. */
  constructor(startMs: number, config: Partial<ReconcileTimingConfig> = {}) {
    this.config = { ...BATCHER_DEFAULTS, ...config };
    this.heartbeatAtMs = startMs;
  }

  /** `count` pods became unschedulable at `nowMs` (all at once: one extension of the window). */
  podsUnschedulable(count: number, nowMs: number): void {
    if (count <= 0) return;
    if (!this.podWindow) this.podWindow = { openedAtMs: nowMs, deadlineMs: nowMs + this.config.podExtendMs };
    else this.podWindow.deadlineMs = Math.min(this.podWindow.openedAtMs + this.config.podMaxWindowMs, nowMs + this.config.podExtendMs);
  }

  get nextAtMs(): number {
    return Math.max(Math.min(this.podWindow?.deadlineMs ?? Infinity, this.heartbeatAtMs), this.lastFiredAtMs + this.config.minContactIntervalMs);
  }

  /** A reconcile ran at `nowMs` and its plan asked to be called again at `nextContactAfterMs`. */
  reconciled(nowMs: number, nextContactAfterMs: number): void {
    this.lastFiredAtMs = nowMs;
    this.podWindow = undefined;
    const askedInMs = Math.max(this.config.minContactIntervalMs, nextContactAfterMs - nowMs);
    this.heartbeatAtMs = nowMs + Math.min(this.config.heartbeatMs, askedInMs);
  }
}
