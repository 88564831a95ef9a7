import type { SnapshotPod } from '../../../shared/snapshot.ts';

// Pods that arrive together are planned together (issue #22). A Deployment scaled to 300 does not
// reach the scheduler at once: the ReplicaSet controller creates its pods in batches and the
// scheduler judges them one by one, so a reconcile during the burst sees only part of it. Planning
// that part buys nodes sized for it, and the next reconcile adds more for the rest — more nodes than
// the whole burst needs, and a different fleet on every run (it depends on where the cut fell).
//
// So while the burst still arrives, the scale-up for pending pods waits, as Karpenter's batcher does
// (BATCH_IDLE_DURATION 1 s, BATCH_MAX_DURATION 10 s):
//
//   arrivals  a  a a  a    a                    (a pod created, or judged unschedulable)
//             |──|─|──|────|────── idle ──▶ plan  (no arrival for idleMs: the burst is complete)
//             first ───────────── max ────▶ plan  (never later than maxMs after its first pod)
//
// A pod's arrival is the later of its creation and the scheduler's unschedulable verdict (whole
// seconds: Kubernetes timestamps); a pending pod the scheduler has not judged yet arrives now (it is
// on its way; the caller counts only young ones, so a pod gated for long does not hold every burst).
// Arrivals closer than idleMs to the next one form the burst; only the burst that reaches now holds
// (an old pending pod does not make a new one wait). The planner is pure: "now" is the plan's time,
// and the plan asks to be called back (nextContactAfterMs) when the hold ends.
//
// The default idle time is 800 ms, shorter than the forwarder's own 1 s window (forwarder/batcher.ts):
// a burst the forwarder saw complete is not held again for a clock skew between the functions and the
// API server of up to 200 ms (a needless hold costs a reconcile, ≥ 1 s).

export interface BurstHold {
  /** When the plan should look again: the idle time after the last arrival, or the max wait. */
  untilMs: number;
  firstArrivalMs: number;
  lastArrivalMs: number;
}

/** When a pending pod arrived: its creation, or the scheduler's verdict when later. */
export function arrivalMs(pod: Pick<SnapshotPod, 'createdAtMs' | 'unschedulableSinceMs'>): number {
  return Math.max(pod.createdAtMs, pod.unschedulableSinceMs ?? -Infinity);
}

/** Whether to hold the scale-up for pods arriving at these times; undefined = plan now. */
export function burstHold(arrivalsMs: readonly number[], nowMs: number, idleMs: number, maxMs: number): BurstHold | undefined {
  if (idleMs <= 0 || arrivalsMs.length === 0) return undefined;
  // A clock ahead of ours must not make a pod arrive in the future (and hold longer than maxMs).
  const sorted = arrivalsMs.map((t) => Math.min(t, nowMs)).sort((a, b) => b - a);
  const lastArrivalMs = sorted[0]!;
  if (nowMs - lastArrivalMs >= idleMs) return undefined;
  let firstArrivalMs = lastArrivalMs;
  for (const t of sorted) {
    if (firstArrivalMs - t >= idleMs) break;
    firstArrivalMs = t;
  }
  const maxEndMs = firstArrivalMs + Math.max(idleMs, maxMs);
  if (nowMs >= maxEndMs) return undefined;
  return { untilMs: Math.min(lastArrivalMs + idleMs, maxEndMs), firstArrivalMs, lastArrivalMs };
}
