import { describe, expect, it } from 'vitest';
import { optimumFleet, type NodePlan } from './optimum.ts';

// Hand-derived cases for the benchmark's exact solver (each expected value worked out in the comment).

const plan = (nickname: string, cpuMillis: number, memoryMiB: number, pricePerHour: number, maxPods = 110): NodePlan => ({ nickname, cpuMillis, memoryMiB, maxPods, pricePerHour });

describe('optimumFleet', () => {
  it('one plan: 3 pods of 1 CPU on 2-CPU nodes need 2 nodes', () => {
    const r = optimumFleet([{ cpuMillis: 1000, memoryMiB: 1024, count: 3 }], [plan('p2', 2000, 4096, 1)]);
    expect(r).toMatchObject({ pricePerHour: 2, nodes: 2, fleet: { p2: 2 } });
  });

  it('picks the cheaper mix: 5 × 1 CPU → one 4-CPU ($3) + one 1-CPU ($1), not 5 small ($5) or 2 big ($6)', () => {
    const plans = [plan('small', 1000, 2048, 1), plan('big', 4000, 8192, 3)];
    expect(optimumFleet([{ cpuMillis: 1000, memoryMiB: 1024, count: 4 }], plans)).toMatchObject({ pricePerHour: 3, fleet: { big: 1 } });
    expect(optimumFleet([{ cpuMillis: 1000, memoryMiB: 1024, count: 5 }], plans)).toMatchObject({ pricePerHour: 4, nodes: 2, fleet: { big: 1, small: 1 } });
  });

  it('memory-bound pods go to the memory plan: 4 × 3000Mi → one 16Gi node ($3) rather than four 4Gi nodes ($4)', () => {
    const r = optimumFleet([{ cpuMillis: 100, memoryMiB: 3000, count: 4 }], [plan('cpu', 4000, 4096, 1), plan('mem', 1000, 16384, 3)]);
    expect(r).toMatchObject({ pricePerHour: 3, nodes: 1, fleet: { mem: 1 } });
  });

  it('honours the pod limit: 5 tiny pods on nodes of 2 pods need 3 nodes', () => {
    const r = optimumFleet([{ cpuMillis: 100, memoryMiB: 100, count: 5 }], [plan('p', 4000, 8192, 1, 2)]);
    expect(r).toMatchObject({ pricePerHour: 3, nodes: 3 });
  });

  it('mixes classes on a node: 2 CPU-heavy + 2 memory-heavy pods pair up on 2 nodes (4 if each class kept apart)', () => {
    const r = optimumFleet(
      [{ cpuMillis: 1500, memoryMiB: 500, count: 2 }, { cpuMillis: 500, memoryMiB: 1500, count: 2 }],
      [plan('p', 2000, 2048, 1)],
    );
    expect(r).toMatchObject({ pricePerHour: 2, nodes: 2 });
  });

  it('refuses a pod no plan can hold', () => {
    expect(() => optimumFleet([{ cpuMillis: 5000, memoryMiB: 1, count: 1 }], [plan('p', 4000, 8192, 1)])).toThrow(/no plan holds/);
  });
});
