import { describe, expect, it } from 'vitest';
import { buildSnapshot, emptyState, NO_RESERVATIONS, nodeGroup, offering, pendingPods, shape, testPolicy } from '../../../test/fixtures/planning-builders.ts';
import { plan } from '../plan.ts';
import { exactPack } from './exact.ts';
import type { PackClass, PackTemplate } from './pack.ts';

// Issue 16: packings first-fit-decreasing misses, and the offering choice with mixing off.
// Every expectation below is derived by hand in the comment next to it.

const NOW = 1_000_000;
const GiB = 1024 ** 3;

describe('scale-up packing that first-fit-decreasing misses', () => {
  it('2 pods of 3000m and 6 of 1600m on one 8-CPU plan (7900m usable) take 2 nodes, not 3', () => {
    // 3000 + 3 × 1600 = 7800 ≤ 7900 per node, so two nodes hold everything (15 600m in all > 7900: one
    // is not enough). FFD puts both 3000m pods and one 1600m on node 1 (7600m), leaving 5 × 1600 =
    // 8000m > 7900: it buys a third node.
    const kubelet = { kubeReserved: { cpu: '100m', memory: '0' }, systemReserved: { cpu: '0', memory: '0' }, evictionHard: { 'memory.available': '0' } };
    const r = plan(buildSnapshot({
      offerings: [offering('c8', 8, 32768, 40)],
      groups: [nodeGroup('g', { offeringIDs: ['c8'], kubelet })],
      pods: [...pendingPods('big', shape({ cpu: '3000m', memory: '1Gi' }), 2), ...pendingPods('mid', shape({ cpu: '1600m', memory: '1Gi' }), 6)],
    }), emptyState(), testPolicy(), NOW);
    expect(r.provision).toEqual([{ nodeGroup: 'default/g', offering: 'c8', count: 2, monthlyCost: 80 }]);
    expect(r.unschedulable).toEqual([]);
  });

  it('allowMixedInstances false: five small nodes ($60) rather than three large ones ($69)', () => {
    // small 4 CPU / 8 GiB $12, large 8 / 16 $23; pods 5 × (700m, 3584Mi) and 6 × (200m, 2560Mi).
    // Memory binds: 5 × 3584 + 6 × 2560 = 33 280 MiB. Large (16 384 MiB): ⌈33 280 / 16 384⌉ = 3 nodes,
    // $69. Small (8192 MiB): ≥ ⌈4.06⌉ = 5, and 5 suffice: [2 big] [2 big] [1 big + 1 mid] [3 mid]
    // [2 mid] → $60. The greedy locked the group on the large offering (its first node scores best).
    const r = plan(buildSnapshot({
      offerings: [offering('small', 4, 8192, 12), offering('large', 8, 16384, 23)],
      // Prices only (no node overhead, no fewer-nodes tolerance): the case is about the search finding
      // the cheapest; with the defaults 3 × large is within 3 % of 5 × small and fewer nodes, and wins.
      groups: [nodeGroup('g', { offeringIDs: ['small', 'large'], kubelet: NO_RESERVATIONS, allowMixedInstances: false, nodeOverhead: { monthlyCost: 0 } })],
      pods: [...pendingPods('big', shape({ cpu: '700m', memory: '3584Mi' }), 5), ...pendingPods('mid', shape({ cpu: '200m', memory: '2560Mi' }), 6)],
    }), emptyState(), testPolicy({ fewerNodesTolerancePercent: 0 }), NOW);
    expect(r.provision).toEqual([{ nodeGroup: 'default/g', offering: 'small', count: 5, monthlyCost: 60 }]);
    expect(r.unschedulable).toEqual([]);
  });
});

describe('exactPack', () => {
  const template = (cpuMillis: number, price: number, pods = 110): PackTemplate => ({ free: { cpuMillis, memoryBytes: 64 * GiB, ephemeralBytes: 100 * GiB, pods }, priceMonthly: price, group: 0, preferred: false });
  const cls = (cpuMillis: number, count: number, caps: number[], extra: Partial<PackClass> = {}): PackClass => ({ requests: { cpuMillis, memoryBytes: 0, ephemeralBytes: 0 }, count, capPerNode: caps, ...extra });

  it('finds the perfect packing: 3 × 5, 3 × 3, 3 × 2 on nodes of 10 take 3 nodes', () => {
    // Σ = 15 + 9 + 6 = 30 = 3 × 10: at least 3 nodes, and 3 × (5 + 3 + 2) reach it.
    const result = exactPack([cls(5, 3, [2]), cls(3, 3, [3]), cls(2, 3, [5])], [template(10, 7)], [0], 100_000)!;
    expect(result.cost).toBe(21);
    expect(result.patterns.reduce((s, p) => s + p.nodes, 0)).toBe(3);
  });

  it('chooses between offerings: 3 pods of 6 on nodes of 10 ($5, one pod each) or 20 ($8 or $16, three pods)', () => {
    // One large holds all three (18 ≤ 20): $8 < 3 × $5. At $16 the three small nodes ($15) win.
    expect(exactPack([cls(6, 3, [1, 3])], [template(10, 5), template(20, 8)], [0, 1], 100_000)!.cost).toBe(8);
    expect(exactPack([cls(6, 3, [1, 3])], [template(10, 5), template(20, 16)], [0, 1], 100_000)!.cost).toBe(15);
  });

  it('honours conflicts and per-node caps', () => {
    // Class 0 and 1 may not share a node: 1 pod each on a node of 10 → 2 nodes; cap 1 per node for
    // class 2 (anti-affinity) with 3 pods → 3 nodes, which may hold the others: 3 nodes in all.
    const classes = [cls(1, 1, [5], { conflicts: new Set([1]) }), cls(1, 1, [5], { conflicts: new Set([0]) }), cls(1, 3, [1])];
    expect(exactPack(classes, [template(10, 1)], [0], 100_000)!.cost).toBe(3);
    expect(exactPack(classes.slice(0, 2), [template(10, 1)], [0], 100_000)!.cost).toBe(2);
  });

  it('answers "unknown" (undefined) when the budget runs out, and when a class fits nowhere', () => {
    const many = [cls(7, 9, [1]), cls(3, 9, [3]), cls(2, 9, [5]), cls(1, 9, [10])];
    expect(exactPack(many, [template(10, 1)], [0], 10)).toBeUndefined();
    expect(exactPack([cls(20, 1, [0])], [template(10, 1)], [0], 100_000)).toBeUndefined();
  });
});
