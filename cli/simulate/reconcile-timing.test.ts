import { describe, expect, it } from 'vitest';
import { ReconcileTiming } from './reconcile-timing.ts';

// The simulated forwarder's reconcile times, against the batcher's documented rules (forwarder/batcher.ts):
// heartbeat 30 s, a plan's nextContactAfterMs sooner, pods batched for 0.5 s (at most 1 s), 1 s apart at least.

describe('simulated reconcile timing', () => {
  it('starts at once, then every 30 s when nothing asks sooner', () => {
    const t = new ReconcileTiming(0);
    expect(t.nextAtMs).toBe(0);
    t.reconciled(0, 30_000 + 5_000);
    expect(t.nextAtMs).toBe(30_000);
  });

  it('comes back when the plan asks (a drain in progress), but never within 1 s of the last reconcile', () => {
    const t = new ReconcileTiming(0);
    t.reconciled(0, 4_000);
    expect(t.nextAtMs).toBe(4_000);
    t.reconciled(4_000, 4_000);
    expect(t.nextAtMs).toBe(5_000);
  });

  it('batches newly unschedulable pods: 0.5 s after the first, pushed by later ones, closed 1 s after it opened', () => {
    const t = new ReconcileTiming(0);
    t.reconciled(0, 30_000);
    t.podsUnschedulable(0, 2_000);
    expect(t.nextAtMs).toBe(30_000);
    t.podsUnschedulable(5, 2_000);
    expect(t.nextAtMs).toBe(2_500);
    t.podsUnschedulable(1, 2_300);
    expect(t.nextAtMs).toBe(2_800);
    for (let at = 2_400; at <= 14_000; at += 400) t.podsUnschedulable(1, at);
    expect(t.nextAtMs).toBe(3_000);
    t.reconciled(3_000, 100_000);
    expect(t.nextAtMs).toBe(33_000);
  });
});
