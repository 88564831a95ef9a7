import { describe, expect, it } from 'vitest';
import { buildSnapshot, emptyState, NO_RESERVATIONS, nodeGroup, offering, pendingPods, shape, testPolicy, type TestPod } from '../../../test/fixtures/planning-builders.ts';
import { plan } from '../plan.ts';
import { arrivalMs, burstHold, fillsAsTheBatch, nodeFill } from './burst.ts';

// Issue #22: while a burst still arrives, only well-filled new nodes are launched; the less-filled
// ones wait for the rest of the burst (1 s idle as Karpenter's batcher; max 30 s by default, 10 s in
// the cases below that are about the max wait, as Karpenter's).

describe('burstHold', () => {
  it('holds while the last arrival is younger than the idle time, until idle after it', () => {
    expect(burstHold(600, [0, 300], 900, 1_000, 10_000)).toEqual({ untilMs: 1_600, lastArrivalMs: 600, oldestHeldMs: 0 });
  });

  it('releases once no pod arrived for the idle time, or nothing is held', () => {
    expect(burstHold(600, [0], 1_600, 1_000, 10_000)).toBeUndefined();
    expect(burstHold(600, [], 900, 1_000, 10_000)).toBeUndefined();
  });

  it('releases once the oldest held pod has waited the max wait, even while pods keep coming', () => {
    expect(burstHold(9_500, [0, 5_000], 9_800, 1_000, 10_000)).toEqual({ untilMs: 10_000, lastArrivalMs: 9_500, oldestHeldMs: 0 });
    expect(burstHold(9_900, [0, 5_000], 10_000, 1_000, 10_000)).toBeUndefined();
  });

  it('is off with an idle time of 0, and a clock ahead of ours cannot hold past the idle time', () => {
    expect(burstHold(900, [0], 1_000, 0, 10_000)).toBeUndefined();
    expect(burstHold(60_000, [500], 1_000, 1_000, 10_000)).toEqual({ untilMs: 2_000, lastArrivalMs: 1_000, oldestHeldMs: 500 });
  });
});

describe('arrivalMs and nodeFill', () => {
  it('takes the later of creation and verdict, a whole-second stamp at its second\'s end', () => {
    expect(arrivalMs({ createdAtMs: 5_000, unschedulableSinceMs: 7_000 })).toBe(7_999);
    expect(arrivalMs({ createdAtMs: 5_250 })).toBe(5_250);
    expect(arrivalMs({ createdAtMs: 8_000, unschedulableSinceMs: 7_000 })).toBe(8_999);
  });

  it('is the largest share of CPU, memory or pod slots requested', () => {
    const node = (cpu: number, mem: number, pods: number) => ({ allocatable: { cpuMillis: 1000, memoryBytes: 1000, ephemeralBytes: 0, pods: 10 }, requested: { cpuMillis: cpu, memoryBytes: mem, ephemeralBytes: 0, pods } });
    expect(nodeFill(node(500, 950, 1))).toBe(0.95);
    expect(nodeFill(node(100, 100, 10))).toBe(1);
    expect(nodeFill(node(0, 0, 0))).toBe(0);
  });
});

describe('fillsAsTheBatch', () => {
  const GiB = 1024 ** 3;
  const node = (cpuMillis: number, memGiB: number) => ({ allocatable: { cpuMillis: 8000, memoryBytes: 16 * GiB, ephemeralBytes: 0, pods: 110 }, requested: { cpuMillis, memoryBytes: memGiB * GiB, ephemeralBytes: 0, pods: 10 } });
  const free = { cpuMillis: 8000, memoryBytes: 16 * GiB, pods: 110 };
  it('wants the binding resource nearly full and the others at the batch\'s share of them', () => {
    // The batch: 40 CPU and 80 GiB = 5 nodes by memory, 5 by CPU: a node must be full of both.
    const even = { cpuMillis: 40_000, memoryBytes: 80 * GiB, pods: 50 };
    expect(fillsAsTheBatch(node(7_500, 15), even, free)).toBe(true);
    expect(fillsAsTheBatch(node(2_000, 15.5), even, free)).toBe(false); // full of memory pods, CPU idle
    // The batch: 10 CPU and 80 GiB = 5 nodes by memory, 1.25 by CPU: a quarter of the CPU is enough.
    const memoryHeavy = { cpuMillis: 10_000, memoryBytes: 80 * GiB, pods: 50 };
    expect(fillsAsTheBatch(node(2_000, 15.5), memoryHeavy, free)).toBe(true);
    expect(fillsAsTheBatch(node(1_000, 15.5), memoryHeavy, free)).toBe(false);
    expect(fillsAsTheBatch(node(8_000, 12), memoryHeavy, free)).toBe(false);
  });
});

