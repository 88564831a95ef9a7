import { describe, expect, it } from 'vitest';
import { configurationBound, exactFleet, integerCapacityBound, priceOffering, type BoundOffering, type BoundShape } from './configuration-bound.ts';

// Hand-derived cases for the benchmark's lower bound (each expected value worked out in the comment).

const off = (cpuMillis: number, memoryMiB: number, price: number, maxPods = 110): BoundOffering => ({ cpuMillis, memoryMiB, maxPods, price });
const pods = (cpuMillis: number, memoryMiB: number, count: number): BoundShape => ({ cpuMillis, memoryMiB, count });

describe('configurationBound', () => {
  it('pods that fit one per node: count × cheapest fitting price (5 × $10; the 2-pod $30 node costs $15 a pod)', async () => {
    const r = await configurationBound([pods(1500, 1024, 5)], [off(2000, 4096, 10), off(4000, 8192, 30), off(1000, 8192, 1)], { ilp: true });
    expect(r.bound).toBeCloseTo(50, 6);
    expect(r.ilp).toBeCloseTo(50, 6);
    expect(r.converged).toBe(true);
  });

  it('knows pods are indivisible: 3 × 1200m on 2-CPU $10 nodes → $30 (the CPU relaxation says $18)', async () => {
    const r = await configurationBound([pods(1200, 512, 3)], [off(2000, 4096, 10)]);
    expect(r.bound).toBeCloseTo(30, 6);
  });

  it('is a relaxation: 3 × 1000m on 2-CPU $10 nodes → LP $15 (1.5 nodes of two pods), integer $20', async () => {
    const r = await configurationBound([pods(1000, 512, 3)], [off(2000, 4096, 10)], { ilp: true });
    expect(r.bound).toBeCloseTo(15, 6);
    expect(r.ilp).toBeCloseTo(20, 6);
  });

  it('generates mixed patterns: 2 CPU-heavy + 2 memory-heavy pods pair up on 2 × $1 nodes (the starting single-shape patterns cost $4)', async () => {
    const r = await configurationBound([pods(1500, 500, 2), pods(500, 1500, 2)], [off(2000, 2048, 1)], { ilp: true });
    expect(r.bound).toBeCloseTo(2, 6);
    expect(r.ilp).toBeCloseTo(2, 6);
    expect(r.patterns).toBeGreaterThan(2);
  });

  it('honours the pod limit: 5 tiny pods on $1 nodes of 2 pods → LP 2.5, integer 3', async () => {
    const r = await configurationBound([pods(100, 100, 5)], [off(4000, 8192, 1, 2)], { ilp: true });
    expect(r.bound).toBeCloseTo(2.5, 6);
    expect(r.ilp).toBeCloseTo(3, 6);
  });

  it('caps a pattern at the pods there are: 3 pods that would fit 8 on a $8 node vs 1 on a $2 node → $6 (not 3/8 × $8 = $3)', async () => {
    const r = await configurationBound([pods(500, 512, 3)], [off(4000, 4096, 8), off(500, 512, 2)]);
    expect(r.bound).toBeCloseTo(6, 6);
  });

  it('refuses a pod no offering holds', async () => {
    await expect(configurationBound([pods(5000, 1, 1)], [off(4000, 8192, 1)])).rejects.toThrow(/no offering holds/);
  });
});

