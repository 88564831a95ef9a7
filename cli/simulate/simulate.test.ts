import { describe, expect, it } from 'vitest';
import { HOURS_PER_MONTH } from './metrics.ts';
import { summaryLine, toJson } from './report.ts';
import { groupYaml, simulateYaml } from './test-helpers.ts';

// Small traces (4 h) through the whole simulation: the real plan() each step, the simulated world,
// both baselines. Expected figures are worked out by hand from the offerings, not read back.

const ALL = ['small-2c4g', 'medium-4c8g', 'large-8c16g', 'xlarge-16c32g'];

/** A scaled-down batch-bursts: a steady frontend and one 35-minute burst of large pods. */
const BURST = `durationHours: 4
stepSeconds: 60
${groupYaml(ALL)}workloads:
  - name: frontend
    requests: { cpu: 250m, memory: 512Mi }
    pdb: { maxUnavailable: 1 }
    replicas: [[0h, 6], [4h, 6]]
  - name: batch
    requests: { cpu: 2, memory: 4Gi }
    replicas: [[0h, 0], [1h, 0], [1h05m, 12], [1h35m, 12], [1h40m, 0], [4h, 0]]
`;

/** A scaled-down diurnal: a ramp to a plateau and back, under a PDB allowing one disruption. */
const RAMP = `durationHours: 4
stepSeconds: 60
${groupYaml(ALL)}workloads:
  - name: web
    requests: { cpu: 250m, memory: 512Mi }
    pdb: { maxUnavailable: 1 }
    replicas: [[0h, 4], [1h, 4], [1h30m, 40], [2h30m, 40], [3h, 4], [4h, 4]]
`;

describe('simulate: the static baseline is the cheapest fleet holding the peak', () => {
  it('one offering: ceil(peak / pods per node) nodes, all day', () => {
    // small-2c4g: 2000m − 200m reserved = 1800m allocatable → three 500m pods per node; peak 10 → 4 nodes.
    const r = simulateYaml(`durationHours: 4\n${groupYaml(['small-2c4g'])}workloads:\n  - name: web\n    requests: { cpu: 500m, memory: 256Mi }\n    replicas: [[0h, 2], [1h, 10], [2h, 2]]\n`);
    expect(r.static.fleet.nodes).toEqual([{ nodeGroup: 'default/workers', offering: 'small-2c4g', count: 4 }]);
    expect(r.static.cost).toBeCloseTo((4 * 12 / HOURS_PER_MONTH) * 4, 10);
  });

  it('a mix when no single offering is cheapest: 4 one-core pods → 1 medium (3 pods) + 1 small (1 pod) = $36, not $48', () => {
    const r = simulateYaml(`durationHours: 2\n${groupYaml(['small-2c4g', 'medium-4c8g'])}workloads:\n  - name: job\n    requests: { cpu: 1, memory: 1Gi }\n    replicas: [[0h, 1], [1h, 4], [2h, 1]]\n`);
    expect(r.static.fleet.monthlyCost).toBe(36);
    expect(r.static.fleet.nodes).toEqual(expect.arrayContaining([
      { nodeGroup: 'default/workers', offering: 'small-2c4g', count: 1 },
      { nodeGroup: 'default/workers', offering: 'medium-4c8g', count: 1 },
    ]));
    expect(r.static.fleet.lowerBoundMonthly).toBeLessThanOrEqual(36);
  });
});

describe('simulate: the project against its baselines', () => {
  const burst = simulateYaml(BURST);

  it('bursts: at least 40 % cheaper than static, no dearer than CA-like, over 60 % utilized', () => {
    expect(burst.savingsVsStaticPercent).toBeGreaterThanOrEqual(40);
    expect(burst.project.cost).toBeLessThanOrEqual(burst.caLike.cost);
    expect(burst.utilizationPercent).toBeGreaterThan(60);
    // The burst's 12 pods got nodes and gave them back.
    expect(burst.project.vmCreates).toBeGreaterThan(1);
    expect(burst.project.vmDeletes).toBeGreaterThan(0);
    expect(summaryLine(burst)).toMatch(/^summary: cost=\d+\.\d\d static=\d+\.\d\d savings=\d+\.\d% ca-like=\d+\.\d\d utilization=\d+\.\d% pending-pod-minutes=\d+ vm-creates=\d+ min-vm-lifetime=(\d+s|none)$/);
  });

  it('the CA-like baseline runs one offering: the cheapest that holds the largest pod (2 cores, 4Gi → medium-4c8g)', () => {
    expect(burst.caLikeOfferings).toEqual({ 'default/workers': 'medium-4c8g' });
  });

  it('a ramp down under a PDB: nodes are removed and no pod is left pending by it', () => {
    const ramp = simulateYaml(RAMP);
    expect(ramp.project.vmDeletes).toBeGreaterThan(0);
    expect(ramp.project.podsPendingBecauseOfScaleDown).toBe(0);
    expect(ramp.caLike.podsPendingBecauseOfScaleDown).toBe(0);
    expect(ramp.project.cost).toBeLessThan(ramp.static.cost);
  });

  it('is deterministic for a seed, and the seed draws the launch delays', () => {
    const again = simulateYaml(BURST, 1);
    expect(toJson(again)).toBe(toJson(burst));
    expect(JSON.stringify(again.project.samples)).toBe(JSON.stringify(burst.project.samples));
    const other = simulateYaml(BURST, 2);
    expect(JSON.stringify(other.project.samples)).not.toBe(JSON.stringify(burst.project.samples));
  });

  it('pods wait for the VM and its join: fixed 120 s + 60 s delays give waits of 3 minutes, not less', () => {
    const r = simulateYaml(`durationHours: 2
stepSeconds: 30
provisioning: { launchSeconds: 120, joinSeconds: 60 }
${groupYaml(['medium-4c8g'])}workloads:
  - name: web
    requests: { cpu: 1, memory: 1Gi }
    replicas: [[0h, 2], [1h, 2], [1h00m30s, 12], [2h, 12]]
`);
    // Pods created at 1h00m30s become unschedulable at once, the plan launches then, the nodes join 180 s later.
    expect(r.project.longestWaitSeconds).toBeGreaterThanOrEqual(180);
    expect(r.project.longestWaitSeconds).toBeLessThanOrEqual(180 + 2 * 30);
    expect(r.project.pendingPodMinutes).toBeGreaterThan(0);
  });

  it('reconciles on the forwarder\'s timing, not once per step: a quiet hour at 300 s steps is a heartbeat every 30 s', () => {
    const r = simulateYaml(`durationHours: 1
stepSeconds: 300
${groupYaml(['medium-4c8g'])}workloads:
  - name: web
    requests: { cpu: 1, memory: 1Gi }
    replicas: [[0h, 2]]
`);
    // The start-up reconcile and then 3600 s / 30 s heartbeats (nothing pending, nothing in progress).
    expect(r.project.reconciles).toBe(1 + 3600 / 30);
    expect(r.project.samples).toHaveLength(1 + 3600 / 300);
  });
});
