import { describe, expect, it } from 'vitest';
import { commandsOf, runPlan } from '../../test/fixtures/plan-helpers.ts';
import { nodeGroup, snapNode, snapshot, vm } from '../../test/fixtures/snapshot-builders.ts';
import type { ForwarderLimits } from '../../shared/snapshot.ts';

// Pacing (issue 22): the planner never starts a removal the forwarder will refuse to finish. Five
// empty nodes of one group; the forwarder's window allows two more deletions.

const names = ['test-empt1', 'test-empt2', 'test-empt3', 'test-empt4', 'test-empt5'];
const limits = (over: Partial<ForwarderLimits> = {}): ForwarderLimits => ({
  windowMs: 600_000, deletionsPerWindow: 10, deletionsRemaining: 2, launchesPerWindow: 50, launchesRemaining: 50,
  maxNodesLeaving: 10, maxClusterVms: 100, maxMonthlyCost: 5000, maxCommandsPerPlan: 1000, maxEventsPerPlan: 200, ...over,
});
const world = (l?: ForwarderLimits) => snapshot({
  nodeGroups: [nodeGroup({ name: 'workers', offeringIDs: ['medium'], minNodes: 0, disruption: { budgets: [{ nodes: '100%' }] } })],
  nodes: names.map((name) => snapNode({ name, group: 'workers', instanceType: 'medium' })),
  vms: names.map((hostname, i) => vm({ hostname, identifier: String(100 + i), marked: true })),
  pods: [],
  ...(l ? { limits: l } : {}),
});
const policy = { assumeWindowsElapsed: true, maxEmptyRemovalsPerGroup: 10 };
const taints = (r: ReturnType<typeof runPlan>) => commandsOf(r, 'taintNode').map((c) => c.node);

describe('removal pacing by the forwarder\'s limits', () => {
  it('starts only as many removals as the deletion budget covers, and says it waits for the rest', () => {
    const r = runPlan(world(limits()), { policy });
    expect(taints(r)).toEqual(['test-empt1', 'test-empt2']);
    expect(r.kept.filter((k) => k.reason === 'deletion-budget').map((k) => k.node)).toEqual(['test-empt3', 'test-empt4', 'test-empt5']);
    expect(r.decisions).toContainEqual(expect.objectContaining({ kind: 'keep-node', reason: 'deletion-budget', message: expect.stringContaining('deletion budget for its 10-minute window') }));
  });

  it('counts the removals already in progress against the budget', () => {
    const first = runPlan(world(limits()), { policy });
    // The next reconcile: the same two deletions are still left in the window, both taken by the drains started.
    const second = runPlan(world(limits()), { state: first.state, policy, nowMs: first.state.operations[0]!.createdAtMs + 10_000 });
    expect(taints(second).filter((n) => !['test-empt1', 'test-empt2'].includes(n))).toEqual([]);
  });

  it('honours the cap on nodes leaving at once', () => {
    const r = runPlan(world(limits({ deletionsRemaining: 10, maxNodesLeaving: 3 })), { policy });
    expect(taints(r)).toEqual(['test-empt1', 'test-empt2', 'test-empt3']);
    expect(r.kept.filter((k) => k.reason === 'nodes-leaving')).toHaveLength(2);
  });

  it('with the defaults, starts 50 empty nodes\' removals in one batch up to the forwarder\'s budget and cap', () => {
    // Default NodeGroup (its default budgets) and default policy, save the windows: only the forwarder's numbers vary.
    const fifty = Array.from({ length: 50 }, (_, i) => `test-e${String(i).padStart(2, '0')}`);
    const burst = (l: ForwarderLimits) => snapshot({
      nodeGroups: [nodeGroup({ name: 'workers', offeringIDs: ['medium'], minNodes: 0, maxNodes: 100 })],
      nodes: fifty.map((name) => snapNode({ name, group: 'workers', instanceType: 'medium' })),
      vms: fifty.map((hostname, i) => vm({ hostname, identifier: String(1000 + i), marked: true })),
      pods: [],
      limits: l,
    });
    const defaults = { assumeWindowsElapsed: true };
    expect(taints(runPlan(burst(limits({ deletionsRemaining: 7 })), { policy: defaults }))).toHaveLength(7);
    expect(taints(runPlan(burst(limits({ deletionsRemaining: 100, deletionsPerWindow: 100 })), { policy: defaults }))).toHaveLength(10);
    const r = runPlan(burst(limits({ deletionsRemaining: 100, deletionsPerWindow: 100, maxNodesLeaving: 4 })), { policy: defaults });
    expect(taints(r)).toHaveLength(4);
    expect(r.kept.filter((k) => k.reason === 'nodes-leaving')).toHaveLength(46);
  });

  it('paces nothing for a forwarder that sends no limits (older versions)', () => {
    expect(taints(runPlan(world(), { policy }))).toHaveLength(5);
  });
});
