import { describe, expect, it } from 'vitest';
import {
  buildSnapshot, emptyState, NO_RESERVATIONS, nodeGroup, offering, pendingPods, shape, testNode, testPolicy, type SnapshotParts,
} from '../../../test/fixtures/planning-builders.ts';
import { runPlan } from '../../../test/fixtures/plan-helpers.ts';
import { nodeGroup as snapGroup, snapNode, snapPod, snapshot, TEST_NOW_MS } from '../../../test/fixtures/snapshot-builders.ts';
import { plan } from '../plan.ts';
import { DEFAULT_POLICY, type Policy } from '../types.ts';
import { MAX_IGNORED_DECISIONS } from './pending-filter.ts';

// Issue 16: pending pods that must not trigger a scale-up (nominated for a node, expendable
// priority, DaemonSet pods), and expendable pods never keeping a node from removal.

const NOW = 10_000_000;
const cpu1 = shape({ cpu: '1', memory: '1Gi' });
// One 2-CPU node holds 2 of these pods (no reservations): every count below is pods / 2.
const parts = (pods: SnapshotParts['pods']): SnapshotParts => ({
  offerings: [offering('m', 2, 4096, 10)],
  groups: [nodeGroup('workers', { offeringIDs: ['m'], kubelet: NO_RESERVATIONS })],
  pods,
});
const run = (p: SnapshotParts, policy: Partial<Policy> = {}) => plan(buildSnapshot(p), emptyState(), testPolicy(policy), NOW);
const launched = (r: ReturnType<typeof run>) => r.provision.reduce((sum, p) => sum + p.count, 0);

describe('pending pods that do not trigger a scale-up', () => {
  it('the cutoff defaults to −10, as Cluster Autoscaler', () => {
    expect(DEFAULT_POLICY.expendablePodsPriorityCutoff).toBe(-10);
  });

  it('a pod the scheduler nominated a node for buys nothing, and the decision says why', () => {
    // n-old exists and takes pods (a nomination for a node that is gone counts as pending: release-nodes.test.ts); no room for api.
    const r = run({ ...parts([...pendingPods('web', cpu1, 4, { nominatedNodeName: 'n-old' }), ...pendingPods('api', cpu1, 2)]), nodes: [testNode('n-old', { cpu: '0' })] });
    // Only the 2 api pods count: one 2-CPU node (the 4 nominated web pods alone would need 2 more).
    expect(launched(r)).toBe(1);
    const ignored = r.decisions.filter((d) => d.reason === 'pod-nominated');
    expect(ignored.map((d) => d.target).sort()).toEqual(['pod default/web-0', 'pod default/web-1', 'pod default/web-2', 'pod default/web-3']);
    expect(ignored[0]).toMatchObject({ kind: 'info', details: { nominatedNodeName: 'n-old' }, message: expect.stringContaining('nominated node n-old') });
    expect(r.unschedulable.map((u) => u.pod)).toEqual([]);
  });

  it('pods nominated for a node hold their room there: the other pending pods are not put on it', () => {
    // A node our releaseNode just handed out (no startup taint any more): its 2 pods are nominated,
    // not bound yet. The scheduler counts them against the node, so the 2 late pods need a new one.
    const r = run({ ...parts([...pendingPods('released', cpu1, 2, { nominatedNodeName: 'n1' }), ...pendingPods('late', cpu1, 2)]), nodes: [testNode('n1', { cpu: '2', memory: '4Gi', group: 'workers' })] });
    expect(launched(r)).toBe(1);
    expect(r.decisions.find((d) => d.reason === 'fits-existing-capacity')).toBeUndefined();
    expect(r.decisions.filter((d) => d.reason === 'pod-nominated')).toHaveLength(2);
    // Nominated for a node the pods do not fill: the rest of it is still room.
    const roomy = run({ ...parts([...pendingPods('released', cpu1, 2, { nominatedNodeName: 'n1' }), ...pendingPods('late', cpu1, 2)]), nodes: [testNode('n1', { cpu: '4', memory: '8Gi', group: 'workers' })] });
    expect(launched(roomy)).toBe(0);
    expect(roomy.decisions.find((d) => d.reason === 'fits-existing-capacity')?.details).toMatchObject({ pods: 2 });
  });

  it('pods below the cutoff are ignored; at −10 and at −1 (overprovisioning pause pods) they count', () => {
    const r = run(parts([
      ...pendingPods('filler', shape({ cpu: '1', memory: '1Gi', priority: -11 }), 6),
      ...pendingPods('edge', shape({ cpu: '1', memory: '1Gi', priority: -10 }), 2),
      ...pendingPods('pause', shape({ cpu: '1', memory: '1Gi', priority: -1 }), 2),
    ]));
    expect(launched(r)).toBe(2); // edge (2) + pause (2) = 4 pods = 2 nodes; the 6 fillers none
    const expendable = r.decisions.filter((d) => d.reason === 'pod-expendable');
    expect(expendable).toHaveLength(6);
    expect(expendable[0]).toMatchObject({ details: { priority: -11, expendableCutoff: -10 }, message: expect.stringContaining('priority -11 is below the expendable cutoff -10') });
  });

  it('the cutoff is a setting: raised to 0, the pause pods at −1 are ignored too', () => {
    const pods = [...pendingPods('pause', shape({ cpu: '1', memory: '1Gi', priority: -1 }), 2), ...pendingPods('web', cpu1, 2)];
    expect(launched(run(parts(pods)))).toBe(2);
    expect(launched(run(parts(pods), { expendablePodsPriorityCutoff: 0 }))).toBe(1);
  });

  it('a pending DaemonSet pod (pinned to its node) buys nothing and is not reported unschedulable', () => {
    const r = run(parts(pendingPods('agent', shape({ cpu: '1', owner: { kind: 'DaemonSet', name: 'agent' } }), 1)));
    expect(launched(r)).toBe(0);
    expect(r.unschedulable).toEqual([]);
    expect(r.decisions.find((d) => d.reason === 'pod-daemonset')?.target).toBe('pod default/agent');
  });

  it('the decisions stay bounded: one per pod up to the limit, then one summary with the count', () => {
    const many = MAX_IGNORED_DECISIONS + 7;
    const r = run(parts(pendingPods('filler', shape({ cpu: '1', priority: -100 }), many)));
    const expendable = r.decisions.filter((d) => d.reason === 'pod-expendable');
    expect(expendable).toHaveLength(MAX_IGNORED_DECISIONS + 1);
    expect(expendable.at(-1)).toMatchObject({ target: 'cluster', details: { pods: 7 } });
  });

  it('an ignored pod is not put on existing capacity either (no fits-existing-capacity decision)', () => {
    const r = run({ ...parts(pendingPods('filler', shape({ cpu: '1', priority: -20 }), 1)), nodes: [testNode('n1', { cpu: '4', group: 'workers' })] });
    expect(r.decisions.find((d) => d.reason === 'fits-existing-capacity')).toBeUndefined();
    expect(launched(r)).toBe(0);
  });
});

