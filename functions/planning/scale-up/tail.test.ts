import { describe, expect, it } from 'vitest';
import type { PackClass, PackGroup, PackTemplate } from './pack.ts';
import { improveTail } from './tail.ts';

const GiB = 1024 ** 3;
const template = (cpuMillis: number, price: number, group = 0): PackTemplate => ({ free: { cpuMillis, memoryBytes: 64 * GiB, ephemeralBytes: 100 * GiB, pods: 110 }, priceMonthly: price, group, preferred: false });
const cls = (cpuMillis: number, count: number, caps: number[]): PackClass => ({ requests: { cpuMillis, memoryBytes: 0, ephemeralBytes: 0 }, count, capPerNode: caps });
const group = (room: number, allowMixedInstances = true): PackGroup => ({ room, allowMixedInstances });
const nodes = (patterns: { nodes: number }[]) => patterns.reduce((s, p) => s + p.nodes, 0);

describe('improveTail', () => {
  // Nodes of 10 CPU at $1; pods 2 × 6 and 2 × 4. Given: [6] [6] [4 4] = 3 nodes; 6 + 4 = 10 twice = 2 nodes.
  const classes = [cls(6, 2, [1]), cls(4, 2, [2])];
  const given = [{ template: 0, pods: [[0, 1]] as [number, number][], nodes: 2 }, { template: 0, pods: [[1, 2]] as [number, number][], nodes: 1 }];

  it('re-solves the least-filled nodes together: 3 nodes become 2, every pod kept', () => {
    const { patterns } = improveTail(given, classes, [template(10, 1)], [group(10)], 100_000);
    expect(nodes(patterns)).toBe(2);
    expect(patterns).toEqual([{ template: 0, pods: [[0, 1], [1, 1]], nodes: 2 }]);
  });

  it('keeps the given nodes when the budget is spent before an answer', () => {
    expect(improveTail(given, classes, [template(10, 1)], [group(10)], 1).patterns).toEqual(given);
  });

  it('with mixing off, the repaired set uses one offering', () => {
    // Nodes [6] [6] [4 4] [6 4] of 10 CPU at $1 ($4). All four are re-solved: on the 10-CPU offering
    // 3 × [6 4] = $3; on the 8-CPU one at $0.5 (6 + 4 > 8): 3 × [6] + 1 × [4 4] + 1 × [4] = 5 nodes, $2.5
    // (a mix is no cheaper: [6 4] on a 10 + 2 × [6] + [4 4] on 8s is $2.5 too), all on one offering.
    const four = [...given, { template: 0, pods: [[0, 1], [1, 1]] as [number, number][], nodes: 1 }];
    const more = [cls(6, 3, [1, 1]), cls(4, 3, [2, 2])];
    const { patterns } = improveTail(four, more, [template(10, 1), template(8, 0.5)], [group(10, false)], 100_000);
    expect(new Set(patterns.map((p) => p.template))).toEqual(new Set([1]));
    expect(patterns.reduce((s, p) => s + p.nodes * 0.5, 0)).toBe(2.5);
  });
});
