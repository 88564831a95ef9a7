import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { commandsOf, MINUTE_MS, runPlan } from '../../../test/fixtures/plan-helpers.ts';
import { nodeGroup, pdb, snapNode, snapPod, snapshot, STANDARD_OFFERINGS, TEST_NOW_MS, vm, type BuiltPod } from '../../../test/fixtures/snapshot-builders.ts';
import type { SnapshotNode } from '../../../shared/snapshot.ts';
import { budgetNodes } from './budgets.ts';
import { TO_BE_DELETED_TAINT } from '../../../shared/labels.ts';

// Over random clusters of one group (small/medium/large nodes, old enough to be replaced, some full
// by pod count, pods with and without a PDB, a random disruption budget), two reconciles — the first decides, then every
// replacement it launched joins Ready and the second drains — and neither:
//   - raises the monthly cost (no pending pods, so nothing but removals and replacements), nor
//     launches a replacement that is not cheaper by minSavingPercent (20 %) than the node(s) it replaces
//     together (single- and multi-node);
//   - taints a node it is replacing before its replacement is Ready;
//   - disrupts more of the group than its budget allows (drains in progress + replacements in flight);
//   - taints nodes holding more pods of a PDB than it allows disruptions;
//   - taints nodes whose pods need more CPU or memory than the untainted nodes have free (a
//     necessary condition for the pods to be placed, checked on the numbers alone).

const DAY_MS = 24 * 3_600_000;
const PRICE: Record<string, number> = { small: 20, medium: 40, large: 80 };
const SIZE: Record<string, { cpu: number; memGi: number }> = { small: { cpu: 2, memGi: 4 }, medium: { cpu: 4, memGi: 8 }, large: { cpu: 8, memGi: 16 } };

const clusterArb = fc.record({
  nodes: fc.array(fc.record({
    type: fc.constantFrom('small', 'medium', 'large'),
    // Some nodes were launched with a small maxPods: full by pod count, so multi-node moves happen.
    maxPods: fc.constantFrom(110, 110, 2),
    pods: fc.array(fc.record({ cpuMillis: fc.integer({ min: 100, max: 3000 }), memMi: fc.integer({ min: 64, max: 4096 }), guarded: fc.boolean() }), { maxLength: 3 }),
  }), { minLength: 2, maxLength: 6 }),
  budget: fc.constantFrom('0', '1', '2', '34%', '100%'),
  pdbAllowed: fc.integer({ min: 0, max: 2 }),
});

type Input = { nodes: { type: string; maxPods: number; pods: { cpuMillis: number; memMi: number; guarded: boolean }[] }[]; budget: string; pdbAllowed: number };

function build(input: Input, extraNodes: SnapshotNode[] = []) {
  const nodes: SnapshotNode[] = [];
  const pods: BuiltPod[] = [];
  input.nodes.forEach((n, i) => {
    const size = SIZE[n.type]!;
    const name = `test-n${i}`;
    nodes.push(snapNode({ name, group: 'workers', instanceType: n.type, cpu: size.cpu * 1000 - 200, memory: (size.memGi * 1024 - 612) * 1024 * 1024, pods: n.maxPods, createdAtMs: TEST_NOW_MS - 20 * DAY_MS, providerID: `vpsie://${i + 1}` }));
    let usedCpu = 0;
    let usedMem = 0;
    n.pods.forEach((p, j) => {
      // Only pods that fit where they run: the cluster starts valid.
      if (usedCpu + p.cpuMillis > size.cpu * 1000 - 200 || usedMem + p.memMi > size.memGi * 1024 - 612 || j >= n.maxPods) return;
      usedCpu += p.cpuMillis;
      usedMem += p.memMi;
      pods.push(snapPod({ name: `p${i}-${j}`, node: name, cpu: p.cpuMillis, memory: p.memMi * 1024 * 1024, labels: { app: p.guarded ? 'guarded' : `free-${i}-${j}` } }));
    });
  });
  const all = [...nodes, ...extraNodes];
  return snapshot({
    nodeGroups: [nodeGroup({ name: 'workers', offeringIDs: ['small', 'medium', 'large'], maxNodes: 20, disruption: { budgets: [{ nodes: input.budget }] } })],
    nodes: all,
    pods,
    offerings: STANDARD_OFFERINGS,
    pdbs: [pdb({ name: 'guarded', matchLabels: { app: 'guarded' }, disruptionsAllowed: input.pdbAllowed })],
    vms: all.map((n, i) => vm({ hostname: n.name, identifier: String(i + 1), marked: true })),
  });
}

const policy = { assumeWindowsElapsed: true, maxNonEmptyDrainsPerGroup: 10, maxEmptyRemovalsPerGroup: 10 };