describe('expendable pods and scale-down', () => {
  // Two 4-CPU nodes; test-a carries one pod that could go nowhere else (3.5 CPU, no controller):
  // it blocks the removal unless it is expendable.
  const nodes = [snapNode({ name: 'test-a', group: 'workers', instanceType: 'medium' }), snapNode({ name: 'test-b', group: 'workers', instanceType: 'medium' })];
  const busy = snapPod({ name: 'busy', node: 'test-b', cpu: '3', memory: '1Gi' });
  const group = snapGroup({ name: 'workers', offeringIDs: ['medium'] });
  const elapsed = { assumeWindowsElapsed: true };
  const cluster = (priority: number, utilization = '100m') => snapshot({
    nodeGroups: [group],
    nodes,
    pods: [snapPod({ name: 'filler', node: 'test-a', cpu: utilization, memory: '64Mi', owner: null, priority }), busy],
  });

  it('a pod without a controller blocks at priority −10 and does not below the cutoff', () => {
    const kept = runPlan(cluster(-10), { policy: elapsed });
    expect(kept.remove).toEqual([]);
    expect(kept.kept.find((k) => k.node === 'test-a')?.reason).toBe('not-replicated');
    const removed = runPlan(cluster(-11), { policy: elapsed });
    expect(removed.remove.map((x) => x.node)).toEqual(['test-a']);
  });

  it('an expendable pending pod claims no room that would keep a node', () => {
    // test-b has 1 CPU free; a pending 900m pod would take it, so the light pod on test-a could not move.
    const light = snapPod({ name: 'light', node: 'test-a', cpu: '500m', memory: '64Mi' });
    const pendingAt = (priority: number) => snapPod({ name: 'waiting', cpu: '900m', memory: '64Mi', priority, unschedulableSinceMs: TEST_NOW_MS });
    const at = (priority: number) => snapshot({ nodeGroups: [group], nodes, pods: [light, busy, pendingAt(priority)] });
    expect(runPlan(at(0), { policy: elapsed }).remove).toEqual([]);
    expect(runPlan(at(-11), { policy: elapsed }).remove.map((x) => x.node)).toEqual(['test-a']);
  });
});
