import { describe, expect, it } from 'vitest';
import { instantBound } from './instant-bound.ts';
import { buildGroups, traceGroups } from './setup.ts';
import { groupYaml, TEST_OFFERINGS } from './test-helpers.ts';
import { parseTrace } from './trace.ts';


describe('instant bound', () => {
  it('the cheapest fleet of each step, by hand: 1 one-core pod on a small, then 3 on a medium', () => {
    const trace = parseTrace(`durationHours: 2
stepSeconds: 3600
${groupYaml(['small-2c4g', 'medium-4c8g'])}workloads:
  - name: web
    requests: { cpu: 1, memory: 1Gi }
    replicas: [[0h, 1], [1h, 3], [2h, 3]]
`, 'test');
    const bound = instantBound(trace, buildGroups(traceGroups(trace), TEST_OFFERINGS).groups, TEST_OFFERINGS);
    // 0-1 h: one pod → a small ($12/month); 1-2 h: three (a small holds one 1-core pod, 1.8 cores
    // allocatable) → a medium ($24) is cheaper than three smalls. The sample at 2 h closes the day.
    expect(bound.cost).toBeCloseTo((12 + 24) / 730, 10);
    // Allocatable: small 1800m / 4096Mi − 612Mi, medium 3800m / 8192Mi − 612Mi (kubelet reservations).
    const small = (1000 / 1800 + 1024 / (4096 - 612)) / 2;
    const medium = (3000 / 3800 + 3072 / (8192 - 612)) / 2;
    expect(bound.utilizationPercent).toBeCloseTo(((small + 2 * medium) / 3) * 100, 6);
  });
});
