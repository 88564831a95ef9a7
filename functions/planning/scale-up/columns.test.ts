import { describe, expect, it } from 'vitest';
import { buildSnapshot, emptyState, NO_RESERVATIONS, nodeGroup, offering, pendingPods, shape, testPolicy } from '../../../test/fixtures/planning-builders.ts';
import { plan } from '../plan.ts';
import { bestPattern } from './columns.ts';
import { solveCovering } from './covering-lp.ts';
import type { PackClass, PackTemplate } from './pack.ts';
import { solve } from './solve.ts';

// Issue 16, medium problems: column generation over node patterns (columns.ts, covering-lp.ts).
// Every expectation is derived by hand in the comment next to it.

const GiB = 1024 ** 3;
const template = (cpuMillis: number, memoryGiB: number, priceMonthly: number, pods = 110, group = 0): PackTemplate => ({ free: { cpuMillis, memoryBytes: memoryGiB * GiB, ephemeralBytes: 100 * GiB, pods }, priceMonthly, group, preferred: false });
const cls = (cpuMillis: number, memoryGiB: number, count: number, templates: PackTemplate[], o: Partial<PackClass> = {}): PackClass => ({
  requests: { cpuMillis, memoryBytes: memoryGiB * GiB, ephemeralBytes: 0 },
  count,
  capPerNode: templates.map((t) => Math.min(count, t.free.pods, Math.floor(t.free.cpuMillis / cpuMillis), Math.floor(t.free.memoryBytes / (memoryGiB * GiB)))),
  ...o,
});

describe('scale-up on medium problems (column generation)', () => {
  it('40 × 3000m + 120 × 1600m + 40 × 100m on 7900m nodes: 40 nodes ($1600), each 3000 + 3 × 1600 + 100', () => {
    // CPU in all: 120 000 + 192 000 + 4 000 = 316 000m = 40 × 7900, so 40 nodes is the least, and the
    // pattern 1 × 3000 + 3 × 1600 + 1 × 100 = 7900 fills each exactly. The greedy's first node takes
    // two 3000m pods (largest first) and then cannot reach 7900; 41³ DP states are too many for the
    // exact search. (Memory 1Gi a pod: 5 per node, far below 32Gi.)
    const kubelet = { kubeReserved: { cpu: '100m', memory: '0' }, systemReserved: { cpu: '0', memory: '0' }, evictionHard: { 'memory.available': '0' } };
    const r = plan(buildSnapshot({
      offerings: [offering('c8', 8, 32768, 40)],
      groups: [nodeGroup('g', { offeringIDs: ['c8'], kubelet, maxNodes: 100, nodeOverhead: { monthlyCost: 0 } })],
      pods: [
        ...pendingPods('big', shape({ cpu: '3000m', memory: '1Gi' }), 40),
        ...pendingPods('mid', shape({ cpu: '1600m', memory: '1Gi' }), 120),
        ...pendingPods('tiny', shape({ cpu: '100m', memory: '1Gi' }), 40),
      ],
    }), emptyState(), testPolicy({ fewerNodesTolerancePercent: 0 }), 1_000_000);
    expect(r.provision).toEqual([{ nodeGroup: 'default/g', offering: 'c8', count: 40, monthlyCost: 1600 }]);
    expect(r.unschedulable).toEqual([]);
  });

  it('keeps every answer valid: pods exactly the counts, each node within its template, rooms kept (seeded medium cases)', () => {
    let seed = 99;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
    const int = (lo: number, hi: number) => lo + Math.floor(rnd() * (hi - lo + 1));
    let viaColumns = 0;
    for (let trial = 0; trial < 30; trial++) {
      const templates = Array.from({ length: int(2, 4) }, (_, i) => template(1000 * 2 ** int(1, 4), 2 ** int(1, 6), int(5, 120), 110, i % 2));
      const classes = Array.from({ length: int(3, 6) }, () => cls(int(1, 40) * 50, int(1, 24) * 0.25, int(10, 40), templates));
      if (classes.some((c) => c.capPerNode.every((k) => k === 0))) continue;
      const groups = [{ room: int(5, 200), allowMixedInstances: true }, { room: int(5, 200), allowMixedInstances: true }];
      const s = solve(classes, templates, groups, 200_000);
      if (s.method === 'columns') viaColumns++;
      const placed = classes.map(() => 0);
      const used = groups.map(() => 0);
      for (const p of s.patterns) {
        const t = templates[p.template]!;
        used[t.group]! += p.nodes;
        const cpu = p.pods.reduce((sum, [c, n]) => sum + n * classes[c]!.requests.cpuMillis, 0);
        const memory = p.pods.reduce((sum, [c, n]) => sum + n * classes[c]!.requests.memoryBytes, 0);
        expect(cpu).toBeLessThanOrEqual(t.free.cpuMillis);
        expect(memory).toBeLessThanOrEqual(t.free.memoryBytes);
        for (const [c, n] of p.pods) placed[c]! += n * p.nodes;
      }
      used.forEach((n, g) => expect(n).toBeLessThanOrEqual(groups[g]!.room));
      // Everything placed, or (rooms too small) never more than there are.
      placed.forEach((n, c) => expect(n).toBeLessThanOrEqual(classes[c]!.count));
      if (s.method === 'columns') expect(placed).toEqual(classes.map((c) => c.count));
    }
    expect(viaColumns).toBeGreaterThan(0);
  });
});

