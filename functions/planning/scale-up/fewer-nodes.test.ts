import { describe, expect, it } from 'vitest';
import { buildSnapshot, emptyState, NO_RESERVATIONS, nodeGroup, offering, pendingPods, shape, testPolicy } from '../../../test/fixtures/planning-builders.ts';
import { plan } from '../plan.ts';
import type { Policy } from '../types.ts';

// Issue #22: a per-node cost (spec.nodeOverhead) and a preference for fewer nodes among fleets within
// a cost tolerance. The catalogue is linear on purpose: 31 pods of 1 CPU / 1 GiB (no reservations),
//   small: 1 CPU / 1 GiB at 10.00  → 31 nodes, 310.00 (the cheapest by price)
//   big:   3 CPU / 3 GiB at 30.60  → 10 big + 1 small = 11 nodes, 316.00 (+1.94 %)
// Worked out by hand: 31 = 3 × 10 + 1; a big node costs 2 % more per pod than three small ones.

const NOW = 10_000_000;
const pod = shape({ cpu: '1', memory: '1Gi' });
const catalogue = [offering('small', 1, 1024, 10), offering('big', 3, 3072, 30.6)];

function run(overhead: number, policy: Partial<Policy>) {
  const snapshot = buildSnapshot({
    offerings: catalogue,
    groups: [nodeGroup('workers', { offeringIDs: ['small', 'big'], kubelet: NO_RESERVATIONS, nodeOverhead: { monthlyCost: overhead } })],
    pods: pendingPods('web', pod, 31),
  });
  return plan(snapshot, emptyState(), testPolicy(policy), NOW);
}
const fleet = (r: ReturnType<typeof run>) => Object.fromEntries(r.provision.map((p) => [p.offering, p.count]));

describe('fewer nodes within the cost tolerance', () => {
  it('takes 11 nodes over 31 when they cost 1.9 % more and the tolerance is 3 %, and says what the tolerance bought', () => {
    const r = run(0, { fewerNodesTolerancePercent: 3 });
    expect(fleet(r)).toEqual({ big: 10, small: 1 });
    expect(r.unschedulable).toEqual([]);
    const decision = r.decisions.find((d) => d.reason === 'fewer-nodes');
    expect(decision?.message).toContain('chose 11 node(s) for 316.00/month over 31 node(s) for 310.00/month (+1.9 %, within the 3 % fewer-nodes tolerance');
    expect(decision?.details).toMatchObject({ nodes: 11, cheapestNodes: 31 });
  });

  it('keeps the cheapest fleet when the fewer nodes cost more than the tolerance allows', () => {
    const r = run(0, { fewerNodesTolerancePercent: 1 });
    expect(fleet(r)).toEqual({ small: 31 });
    expect(r.decisions.some((d) => d.reason === 'fewer-nodes')).toBe(false);
  });

  it('a node overhead alone makes the big nodes the cheapest (no tolerance needed), and the cost reported stays the real price', () => {
    // With 1.00 per node: 31 × 11.00 = 341.00 against 10 × 31.60 + 11.00 = 327.00.
    const r = run(1, { fewerNodesTolerancePercent: 0 });
    expect(fleet(r)).toEqual({ big: 10, small: 1 });
    expect(r.monthlyCostDelta).toBeCloseTo(316, 6);
    expect(r.provision.reduce((s, p) => s + p.monthlyCost, 0)).toBeCloseTo(316, 6);
    expect(r.decisions.some((d) => d.reason === 'fewer-nodes')).toBe(false);
  });

  it('with no overhead and no tolerance the plan is the cheapest by price', () => {
    expect(fleet(run(0, { fewerNodesTolerancePercent: 0 }))).toEqual({ small: 31 });
  });
});