describe('the scale-up during a burst', () => {
  const NOW = 10_000_000;
  const web = shape({ cpu: '1', memory: '1Gi' });
  // 8 CPU for 40, 2 CPU for 10: the same price per CPU, so with the node overhead (3.65) the 8-CPU
  // node is the cheapest per CPU and the largest. 11 pods → 1 × l (8 pods) + 2 × m (2 + 1 pods).
  const parts = (pods: TestPod[]) => buildSnapshot({
    offerings: [offering('m', 2, 4096, 10), offering('l', 8, 16384, 40)],
    groups: [nodeGroup('workers', { offeringIDs: ['m', 'l'], kubelet: NO_RESERVATIONS, maxNodes: 50 })],
    pods,
  });
  const at = (ms: number, n: number, prefix: string, judged = true) => pendingPods(prefix, web, n, { createdAtMs: ms, ...(judged ? { unschedulableSinceMs: ms } : { unschedulableSinceMs: undefined }) });
  const launched = (r: ReturnType<typeof plan>) => Object.fromEntries(r.provision.map((p) => [p.offering, p.count]));

  it('while pods arrive, launches the full nodes of the largest cheapest offering and holds the others', () => {
    const r = plan(parts([...at(NOW - 700, 6, 'a'), ...at(NOW - 300, 5, 'b')]), emptyState(), testPolicy(), NOW);
    // The full 2-CPU node waits too: the rest of the burst may fill an 8-CPU one instead.
    expect(launched(r)).toEqual({ l: 1 });
    expect(r.decisions.find((d) => d.reason === 'burst-arriving')?.message).toContain('launching 1 new node(s) now (filled as the burst fills nodes, of the largest offering at the lowest price per unit); 3 pending pod(s) for 2 other node(s) wait until');
    expect(r.nextContactAfterMs).toBe(NOW + 700); // the last arrival (NOW − 300) + 1 s (the default idle time)
    expect(r.unschedulable).toEqual([]);
  });

  it('launches the burst\'s first node when none passes the rule and nothing is on its way; later plans hold as before', () => {
    // 7 pods: one l node at 7/8 of its CPU (87.5 % < 90 %), which the rule alone would hold.
    const first = plan(parts(at(NOW - 300, 7, 'a')), emptyState(), testPolicy(), NOW);
    expect(launched(first)).toEqual({ l: 1 });
    expect(first.decisions.find((d) => d.reason === 'burst-arriving')).toBeUndefined(); // nothing left to hold
    // 8 more arrive while it is on its way: one fits it; the other 7 would again fill an l to 7/8: it waits.
    const second = plan(parts([...at(NOW - 300, 7, 'a'), ...at(NOW + 500, 8, 'b')]), first.state, testPolicy(), NOW + 800);
    expect(launched(second)).toEqual({});
    expect(second.decisions.find((d) => d.reason === 'burst-arriving')?.details).toMatchObject({ launchedNow: 0, heldNodes: 1, heldPods: 7, firstOfBurst: false });
    // 14 pods seen at once with nothing on its way: one l (8 pods, full) passes the rule; the rest wait.
    const together = plan(parts([...at(NOW + 500, 7, 'a'), ...at(NOW + 500, 7, 'b')]), emptyState(), testPolicy(), NOW + 800);
    expect(launched(together)).toEqual({ l: 1 });
    expect(together.decisions.find((d) => d.reason === 'burst-arriving')?.details).toMatchObject({ launchedNow: 1, heldPods: 6, firstOfBurst: false });
  });

  it('a pending pod the scheduler has not judged yet counts as arriving now, unless it is older than the max wait', () => {
    // 5 judged pods (3 × m: none full and largest) and 3 created 2 s ago the scheduler has not judged.
    const policy = testPolicy({ scaleUpBatchMaxMs: 10_000 });
    const r = plan(parts([...at(NOW - 5_000, 5, 'a'), ...at(NOW - 2_000, 3, 'b', false)]), emptyState(), policy, NOW);
    expect(launched(r)).toEqual({});
    expect(r.decisions.find((d) => d.reason === 'burst-arriving')?.message).toContain('3 not yet judged by the scheduler');
    expect(r.nextContactAfterMs).toBe(NOW + 1_000);
    // One left unjudged for 10 s (a scheduling gate, another scheduler) no longer holds anything.
    const stale = plan(parts([...at(NOW - 5_000, 5, 'a'), ...at(NOW - 10_000, 1, 'gated', false)]), emptyState(), policy, NOW);
    expect(launched(stale)).toEqual({ m: 3 });
  });

  it('launches the rest once the burst has settled, and once the held pods waited the max wait while pods keep arriving', () => {
    const settled = plan(parts([...at(NOW - 1_700, 6, 'a'), ...at(NOW - 1_100, 5, 'b')]), emptyState(), testPolicy(), NOW);
    // Stamped NOW − 1 s, a whole second: it may have arrived up to NOW − 1 ms, so it still holds.
    expect(launched(plan(parts([...at(NOW - 1_700, 6, 'a'), ...at(NOW - 1_000, 5, 'b')]), emptyState(), testPolicy(), NOW))).toEqual({ l: 1 });
    expect(settled.decisions.some((d) => d.reason === 'burst-arriving')).toBe(false);
    expect(launched(settled)).toEqual({ l: 1, m: 2 });
    // 11 pods pending since NOW − 10.001 s while pods not yet judged keep coming.
    const waiting = [...at(NOW - 10_001, 11, 'old'), ...at(NOW - 2_000, 2, 'new', false)];
    const max10 = testPolicy({ scaleUpBatchMaxMs: 10_000 });
    expect(launched(plan(parts(waiting), emptyState(), max10, NOW))).toEqual({ l: 1, m: 2 });
    expect(launched(plan(parts(waiting), emptyState(), max10, NOW - 200))).toEqual({ l: 1 });
    // With the default max wait (30 s) they still wait at NOW: the burst keeps arriving.
    expect(launched(plan(parts(waiting), emptyState(), testPolicy(), NOW))).toEqual({ l: 1 });
  });

  it('does not hold with scaleUpBatchIdleMs 0', () => {
    const r = plan(parts(at(NOW - 100, 11, 'a')), emptyState(), testPolicy({ scaleUpBatchIdleMs: 0 }), NOW);
    expect(launched(r)).toEqual({ l: 1, m: 2 });
  });
});
