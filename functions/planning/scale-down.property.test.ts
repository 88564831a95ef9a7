import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { NODEGROUP_LABEL } from '../../shared/labels.ts';
import type { Snapshot } from '../../shared/snapshot.ts';
import { runPlan } from '../../test/fixtures/plan-helpers.ts';
import { buildCluster, clusterArb, expectedDisposition, GROUPS } from '../../test/fixtures/random-cluster.ts';
import { plan } from './plan.ts';
import { buildClusterModel, fits, type ClusterModel, type SimPod } from './simulation/index.ts';
import { EMPTY_STATE, type PlanResult } from './types.ts';
import { testPolicy, TEST_NOW_MS } from '../../test/fixtures/snapshot-builders.ts';

// Over random clusters, no plan:
//   - removes (or sends any command about) a node without a valid group label;
//   - takes a group below minNodes;
//   - removes a node with a blocking pod, or evicts more pods of a PDB than it allows;
//   - removes nodes whose pods could not be placed on the remaining nodes — checked independently
//     by a backtracking search over the simulation's predicates, not by the planner's first-fit;
// and the same inputs always give the same plan.

/** Can all these pods be bound to the model's nodes at once? Depth-first search over `fits`. */
function placeable(model: ClusterModel, pods: SimPod[], budget = { steps: 50_000 }): boolean {
  if (pods.length === 0) return true;
  const [pod, ...rest] = pods;
  for (const node of model.nodes) {
    if (--budget.steps < 0) return false;
    if (fits(model, node, pod!)) continue;
    const mark = model.checkpoint();
    model.bind(pod!, node);
    if (placeable(model, rest, budget)) return true;
    model.rollback(mark);
  }
  return false;
}

function check(snap: Snapshot, result: PlanResult): void {
  const groupOf = new Map(snap.nodes.map((n) => [n.name, n.labels[NODEGROUP_LABEL]]));
  const valid = new Set<string>(GROUPS);
  const removed = result.remove.map((r) => r.node);

  // Never an unmanaged node, in the summary or in any command.
  for (const name of removed) expect(valid.has(groupOf.get(name) ?? '')).toBe(true);
  for (const command of result.commands) {
    if ('node' in command) expect(valid.has(groupOf.get(command.node) ?? '')).toBe(true);
  }

  // Never below minNodes (Ready members; the planner counts the same, launches aside).
  for (const [i, name] of GROUPS.entries()) {
    const members = snap.nodes.filter((n) => groupOf.get(n.name) === name && n.ready).map((n) => n.name);
    const gone = members.filter((m) => removed.includes(m)).length;
    if (gone > 0) expect(members.length - gone).toBeGreaterThanOrEqual((snap.nodeGroups[i]!.spec as { minNodes: number }).minNodes);
  }

  // No blocking pod on a removed node; PDBs respected across all of them.
  const evicted = snap.pods.filter((p) => p.nodeName !== undefined && removed.includes(p.nodeName)).filter((p) => {
    const disposition = expectedDisposition(snap, p);
    expect(disposition, `pod ${p.namespace}/${p.name} on removed node ${p.nodeName}`).not.toBe('block');
    return disposition === 'evict';
  });
  for (const budget of snap.pdbs) {
    // Paced PDB rule (pdb-budget.ts): every drain started on a PDB spends at least one of its disruptions.
    const covered = evicted.filter((p) => p.namespace === budget.namespace && snap.podShapes[p.shape]!.labels.app === budget.selector.matchLabels?.app);
    expect(new Set(covered.map((p) => p.nodeName)).size).toBeLessThanOrEqual(budget.disruptionsAllowed);
  }

  // The evicted pods fit on what remains.
  const { model, pods } = buildClusterModel(snap, { groups: [], launches: [], excludeNodes: new Set(removed) });
  const moving = evicted.map((p) => pods[snap.pods.indexOf(p)]!);
  expect(placeable(model, moving)).toBe(true);
}

describe('scale-down safety over random clusters', () => {
  it('never removes an unmanaged node, goes below minNodes, removes a blocked node or strands a pod; plans are deterministic', () => {
    let withRemovals = 0;
    let withEvictions = 0;
    fc.assert(
      fc.property(clusterArb, (c) => {
        const snap = buildCluster(c);
        const policy = { assumeWindowsElapsed: true, maxNonEmptyDrainsPerGroup: c.maxNonEmpty, maxEmptyRemovalsPerGroup: c.maxEmpty };
        const result = runPlan(snap, { policy });
        check(snap, result);
        if (result.remove.length > 0) withRemovals++;
        if (result.remove.some((r) => r.reason === 'underused')) withEvictions++;
        const again = plan(snap, structuredClone(EMPTY_STATE), testPolicy(policy), TEST_NOW_MS);
        expect(again).toEqual(result);
      }),
      { numRuns: 400, seed: 6 },
    );
    // The property means something only if plenty of plans do remove nodes, non-empty ones included.
    expect(withRemovals).toBeGreaterThan(60);
    expect(withEvictions).toBeGreaterThan(20);
  });
});
