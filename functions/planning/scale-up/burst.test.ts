import { describe, expect, it } from 'vitest';
import { buildSnapshot, emptyState, NO_RESERVATIONS, nodeGroup, offering, pendingPods, shape, testPolicy, type TestPod } from '../../../test/fixtures/planning-builders.ts';
import { plan } from '../plan.ts';
import { burstHold } from './burst.ts';

// Issue #22: pods that arrive together are planned together (Karpenter: 1 s idle, 10 s max; ours 800 ms, 10 s).

describe('burstHold', () => {
  it('holds while the last arrival is younger than the idle time, until idle after it', () => {
    expect(burstHold([0, 300, 600], 900, 1_000, 10_000)).toEqual({ untilMs: 1_600, firstArrivalMs: 0, lastArrivalMs: 600 });
  });

  it('plans once no pod arrived for the idle time', () => {
    expect(burstHold([0, 300, 600], 1_600, 1_000, 10_000)).toBeUndefined();
  });

  it('plans at the max wait after the first arrival even while pods keep coming', () => {
    const every500 = (untilMs: number) => Array.from({ length: untilMs / 500 + 1 }, (_, i) => i * 500);
    expect(burstHold(every500(9_500), 9_800, 1_000, 10_000)).toEqual({ untilMs: 10_000, firstArrivalMs: 0, lastArrivalMs: 9_500 });
    expect(burstHold(every500(10_000), 10_000, 1_000, 10_000)).toBeUndefined();
  });

  it('an old pending pod does not start the burst: the max wait counts from the burst that reaches now', () => {
    // A pod stuck since 0, a burst from 50 000 on: the hold ends at 50 000 + 10 000 at the latest.
    expect(burstHold([0, 50_000, 50_400], 50_500, 1_000, 10_000)).toEqual({ untilMs: 51_400, firstArrivalMs: 50_000, lastArrivalMs: 50_400 });
  });

  it('is off with an idle time of 0, and a clock ahead of ours cannot hold past the max wait', () => {
    expect(burstHold([900], 1_000, 0, 10_000)).toBeUndefined();
    expect(burstHold([60_000], 1_000, 1_000, 10_000)).toEqual({ untilMs: 2_000, firstArrivalMs: 1_000, lastArrivalMs: 1_000 });
  });
});

describe('the scale-up during a burst', () => {
  const NOW = 10_000_000;
  const web = shape({ cpu: '1', memory: '1Gi' });
  const parts = (pods: TestPod[]) => buildSnapshot({
    offerings: [offering('m', 2, 4096, 10), offering('l', 8, 16384, 40)],
    groups: [nodeGroup('workers', { offeringIDs: ['m', 'l'], kubelet: NO_RESERVATIONS, maxNodes: 50 })],
    pods,
  });
  const at = (ms: number, n: number, prefix: string, judged = true) => pendingPods(prefix, web, n, { createdAtMs: ms, ...(judged ? { unschedulableSinceMs: ms } : { unschedulableSinceMs: undefined }) });

  it('holds while pods arrive, says so and asks to come back when the burst has settled', () => {
    const r = plan(parts([...at(NOW - 700, 4, 'a'), ...at(NOW - 300, 4, 'b')]), emptyState(), testPolicy(), NOW);
    expect(r.commands.filter((c) => c.kind === 'createVm')).toEqual([]);
    expect(r.decisions.find((d) => d.reason === 'burst-arriving')?.message).toContain('8 pending pod(s) need new nodes');
    expect(r.nextContactAfterMs).toBe(NOW + 500); // the last arrival (NOW − 300) + 800 ms (the default idle time)
    expect(r.unschedulable).toEqual([]);
  });

  it('counts a pending pod the scheduler has not judged yet as arriving now, unless it is older than the max wait', () => {
    // Created 2 s ago (timestamps are whole seconds) and not judged yet: on its way to the scheduler.
    const r = plan(parts([...at(NOW - 5_000, 4, 'a'), ...at(NOW - 2_000, 3, 'b', false)]), emptyState(), testPolicy(), NOW);
    expect(r.commands.filter((c) => c.kind === 'createVm')).toEqual([]);
    expect(r.decisions.find((d) => d.reason === 'burst-arriving')?.message).toContain('3 not yet judged by the scheduler');
    expect(r.nextContactAfterMs).toBe(NOW + 800);
    // One left unjudged for 10 s (a scheduling gate, another scheduler) no longer holds anything.
    const stale = plan(parts([...at(NOW - 5_000, 4, 'a'), ...at(NOW - 10_000, 1, 'gated', false)]), emptyState(), testPolicy(), NOW);
    expect(stale.provision.reduce((s, p) => s + p.count, 0)).toBeGreaterThan(0);
  });

  it('plans the whole burst once it has settled, and at the max wait while pods keep arriving', () => {
    const settled = plan(parts([...at(NOW - 1_700, 4, 'a'), ...at(NOW - 1_000, 4, 'b')]), emptyState(), testPolicy(), NOW);
    expect(settled.decisions.some((d) => d.reason === 'burst-arriving')).toBe(false);
    expect(settled.provision).toEqual([expect.objectContaining({ offering: 'l', count: 1 })]); // 8 pods, one 8-CPU node
    const trickle = Array.from({ length: 20 }, (_, i) => at(NOW - 10_000 + i * 500, 1, `p${i}`)).flat(); // the last at NOW − 500
    const atMax = plan(parts(trickle), emptyState(), testPolicy(), NOW);
    expect(atMax.decisions.some((d) => d.reason === 'burst-arriving')).toBe(false);
    expect(atMax.provision.reduce((s, p) => s + p.count, 0)).toBeGreaterThan(0);
    const before = plan(parts(trickle), emptyState(), testPolicy(), NOW - 200);
    expect(before.commands.filter((c) => c.kind === 'createVm')).toEqual([]);
  });

  it('does not hold with scaleUpBatchIdleMs 0', () => {
    const r = plan(parts(at(NOW - 100, 4, 'a')), emptyState(), testPolicy({ scaleUpBatchIdleMs: 0 }), NOW);
    expect(r.provision.reduce((s, p) => s + p.count, 0)).toBeGreaterThan(0);
  });
});