describe('solveCovering', () => {
  it('3 pods, a column of 2 per $10 node: z = 1.5, $15', () => {
    const r = solveCovering([3], [{ cost: 10, a: [2] }], [], () => [], 10)!;
    expect(r.objective).toBeCloseTo(15, 9);
    expect(r.z).toEqual([1.5]);
    expect(r.optimal).toBe(true);
  });

  it('takes the oracle\'s column: 2 + 2 pods, one of each per $1 node → $2 (the start, one class a node, costs $4)', () => {
    // Duals at the start are y = (1, 1): the pair column is worth 2 > its price 1, so it enters.
    const pair = { cost: 1, a: [1, 1] };
    const r = solveCovering([2, 2], [{ cost: 1, a: [1, 0] }, { cost: 1, a: [0, 1] }], [], (y) => (y[0]! + y[1]! > 1 + 1e-9 ? [pair] : []), 20)!;
    expect(r.objective).toBeCloseTo(2, 9);
    expect(r.z[2]).toBeCloseTo(2, 9);
  });
});

describe('bestPattern', () => {
  const t = template(4000, 8, 10, 2);
  it('most value on one node within the pod limit: y = (3, 2), 2 pods a node → A + A? A is capped at 1, so A + B = 5', () => {
    const classes = [cls(1000, 1, 5, [t], { capPerNode: [1] }), cls(1000, 1, 5, [t])];
    expect(bestPattern(classes, t, 0, [3, 2], [5, 5], 10_000)).toMatchObject({ value: 5, pods: [[0, 1], [1, 1]] });
  });

  it('honours conflicts: A and B may not share a node, so B + B = 4 beats A alone = 3', () => {
    const classes = [cls(1000, 1, 5, [t], { capPerNode: [1], conflicts: new Set([1]) }), cls(1000, 1, 5, [t], { conflicts: new Set([0]) })];
    expect(bestPattern(classes, t, 0, [3, 2], [5, 5], 10_000)).toMatchObject({ value: 4, pods: [[1, 2]] });
  });

  it('2-D: CPU and memory both bind (4 CPU, 8 GiB): 2 × (1.5 CPU, 1 GiB) + 1 × (1 CPU, 6 GiB) = 2 × 2 + 3 = 7', () => {
    // Alone: 2 of A (3 CPU; a third needs 4.5) = 4, or 1 of B (two need 12 GiB) = 3; together
    // A A B = 4 CPU, 8 GiB, exactly full, value 7.
    const u = template(4000, 8, 10);
    const classes = [cls(1500, 1, 5, [u]), cls(1000, 6, 5, [u])];
    expect(bestPattern(classes, u, 0, [2, 3], [5, 5], 10_000)).toMatchObject({ value: 7, pods: [[0, 2], [1, 1]] });
  });
});
