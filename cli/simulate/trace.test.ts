import { describe, expect, it } from 'vitest';
import { formatTraceTime, parseTraceTimeMs } from './durations.ts';
import { SimulateInputError } from './input-error.ts';
import { breakpointsMs, parseTrace, replicasAt } from './trace.ts';

const GROUPS = `nodeGroups:
  - name: workers
    spec: { maxNodes: 5, datacenterID: dc-1, osImageID: os-1, offeringIDs: [small-2c4g] }
`;
const valid = (workloads: string) => `durationHours: 4\nstepSeconds: 60\n${GROUPS}workloads:\n${workloads}`;

function problem(text: string): string {
  try {
    parseTrace(text, 'trace.yaml');
  } catch (error) {
    expect(error).toBeInstanceOf(SimulateInputError);
    return (error as Error).message;
  }
  throw new Error('the trace was accepted');
}

describe('trace times', () => {
  it('reads hours, minutes and seconds', () => {
    expect(parseTraceTimeMs('0h')).toBe(0);
    expect(parseTraceTimeMs('7h30m')).toBe(27_000_000);
    expect(parseTraceTimeMs('90m')).toBe(5_400_000);
    expect(parseTraceTimeMs('1h0m15s')).toBe(3_615_000);
    expect(parseTraceTimeMs(45)).toBe(45_000);
    expect(parseTraceTimeMs('7:30')).toBeUndefined();
    expect(parseTraceTimeMs('')).toBeUndefined();
    expect(formatTraceTime(27_000_000)).toBe('7h30m');
  });
});

describe('parseTrace', () => {
  it('accepts the documented format and applies defaults', () => {
    const trace = parseTrace(valid('  - name: web\n    requests: { cpu: 250m, memory: 512Mi }\n    replicas: [[0h, 2], [1h, 10]]\n'), 't');
    expect(trace.workloads[0]).toMatchObject({ name: 'web', namespace: 'default', requests: { cpu: 250, memory: 512 * 1024 * 1024 }, replicas: [[0, 2], [3_600_000, 10]] });
    expect(trace.provisioning).toEqual({});
  });

  it('names the field of every problem', () => {
    expect(problem(valid('  - name: web\n    requests: { cpu: lots, memory: 1Gi }\n    replicas: [[0h, 1]]\n'))).toMatch(/workloads\.0\.requests\.cpu: "lots" is not a Kubernetes quantity/);
    expect(problem(valid('  - name: web\n    requests: { cpu: 1, memory: 1Gi }\n    replicas: [[2h, 1], [1h, 3]]\n'))).toMatch(/workloads\.0\.replicas\.1\.0: times must increase \(1h after 2h\)/);
    expect(problem(valid('  - name: web\n    requests: { cpu: 1, memory: 1Gi }\n    replicas: [[soon, 1]]\n'))).toMatch(/"soon" is not a time/);
    expect(problem(valid('  - name: Web_1\n    requests: { cpu: 1, memory: 1Gi }\n    replicas: [[0h, 1]]\n'))).toMatch(/workloads\.0\.name: lowercase letters/);
    expect(problem(valid('  - name: web\n    requests: { cpu: 1, memory: 1Gi }\n    replica: [[0h, 1]]\n'))).toMatch(/replica: unknown field/);
    expect(problem('durationHours: 1\nworkloads: []\n')).toMatch(/workloads: needs at least one workload/);
    expect(problem('durationHours: 1\nstepSeconds: 1\nworkloads: []\n')).toMatch(/stepSeconds: must be at least 10/);
    expect(problem('durationHours: [1\n')).toMatch(/trace\.yaml: invalid YAML/);
    expect(problem(valid('  - name: web\n    requests: { cpu: 1, memory: 1Gi }\n    replicas: [[0h, 1]]\n  - name: web\n    requests: { cpu: 1, memory: 1Gi }\n    replicas: [[0h, 1]]\n'))).toMatch(/workload default\/web is listed twice/);
  });

  it('bounds what a trace may ask for', () => {
    expect(problem('durationHours: 1000\nworkloads: []\n')).toMatch(/durationHours: must be at most 168/);
    expect(problem(valid('  - name: web\n    requests: { cpu: 1, memory: 1Gi }\n    replicas: [[0h, 5001]]\n'))).toMatch(/replicas\.0\.1/);
  });
});

describe('replicasAt', () => {
  const w = { replicas: [[3_600_000, 4], [7_200_000, 10], [10_800_000, 10]] as [number, number][] };
  it('is constant before the first point and after the last, linear between', () => {
    expect(replicasAt(w, 0)).toBe(4);
    expect(replicasAt(w, 3_600_000)).toBe(4);
    expect(replicasAt(w, 5_400_000)).toBe(7); // half way from 4 to 10
    expect(replicasAt(w, 4_200_000)).toBe(5); // 4 + 6 × 1/6
    expect(replicasAt(w, 9_000_000)).toBe(10);
    expect(replicasAt(w, 99_000_000)).toBe(10);
  });

  it('peaks only at points: the static baseline checks each of them', () => {
    const trace = parseTrace(valid('  - name: web\n    requests: { cpu: 1, memory: 1Gi }\n    replicas: [[0h, 1], [1h, 3], [6h, 1]]\n'), 't');
    expect(breakpointsMs(trace)).toEqual([0, 3_600_000, 4 * 3_600_000]);
  });
});