describe('consolidation over random clusters', () => {
  it('never raises cost, never disrupts past the budget or a PDB, never taints before the replacement is Ready, never strands pods', () => {
    fc.assert(fc.property(clusterArb, (input) => void checkTwoReconciles(input)), { numRuns: 150, seed: 17 });
  });

  it('the same over clusters full by pod count, where multi-node moves happen', () => {
    // Medium and large nodes launched with maxPods 2, two light pods each, no PDB in the way: no
    // deletion can take their pods, so replacements (several nodes into one, or one by one) decide.
    const fullArb = fc.record({
      nodes: fc.array(fc.record({
        type: fc.constantFrom('medium', 'large'),
        maxPods: fc.constant(2),
        pods: fc.array(fc.record({ cpuMillis: fc.integer({ min: 100, max: 1200 }), memMi: fc.integer({ min: 64, max: 1024 }), guarded: fc.constant(false) }), { minLength: 2, maxLength: 2 }),
      }), { minLength: 2, maxLength: 6 }),
      budget: fc.constantFrom('1', '2', '100%'),
      pdbAllowed: fc.constant(0),
    });
    let multiMoves = 0;
    fc.assert(fc.property(fullArb, (input) => { multiMoves += checkTwoReconciles(input); }), { numRuns: 100, seed: 23 });
    // The random clusters do reach the multi-node path (else this property would say nothing of it).
    expect(multiMoves).toBeGreaterThan(0);
  });
});

/** Two reconciles over `input`; returns the number of multi-node moves of the first. */
function checkTwoReconciles(input: Input): number {
  let multiMoves = 0;
  const before = build(input);
  const first = runPlan(before, { policy });
  const priceOf = (node: string) => PRICE[before.nodes.find((n) => n.name === node)!.labels['node.kubernetes.io/instance-type']!]!;
  expect(first.monthlyCostDelta).toBeLessThanOrEqual(0);
  const replacing = new Set<string>();
  for (const p of first.provision) {
    expect(p.reason).toBe('consolidation');
    for (const node of p.replaces!) replacing.add(node);
    if (p.replaces!.length > 1) multiMoves += 1;
    // Single- or multi-node: the one new node costs at most 80 % of the nodes it replaces together.
    expect(p.monthlyCost).toBeLessThanOrEqual(p.replaces!.reduce((sum, node) => sum + priceOf(node), 0) * 0.8 + 1e-9);
  }
  const tainted1 = commandsOf(first, 'taintNode').map((t) => t.node);
  expect(tainted1.filter((n) => replacing.has(n))).toEqual([]);
  const allowed = budgetNodes(input.budget, input.nodes.length);
  expect(tainted1.length + replacing.size).toBeLessThanOrEqual(allowed);
  checkTainted(before, tainted1, input.pdbAllowed);

  // Every replacement joins Ready; the nodes tainted in the first plan show their taint.
  const joined = commandsOf(first, 'createVm').map((c) => {
    const size = SIZE[c.offeringId]!;
    return snapNode({ name: c.hostname, group: 'workers', instanceType: c.offeringId, cpu: size.cpu * 1000 - 200, memory: (size.memGi * 1024 - 612) * 1024 * 1024, createdAtMs: TEST_NOW_MS + MINUTE_MS });
  });
  const after = build(input, joined);
  for (const node of after.nodes) if (tainted1.includes(node.name)) node.taints.push({ key: TO_BE_DELETED_TAINT, effect: 'NoSchedule' });
  const second = runPlan(after, { state: first.state, policy, nowMs: TEST_NOW_MS + 3 * MINUTE_MS });
  const tainted2 = commandsOf(second, 'taintNode').map((t) => t.node).filter((n) => !tainted1.includes(n));
  const activeDrains = second.state.operations.filter((op) => op.kind === 'drain' && op.status !== 'failed' && op.status !== 'succeeded' && op.status !== 'aborting').length;
  const inFlight = second.state.operations.filter((op) => op.kind === 'launch' && op.consolidation && !op.consolidation.handedOff && op.status !== 'failed').length;
  expect(activeDrains + inFlight).toBeLessThanOrEqual(Math.max(allowed, budgetNodes(input.budget, input.nodes.length + joined.length)));
  checkTainted(after, [...tainted1, ...tainted2], input.pdbAllowed);
  return multiMoves;
}

/** PDB and room, on the numbers: the pods of the tainted nodes vs what the other nodes have free. */
function checkTainted(snap: ReturnType<typeof snapshot>, tainted: string[], pdbAllowed: number): void {
  const set = new Set(tainted);
  const podsOn = (name: string) => snap.pods.filter((p) => p.nodeName === name);
  const leaving = snap.pods.filter((p) => p.nodeName !== undefined && set.has(p.nodeName));
  // Paced PDB rule (pdb-budget.ts): each node tainted with guarded pods spent at least one disruption.
  const guarded = new Set(leaving.filter((p) => snap.podShapes[p.shape]!.labels.app === 'guarded').map((p) => p.nodeName)).size;
  expect(guarded).toBeLessThanOrEqual(pdbAllowed);
  let freeCpu = 0;
  let freeMem = 0;
  for (const node of snap.nodes) {
    if (set.has(node.name)) continue;
    const used = podsOn(node.name).map((p) => snap.podShapes[p.shape]!.requests);
    freeCpu += node.allocatable.cpuMillis - used.reduce((s, r) => s + r.cpuMillis, 0);
    freeMem += node.allocatable.memoryBytes - used.reduce((s, r) => s + r.memoryBytes, 0);
  }
  const needCpu = leaving.reduce((s, p) => s + snap.podShapes[p.shape]!.requests.cpuMillis, 0);
  const needMem = leaving.reduce((s, p) => s + snap.podShapes[p.shape]!.requests.memoryBytes, 0);
  expect(needCpu).toBeLessThanOrEqual(freeCpu);
  expect(needMem).toBeLessThanOrEqual(freeMem);
}
