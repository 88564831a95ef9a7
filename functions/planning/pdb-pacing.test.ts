import { describe, expect, it } from 'vitest';
import { commandsOf, eventReasons, MINUTE_MS, resultFor, runPlan } from '../../test/fixtures/plan-helpers.ts';
import { nodeGroup, pdb, snapNode, snapPod, snapshot, TEST_NOW_MS, vm, type BuiltPod } from '../../test/fixtures/snapshot-builders.ts';
import type { CommandResult, SnapshotNode } from '../../shared/snapshot.ts';
import type { DrainOperation, PlanResult } from './types.ts';

// Draining at a PodDisruptionBudget's pace (pdb-budget.ts, drain-pdb-wait.ts): a node whose pods
// need more disruptions than a PDB allows now is still drained when the PDB allows one; the
// Eviction API's 429s pace the drain, the drain deadline bounds it, and a PDB the drain has used up
// starts no second drain. The Cluster Autoscaler rule stays as pdbDisruptionMode "all-at-once".

const TAINT = { key: 'autoscaler.vpsie.com/to-be-deleted', effect: 'NoSchedule' as const };
const node = (name: string, o: Partial<Parameters<typeof snapNode>[0]> = {}) => snapNode({ name, group: 'workers', instanceType: 'medium', ...o });
const web = (name: string, on: string, o: Partial<Parameters<typeof snapPod>[0]> = {}) => snapPod({ name, node: on, cpu: '200m', memory: '256Mi', labels: { app: 'web' }, ...o });
const busy = snapPod({ name: 'busy', node: 'test-b', cpu: '3', memory: '1Gi', labels: { app: 'busy' } });
const webPdb = (allowed: number) => pdb({ name: 'web', matchLabels: { app: 'web' }, disruptionsAllowed: allowed });
const threeOnA = () => [web('w1', 'test-a'), web('w2', 'test-a'), web('w3', 'test-a')];

function world(o: { a?: SnapshotNode; nodes?: SnapshotNode[]; pods?: BuiltPod[]; allowed?: number; results?: CommandResult[] } = {}) {
  return snapshot({
    nodeGroups: [nodeGroup({ name: 'workers', offeringIDs: ['medium'], disruption: { budgets: [{ nodes: '100%' }] } })],
    nodes: o.nodes ?? [o.a ?? node('test-a'), node('test-b')],
    pods: o.pods ?? [...threeOnA(), busy],
    pdbs: [webPdb(o.allowed ?? 1)],
    results: o.results ?? [],
    vms: [vm({ hostname: 'test-a', marked: true }), vm({ hostname: 'test-b', marked: true }), vm({ hostname: 'test-c', marked: true })],
  });
}
const paced = { assumeWindowsElapsed: true, maxNonEmptyDrainsPerGroup: 5 };
const allAtOnce = { ...paced, pdbDisruptionMode: 'all-at-once' as const };
const at = (seconds: number) => TEST_NOW_MS + seconds * 1000;
const removed = (r: PlanResult) => r.remove.map((x) => x.node).sort();
const keptFor = (r: PlanResult, name: string) => r.kept.find((k) => k.node === name);
const drainOf = (r: PlanResult) => r.state.operations.find((op): op is DrainOperation => op.kind === 'drain')!;
const tainted = () => node('test-a', { taints: [TAINT], unschedulable: true });

