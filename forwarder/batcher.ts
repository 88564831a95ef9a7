import { systemClock, type Clock, type TimerHandle } from './util/clock.ts';

// Decides when to reconcile. Unschedulable pods come in bursts (a Deployment scaled to 50), so they
// are batched: the first opens a window, each new pod extends it a little, and it closes at the
// latest a fixed time after it opened:
//
//   pod   pod pod        pod                       (each new pod: deadline = now + extend)
//    |─────|───|──────────|──────▶ fire            (never later than opened + maxWindow)
//
// NodeGroup changes and node pressure fire after a short debounce; a heartbeat fires when nothing
// else has for a while, sooner when the last plan asked for it (nextContactAfterMs).
//
// IMPORTANT: whatever asks, two fires are at least minContactIntervalMs apart, and webhook triggers
// (POST /trigger, reachable from inside the cluster) are coalesced: one fires at once, the ones after
// it within webhookMinIntervalMs ride on the next fire at the end of that interval (or on any earlier
// fire). A flood of triggers therefore cannot raise the reconcile rate:
//
//   POST POST POST ... POST (464 in 5 s)
//    |fire                     |fire (all the others, once)      = 2 reconciles, not 101
//    0 s                       5 s

/** `manual`: the in-process API (forwarder.trigger(), tests, the CLI); unlike `webhook` it is not coalesced. */
export type TriggerReason = 'unschedulable-pods' | 'nodegroup-changed' | 'node-pressure' | 'heartbeat' | 'webhook' | 'start' | 'manual';

export interface BatcherOptions {
  onFire: (reasons: TriggerReason[]) => void;
  clock?: Clock;
  heartbeatMs?: number;
  /** Each new unschedulable pod pushes the window's end this far from now. */
  podExtendMs?: number;
  /** A pod window closes at most this long after it opened. */
  podMaxWindowMs?: number;
  /** NodeGroup changes and node pressure fire after this quiet time. */
  debounceMs?: number;
  /** Never reconcile more often than this, whatever the trigger (a plan's nextContactAfterMs included). */
  minContactIntervalMs?: number;
  /** Webhook triggers fire at most once per this interval; the rest are folded into the next fire. */
  webhookMinIntervalMs?: number;
}

export const BATCHER_DEFAULTS = {
  heartbeatMs: 30_000,
  // Short: the planner itself holds the nodes a burst's later pods may resize (functions/planning/
  // scale-up/burst.ts) and asks to be called back, so a longer window here would only delay the first
  // create (a 300-pod Deployment keeps a 10-s window open to its end: the first plan 10 s late).
  podExtendMs: 500,
  podMaxWindowMs: 1_000,
  debounceMs: 1_000,
  minContactIntervalMs: 1_000,
  webhookMinIntervalMs: 5_000,
};

export class ReconcileBatcher {
  private readonly clock: Clock;
  private readonly config: typeof BATCHER_DEFAULTS;
  private podWindow: { openedAtMs: number; deadlineMs: number; pods: Set<string> } | undefined;
  private debounceAtMs: number | undefined;
  private webhookAtMs: number | undefined;
  private lastFiredAtMs: number | undefined;
  private lastWebhookFiredAtMs: number | undefined;
  private heartbeatAtMs: number;
  private readonly reasons = new Set<TriggerReason>();
  private timer: TimerHandle | undefined;
  private stopped = false;

  constructor(private readonly options: BatcherOptions) {
    this.clock = options.clock ?? systemClock;
    this.config = {
      heartbeatMs: options.heartbeatMs ?? BATCHER_DEFAULTS.heartbeatMs,
      podExtendMs: options.podExtendMs ?? BATCHER_DEFAULTS.podExtendMs,
      podMaxWindowMs: options.podMaxWindowMs ?? BATCHER_DEFAULTS.podMaxWindowMs,
      debounceMs: options.debounceMs ?? BATCHER_DEFAULTS.debounceMs,
      minContactIntervalMs: options.minContactIntervalMs ?? BATCHER_DEFAULTS.minContactIntervalMs,
      webhookMinIntervalMs: options.webhookMinIntervalMs ?? BATCHER_DEFAULTS.webhookMinIntervalMs,
    };
    this.heartbeatAtMs = this.clock.now() + this.config.heartbeatMs;
    this.arm();
  }

