import { describe, expect, it } from 'vitest';
import type { ForwarderLimits } from '../../shared/snapshot.ts';
import { commandsOf, runPlan } from '../../test/fixtures/plan-helpers.ts';
import { nodeGroup, snapNode, snapPod, snapshot, TEST_NOW_MS, vm } from '../../test/fixtures/snapshot-builders.ts';

// The launch window (issue 22): the planner never plans more creates than the forwarder will accept
// (limits.launchesRemaining), and says so. Six pending 3-CPU pods, one group of 4-CPU "medium" nodes
// only: one pod per node, so the pods alone say that six nodes are needed.

const limits = (launchesRemaining: number): ForwarderLimits => ({
  windowMs: 600_000, deletionsPerWindow: 100, deletionsRemaining: 100, launchesPerWindow: 50, launchesRemaining,
  maxNodesLeaving: 10, maxClusterVms: 100, maxMonthlyCost: 5000, maxCommandsPerPlan: 1000, maxEventsPerPlan: 200,
});
const pending = Array.from({ length: 6 }, (_, i) => snapPod({ name: `big-${i}`, cpu: '3', memory: '1Gi', labels: { app: 'big' }, unschedulableSinceMs: TEST_NOW_MS - 60_000 }));
const world = (l?: ForwarderLimits) => snapshot({
  nodeGroups: [nodeGroup({ name: 'workers', offeringIDs: ['medium'], minNodes: 0, maxNodes: 20 })],
  nodes: [],
  pods: pending,
  ...(l ? { limits: l } : {}),
});
const policy = { assumeWindowsElapsed: true };
const creates = (r: ReturnType<typeof runPlan>) => commandsOf(r, 'createVm');

describe('launch pacing by the forwarder\'s window', () => {
  it('plans one node per pending pod when the window has room', () => {
    expect(creates(runPlan(world(limits(50)), { policy }))).toHaveLength(6);
    expect(creates(runPlan(world(), { policy }))).toHaveLength(6);
  });

  it('launches only what the window still covers and says the rest waits', () => {
    const r = runPlan(world(limits(4)), { policy });
    expect(creates(r)).toHaveLength(4);
    expect(r.provision.reduce((n, p) => n + p.count, 0)).toBe(4);
    expect(r.decisions).toContainEqual(expect.objectContaining({
      reason: 'launch-budget', message: expect.stringContaining('2 of 6 planned node(s) not launched now (2 pending pod(s) wait)'),
    }));
    expect(r.nextContactAfterMs).toBeLessThanOrEqual(TEST_NOW_MS + 60_000);
  });

  it('launches nothing when the window is used up', () => {
    const r = runPlan(world(limits(0)), { policy });
    expect(creates(r)).toEqual([]);
    expect(r.state.operations.filter((op) => op.kind === 'launch')).toEqual([]);
    expect(r.decisions.some((d) => d.reason === 'launch-budget')).toBe(true);
  });
});

describe('replacements need a launch and a deletion', () => {
  // A large 8-CPU node holding one 1-CPU pod, next to a full medium node: consolidation replaces the
  // large node with a cheaper one (consolidation/replace.ts), which needs one create.
  const OLD = TEST_NOW_MS - 20 * 24 * 3_600_000;
  const cluster = (l: ForwarderLimits) => snapshot({
    nodeGroups: [nodeGroup({ name: 'workers', offeringIDs: ['small', 'medium', 'large'], maxNodes: 10 })],
    nodes: [
      snapNode({ name: 'test-big', group: 'workers', instanceType: 'large', cpu: '8', memory: '16Gi', createdAtMs: OLD, providerID: 'vpsie://101' }),
      snapNode({ name: 'test-busy', group: 'workers', instanceType: 'medium', cpu: '4', memory: '8Gi', createdAtMs: OLD, providerID: 'vpsie://102' }),
    ],
    pods: [
      snapPod({ name: 'app', node: 'test-big', cpu: '1', memory: '1Gi', labels: { app: 'app' } }),
      snapPod({ name: 'filler', node: 'test-busy', cpu: '3500m', memory: '1Gi', labels: { app: 'filler' } }),
    ],
    vms: [vm({ hostname: 'test-big', identifier: '101', marked: true }), vm({ hostname: 'test-busy', identifier: '102', marked: true })],
    limits: l,
  });

  it('replaces when the window has room, and not when it has none', () => {
    expect(creates(runPlan(cluster(limits(1)), { policy }))).toHaveLength(1);
    const r = runPlan(cluster(limits(0)), { policy });
    expect(creates(r)).toEqual([]);
    expect(r.decisions).toContainEqual(expect.objectContaining({ kind: 'keep-node', target: 'node test-big', message: expect.stringContaining('launch budget') }));
  });

  it('does not launch a replacement whose old node the deletion window could not take', () => {
    const r = runPlan(cluster({ ...limits(50), deletionsRemaining: 0 }), { policy });
    expect(creates(r)).toEqual([]);
    expect(r.decisions).toContainEqual(expect.objectContaining({ kind: 'keep-node', reason: 'deletion-budget', message: expect.stringContaining('kept: test-big') }));
  });
});