describe('paced PDB rule at the start of a drain', () => {
  it('drains a node holding 3 pods of a PDB that allows 1 disruption now (all-at-once keeps it)', () => {
    expect(removed(runPlan(world(), { policy: paced }))).toEqual(['test-a']);
    const kept = keptFor(runPlan(world(), { policy: allAtOnce }), 'test-a');
    expect(kept).toMatchObject({ reason: 'pdb', message: expect.stringContaining('allows 1 disruption(s) now; removing node test-a needs 3') });
  });

  it('still keeps the node while the PDB allows no disruption at all', () => {
    const kept = keptFor(runPlan(world({ allowed: 0 }), { policy: paced }), 'test-a');
    expect(kept).toMatchObject({ reason: 'pdb', message: expect.stringContaining('allows 0 disruption(s) now') });
  });

  it('a drain spends min(needed, allowed): a PDB it used up starts no second node\'s drain in the same plan', () => {
    // allowed 2: test-a (3 pods, the emptier node, tried first) takes both; test-c (1 pod of the
    // PDB) is kept. Under all-at-once test-a is kept (3 > 2) and test-c goes instead.
    const nodes = [node('test-a'), node('test-b'), node('test-c')];
    const pods = [...threeOnA(), web('w4', 'test-c'), snapPod({ name: 'filler', node: 'test-c', cpu: '1300m', labels: { app: 'filler' } }), busy];
    const r = runPlan(world({ nodes, pods, allowed: 2 }), { policy: paced });
    expect(removed(r)).toEqual(['test-a']);
    expect(keptFor(r, 'test-c')).toMatchObject({ reason: 'pdb', message: expect.stringContaining('allows 0 disruption(s) now') });
    expect(removed(runPlan(world({ nodes, pods, allowed: 2 }), { policy: allAtOnce }))).toEqual(['test-c']);
  });

  it('pods still on a draining node keep spending their PDB: no second drain starts on it in later plans', () => {
    const nodes = [node('test-a'), node('test-b'), node('test-c')];
    // test-c is busy in the first plan, underused in the second (with one pod of the PDB), while test-a drains.
    const p1 = runPlan(world({ nodes, pods: [...threeOnA(), snapPod({ name: 'filler', node: 'test-c', cpu: '2500m' }), busy], allowed: 1 }), { policy: paced });
    expect(removed(p1)).toEqual(['test-a']);
    const p2 = runPlan(world({ nodes: [tainted(), nodes[1]!, nodes[2]!], pods: [...threeOnA(), web('w4', 'test-c'), busy], allowed: 1 }), { state: p1.state, policy: paced, nowMs: at(10) });
    expect(drainOf(p2).status).toBe('draining');
    expect(removed(p2)).toEqual([]);
    expect(keptFor(p2, 'test-c')).toMatchObject({ reason: 'pdb', message: expect.stringContaining('allows 0 disruption(s) now') });
  });

});