  podUnschedulable(podKey: string): void {
    const nowMs = this.clock.now();
    if (!this.podWindow) {
      this.podWindow = { openedAtMs: nowMs, deadlineMs: nowMs + this.config.podExtendMs, pods: new Set([podKey]) };
    } else if (!this.podWindow.pods.has(podKey)) {
      this.podWindow.pods.add(podKey);
      this.podWindow.deadlineMs = Math.min(this.podWindow.openedAtMs + this.config.podMaxWindowMs, nowMs + this.config.podExtendMs);
    }
    this.reasons.add('unschedulable-pods');
    this.arm();
  }

  nodeGroupChanged(): void {
    this.debounce('nodegroup-changed');
  }

  nodePressure(): void {
    this.debounce('node-pressure');
  }

  /** Start-up and manual: as soon as possible. The in-cluster webhook: as soon as its interval allows (coalesced). */
  now(reason: TriggerReason): void {
    const nowMs = this.clock.now();
    this.reasons.add(reason);
    if (reason === 'webhook') {
      const atMs = Math.max(nowMs, (this.lastWebhookFiredAtMs ?? -Infinity) + this.config.webhookMinIntervalMs);
      this.webhookAtMs = Math.min(this.webhookAtMs ?? Infinity, atMs);
    } else {
      this.debounceAtMs = nowMs;
    }
    this.arm();
  }

  /**
   * A reconcile finished: the next heartbeat is due a heartbeat from now, or sooner when the plan asked
   * (`nextContactInMs` = the plan's nextContactAfterMs − issuedAtMs, so clock skew does not matter).
   */
  reconciled(nextContactInMs?: number): void {
    let delayMs = this.config.heartbeatMs;
    if (nextContactInMs !== undefined && Number.isFinite(nextContactInMs)) {
      delayMs = Math.min(delayMs, Math.max(this.config.minContactIntervalMs, nextContactInMs));
    }
    this.heartbeatAtMs = this.clock.now() + delayMs;
    this.arm();
  }

  /** Pods in the open window (for tests and metrics). */
  get pendingPods(): number {
    return this.podWindow?.pods.size ?? 0;
  }

  /** When the next fire is due, epoch ms: the earliest request, but never within minContactIntervalMs of the last fire. */
  get nextFireAtMs(): number {
    const wantedAtMs = Math.min(this.podWindow?.deadlineMs ?? Infinity, this.debounceAtMs ?? Infinity, this.webhookAtMs ?? Infinity, this.heartbeatAtMs);
    return Math.max(wantedAtMs, (this.lastFiredAtMs ?? -Infinity) + this.config.minContactIntervalMs);
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) this.clock.clearTimeout(this.timer);
    this.timer = undefined;
  }

  private debounce(reason: TriggerReason): void {
    this.reasons.add(reason);
    const atMs = this.clock.now() + this.config.debounceMs;
    this.debounceAtMs = this.debounceAtMs === undefined ? atMs : Math.min(this.debounceAtMs, atMs);
    this.arm();
  }

  private arm(): void {
    if (this.stopped) return;
    if (this.timer) this.clock.clearTimeout(this.timer);
    const delayMs = Math.max(0, this.nextFireAtMs - this.clock.now());
    this.timer = this.clock.setTimeout(() => this.fire(), delayMs);
  }

  private fire(): void {
    this.timer = undefined;
    const nowMs = this.clock.now();
    if (this.nextFireAtMs > nowMs) return this.arm();
    const reasons = [...this.reasons];
    if (this.heartbeatAtMs <= nowMs && reasons.length === 0) reasons.push('heartbeat');
    this.reasons.clear();
    this.podWindow = undefined;
    this.debounceAtMs = undefined;
    // Any fire serves the webhooks waiting for it; their interval restarts from here.
    if (reasons.includes('webhook')) this.lastWebhookFiredAtMs = nowMs;
    this.webhookAtMs = undefined;
    this.lastFiredAtMs = nowMs;
    // Until reconciled() says otherwise, the heartbeat keeps its rhythm even if the reconcile hangs.
    this.heartbeatAtMs = nowMs + this.config.heartbeatMs;
    this.arm();
    this.options.onFire(reasons);
  }
}
