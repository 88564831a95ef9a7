import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { TO_BE_DELETED_TAINT } from '../../shared/labels.ts';
import type { ForwarderLimits } from '../../shared/snapshot.ts';
import { commandsOf, runPlan } from '../../test/fixtures/plan-helpers.ts';
import { nodeGroup, snapNode, snapPod, snapshot, TEST_NOW_MS } from '../../test/fixtures/snapshot-builders.ts';

// Pacing over random inputs (issue 22): whatever the forwarder's deletion budget and its cap on nodes
// leaving, no plan — and no series of plans before the forwarder deleted anything — starts more
// removals than the forwarder would let finish. Counted from the commands (taints), against bounds
// computed here from the inputs: removals = deletionsRemaining, leaving = maxNodesLeaving − nodes that
// already carry the to-be-deleted taint. One offering, so no consolidation (a replacement also spends
// the budget; consolidation's own tests cover that).

const limitsOf = (deletionsRemaining: number, maxNodesLeaving: number): ForwarderLimits => ({
  windowMs: 600_000, deletionsPerWindow: 100, deletionsRemaining, launchesPerWindow: 50, launchesRemaining: 50,
  maxNodesLeaving, maxClusterVms: 500, maxMonthlyCost: 1e6, maxCommandsPerPlan: 1000, maxEventsPerPlan: 1000,
});
const leavingTaint = { key: TO_BE_DELETED_TAINT, value: 'true', effect: 'NoSchedule' as const };

const caseArb = fc.record({
  empty: fc.integer({ min: 0, max: 14 }),
  light: fc.integer({ min: 0, max: 4 }),
  busy: fc.integer({ min: 1, max: 3 }),
  alreadyLeaving: fc.integer({ min: 0, max: 3 }),
  deletionsRemaining: fc.integer({ min: 0, max: 16 }),
  maxNodesLeaving: fc.integer({ min: 0, max: 16 }),
});
type Case = { empty: number; light: number; busy: number; alreadyLeaving: number; deletionsRemaining: number; maxNodesLeaving: number };

function world(c: Case, tainted: ReadonlySet<string>) {
  const names = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => `test-${prefix}${i}`);
  const empty = names('e', c.empty);
  const light = names('l', c.light);
  const busy = names('b', c.busy);
  const leaving = names('x', c.alreadyLeaving);
  const nodes = [...empty, ...light, ...busy, ...leaving].map((name) => snapNode({
    name, group: 'workers', instanceType: 'medium', ...(tainted.has(name) || leaving.includes(name) ? { taints: [leavingTaint] } : {}),
  }));
  const pods = [
    ...light.map((node, i) => snapPod({ name: `light-${i}`, node, cpu: '200m', memory: '256Mi' })),
    ...busy.map((node, i) => snapPod({ name: `busy-${i}`, node, cpu: '2', memory: '1Gi' })),
  ];
  return snapshot({
    nodeGroups: [nodeGroup({ name: 'workers', offeringIDs: ['medium'], minNodes: 0, maxNodes: 100, disruption: { budgets: [{ nodes: '100%' }] } })],
    nodes, pods, limits: limitsOf(c.deletionsRemaining, c.maxNodesLeaving),
  });
}

const policy = { assumeWindowsElapsed: true, maxEmptyRemovalsPerGroup: 100, maxNonEmptyDrainsPerGroup: 100 };
const taints = (r: ReturnType<typeof runPlan>) => commandsOf(r, 'taintNode').map((t) => t.node);

describe('removal pacing over random budgets', () => {
  it('never starts a removal beyond the deletion budget or the cap on nodes leaving, over consecutive plans', () => {
    let paced = 0;
    fc.assert(
      fc.property(caseArb, (c) => {
        const bound = Math.max(0, Math.min(c.deletionsRemaining, c.maxNodesLeaving - c.alreadyLeaving));
        const first = runPlan(world(c, new Set()), { policy });
        const started = taints(first);
        expect(started.length).toBeLessThanOrEqual(bound);
        // Empty nodes are free to go: with room, the plan starts them all at once, up to the bound.
        expect(started.length).toBeGreaterThanOrEqual(Math.min(bound, c.empty));
        // The next reconcile: the taints are visible, nothing deleted yet, so the forwarder's numbers are unchanged.
        const second = runPlan(world(c, new Set(started)), { state: first.state, policy, nowMs: TEST_NOW_MS + 5_000 });
        const more = taints(second).filter((n) => !started.includes(n));
        expect(started.length + more.length).toBeLessThanOrEqual(bound);
        if (c.empty + c.light > bound) paced++;
      }),
      { numRuns: 300, seed: 22 },
    );
    expect(paced).toBeGreaterThan(100);
  });
});