describe('a drain paced by 429s', () => {
  /** test-a tainted and draining: three evictions sent. */
  function draining() {
    const p1 = runPlan(world(), { policy: paced });
    const p2 = runPlan(world({ a: tainted(), results: [resultFor(commandsOf(p1, 'taintNode')[0]!)] }), { state: p1.state, policy: paced, nowMs: at(10) });
    expect(drainOf(p2).status).toBe('draining');
    expect(commandsOf(p2, 'evictPod').map((e) => e.pod).sort()).toEqual(['w1', 'w2', 'w3']);
    return p2;
  }
  const refused = (r: PlanResult, pod: string) => resultFor(commandsOf(r, 'evictPod').find((e) => e.pod === pod)!, 'failed', { data: { status: 429 }, message: 'Cannot evict pod as it would violate the pod\'s disruption budget.' });

  it('says it waits on the PDB (one Event, a decision every step), retries, and empties the node at the budget\'s pace', () => {
    const p2 = draining();
    const w1 = resultFor(commandsOf(p2, 'evictPod').find((e) => e.pod === 'w1')!);
    const p3 = runPlan(world({ a: tainted(), pods: [web('w1', 'test-a', { terminating: true }), web('w2', 'test-a'), web('w3', 'test-a'), busy], allowed: 0, results: [w1, refused(p2, 'w2'), refused(p2, 'w3')] }), { state: p2.state, policy: paced, nowMs: at(20) });
    expect(drainOf(p3)).toMatchObject({ status: 'draining', evicted: ['default/w1'], pdbWait: { refusals: 2 } });
    expect(commandsOf(p3, 'evictPod').map((e) => e.pod).sort()).toEqual(['w2', 'w3']);
    expect(eventReasons(p3).filter((e) => e === 'DrainWaitingForPDB')).toHaveLength(1);
    expect(p3.decisions).toContainEqual(expect.objectContaining({ kind: 'info', target: 'node test-a', reason: 'drain-waiting-for-pdb' }));

    // Refused for minutes: still draining (no abort before the drain deadline), still saying why, no second Event.
    const p4 = runPlan(world({ a: tainted(), pods: [web('w2', 'test-a'), web('w3', 'test-a'), busy], allowed: 0, results: [refused(p3, 'w2'), refused(p3, 'w3')] }), { state: p3.state, policy: paced, nowMs: at(8 * 60) });
    expect(drainOf(p4).status).toBe('draining');
    expect(eventReasons(p4)).not.toContain('DrainWaitingForPDB');
    expect(p4.decisions).toContainEqual(expect.objectContaining({ reason: 'drain-waiting-for-pdb', message: expect.stringContaining('refused 4 time(s)') }));

    // The budget moves: both go through, the node empties, its removal begins.
    const ok = commandsOf(p4, 'evictPod').map((e) => resultFor(e));
    expect(ok).toHaveLength(2);
    const p5 = runPlan(world({ a: tainted(), pods: [busy], allowed: 1, results: ok }), { state: p4.state, policy: paced, nowMs: at(8 * 60 + 10) });
    expect(drainOf(p5).pdbWait).toBeUndefined();
    expect(p5.decisions.map((d) => d.reason)).not.toContain('drain-waiting-for-pdb');
    expect(drainOf(p5).status).toBe('deleting-node');
    expect(eventReasons(p5)).toContain('DrainCompleted');
  });

  it('sends evictions of pods whose PDB allows none now last (the forwarder skips the rest of a node\'s evictions after a 429)', () => {
    const free = snapPod({ name: 'free', node: 'test-a', cpu: '200m', memory: '256Mi', labels: { app: 'free' } });
    const pods = [...threeOnA(), free, busy];
    const p1 = runPlan(world({ pods, allowed: 1 }), { policy: paced });
    const p2 = runPlan(world({ a: tainted(), pods, allowed: 1, results: [resultFor(commandsOf(p1, 'taintNode')[0]!)] }), { state: p1.state, policy: paced, nowMs: at(10) });
    expect(commandsOf(p2, 'evictPod').map((e) => e.pod)).toEqual(['w1', 'w2', 'w3', 'free']);
    // w1 went; w2 got a 429, after which the forwarder skipped w3 and free (failed, no status).
    const sent = commandsOf(p2, 'evictPod');
    const results = [resultFor(sent[0]!), resultFor(sent[1]!, 'failed', { data: { status: 429 } }), resultFor(sent[2]!, 'failed'), resultFor(sent[3]!, 'failed')];
    const left = [web('w1', 'test-a', { terminating: true }), web('w2', 'test-a'), web('w3', 'test-a'), free, busy];
    const p3 = runPlan(world({ a: tainted(), pods: left, allowed: 0, results }), { state: p2.state, policy: paced, nowMs: at(20) });
    expect(drainOf(p3).status).toBe('draining');
    expect(commandsOf(p3, 'evictPod').map((e) => e.pod)).toEqual(['free', 'w2', 'w3']);
  });

  it('the drain deadline stays the bound: refused until then, the drain is aborted and the node handed back', () => {
    const p2 = draining();
    const p3 = runPlan(world({ a: tainted(), allowed: 0, results: ['w1', 'w2', 'w3'].map((p) => refused(p2, p)) }), { state: p2.state, policy: paced, nowMs: at(30) });
    expect(drainOf(p3).status).toBe('draining');
    const p4 = runPlan(world({ a: tainted(), allowed: 0 }), { state: p3.state, policy: paced, nowMs: TEST_NOW_MS + 10 * MINUTE_MS });
    expect(drainOf(p4)).toMatchObject({ status: 'aborting', failure: 'drain-deadline' });
    expect(commandsOf(p4, 'untaintNode')).toHaveLength(1);
  });
});