describe('priceOffering', () => {
  // Against brute force over every count vector (a different method), on a grid of small cases.
  const brute = (shapes: BoundShape[], o: BoundOffering, y: number[]): number => {
    let best = 0;
    const visit = (k: number, cpu: number, mem: number, n: number, value: number): void => {
      if (cpu > o.cpuMillis || mem > o.memoryMiB || n > o.maxPods) return;
      if (k === shapes.length) { best = Math.max(best, value); return; }
      for (let a = 0; a <= shapes[k]!.count; a++) visit(k + 1, cpu + a * shapes[k]!.cpuMillis, mem + a * shapes[k]!.memoryMiB, n + a, value + a * y[k]!);
    };
    visit(0, 0, 0, 0, 0);
    return best;
  };

  it('finds the best pattern (2-D knapsack with a pod limit) on 200 seeded cases', () => {
    let seed = 12345;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
    const int = (lo: number, hi: number) => lo + Math.floor(rnd() * (hi - lo + 1));
    for (let trial = 0; trial < 200; trial++) {
      const shapes = Array.from({ length: int(1, 4) }, () => pods(int(1, 20) * 100, int(1, 20) * 256, int(1, 6)));
      const o = off(int(1, 8) * 1000, int(1, 16) * 1024, 10, int(1, 12));
      const y = shapes.map(() => Math.round(rnd() * 100) / 10);
      const got = priceOffering(shapes, o, y);
      expect(got.value).toBeCloseTo(brute(shapes, o, y), 9);
      expect(got.upper).toBeCloseTo(got.value, 9);
      // The pattern it returns is one: fits and is worth what it says.
      expect(got.counts.reduce((s, a, i) => s + a * shapes[i]!.cpuMillis, 0)).toBeLessThanOrEqual(o.cpuMillis);
      expect(got.counts.reduce((s, a, i) => s + a * shapes[i]!.memoryMiB, 0)).toBeLessThanOrEqual(o.memoryMiB);
      expect(got.counts.reduce((s, a) => s + a, 0)).toBeLessThanOrEqual(o.maxPods);
      expect(got.counts.reduce((s, a, i) => s + a * y[i]!, 0)).toBeCloseTo(got.value, 9);
    }
  });
});

describe('integerCapacityBound', () => {
  it('whole nodes of total CPU: 5 × 1000m on 2-CPU $10 and 4-CPU $15 nodes → $25 (4 + 2 CPUs; 3 small or 2 big cost $30)', () => {
    expect(integerCapacityBound([pods(1000, 100, 5)], [off(2000, 4096, 10), off(4000, 4096, 15)])).toBe(25);
  });

  it('whole nodes of total memory: 3 × 3Gi on 4Gi $4 and 8Gi $7 nodes → $11 (9Gi needs 12Gi: 8 + 4)', () => {
    expect(integerCapacityBound([pods(100, 3072, 3)], [off(4000, 4096, 4), off(4000, 8192, 7)])).toBe(11);
  });

  it('the pod limit counts too: 7 tiny pods on $1 nodes of 3 pods → $3', () => {
    expect(integerCapacityBound([pods(1, 1, 7)], [off(4000, 8192, 1, 3)])).toBe(3);
  });

  it('is below the fleet when pods are indivisible: 3 × 1200m on 2-CPU $10 nodes → $20 (3.6 CPUs: 2 nodes; the fleet needs 3)', () => {
    expect(integerCapacityBound([pods(1200, 512, 3)], [off(2000, 4096, 10)])).toBe(20);
  });
});

describe('exactFleet', () => {
  it('closes the LP gap: 3 × 1000m on 2-CPU $10 nodes → $20 (LP $15)', async () => {
    expect(await exactFleet([pods(1000, 512, 3)], [off(2000, 4096, 10)], 30)).toMatchObject({ optimum: 20 });
  });

  it('finds the cheaper mix: 5 × 1 CPU on 1-CPU $1 and 4-CPU $3 nodes → $4 (one big + one small; LP $3.75)', async () => {
    expect(await exactFleet([pods(1000, 1024, 5)], [off(1000, 2048, 1), off(4000, 8192, 3)], 10)).toMatchObject({ optimum: 4 });
  });

  it('pairs shapes: 2 CPU-heavy + 2 memory-heavy on $1 nodes of 2 CPU / 2 GiB → $2, also by the MIP when the DP is too big', async () => {
    const shapes = [pods(1500, 500, 2), pods(500, 1500, 2)];
    expect(await exactFleet(shapes, [off(2000, 2048, 1)], 4)).toMatchObject({ optimum: 2 });
    expect(await exactFleet(shapes, [off(2000, 2048, 1)], 4, { maxStates: 1 })).toMatchObject({ optimum: 2 });
  });
});
