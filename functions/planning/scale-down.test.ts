import { describe, expect, it } from 'vitest';
import { actions, commandKinds, commandsOf, eventReasons, MINUTE_MS, runPlan } from '../../test/fixtures/plan-helpers.ts';
import {
  dsPod, nodeGroup, pdb, snapNode, snapPod, snapshot, TEST_NOW_MS, type BuiltPod, type SnapshotOptions,
} from '../../test/fixtures/snapshot-builders.ts';
import { SCALE_DOWN_DISABLED, TO_BE_DELETED_TAINT } from '../../shared/labels.ts';
import type { NodeGroupSpecInput } from '../../shared/nodegroup.ts';
import type { SnapshotNode } from '../../shared/snapshot.ts';
import type { LaunchOperation, PlanningState } from './types.ts';

// One test per scale-down rule (issue 6). The base cluster: NodeGroup default/workers with two
// 4-CPU / 8 GiB "medium" nodes: test-a lightly used (one 500m / 512Mi pod), test-b busy (3 CPU).

// The per-group caps are tested here; spec.disruption.budgets (default 10 %) in consolidation/budgets.test.ts.
const group = (spec: Partial<NodeGroupSpecInput> = {}) => nodeGroup({ name: 'workers', offeringIDs: ['medium'], disruption: { budgets: [{ nodes: '100%' }] }, ...spec });
const a = (o: Partial<Parameters<typeof snapNode>[0]> = {}) => snapNode({ name: 'test-a', group: 'workers', instanceType: 'medium', ...o });
const b = (o: Partial<Parameters<typeof snapNode>[0]> = {}) => snapNode({ name: 'test-b', group: 'workers', instanceType: 'medium', ...o });
const light = (o: Partial<Parameters<typeof snapPod>[0]> = {}) => snapPod({ name: 'light', node: 'test-a', cpu: '500m', memory: '512Mi', labels: { app: 'light' }, ...o });
const heavy = () => snapPod({ name: 'heavy', node: 'test-b', cpu: '3', memory: '1Gi', labels: { app: 'heavy' } });

function cluster(o: SnapshotOptions & { nodes?: SnapshotNode[]; pods?: BuiltPod[] } = {}) {
  return snapshot({ nodeGroups: [group()], nodes: [a(), b()], pods: [light(), heavy()], ...o });
}
const elapsed = { assumeWindowsElapsed: true };
const removed = (r: { remove: { node: string }[] }) => r.remove.map((x) => x.node);
const keptReason = (r: { kept: { node: string; reason: string }[] }, node: string) => r.kept.find((k) => k.node === node)?.reason;

describe('underuse', () => {
  it('removes a node whose CPU and memory requests are both below the thresholds', () => {
    const r = runPlan(cluster(), { policy: elapsed });
    expect(removed(r)).toEqual(['test-a']);
    expect(keptReason(r, 'test-b')).toBe('not-underused');
  });

  it('keeps a node when only one of CPU and memory is below its threshold', () => {
    const memoryHeavy = light({ cpu: '100m', memory: '5Gi' });
    const r = runPlan(cluster({ pods: [memoryHeavy, heavy()] }), { policy: elapsed });
    expect(removed(r)).toEqual([]);
    expect(r.kept.find((k) => k.node === 'test-a')).toMatchObject({ reason: 'not-underused', message: expect.stringContaining('memory 62.5%') });
  });

  it('uses the group thresholds', () => {
    const r = runPlan(cluster({ nodeGroups: [group({ scaleDownPolicy: { cpuThreshold: 10, memoryThreshold: 10 } })] }), { policy: elapsed });
    expect(keptReason(r, 'test-a')).toBe('not-underused'); // 12.5% ≥ 10%
  });

  it('counts DaemonSet pods unless countDaemonSetPodsInUtilization is false', () => {
    const pods = [light(), heavy(), dsPod({ name: 'agent', node: 'test-a', cpu: '1800m' }), dsPod({ name: 'agent-b', node: 'test-b', cpu: '100m' })];
    expect(keptReason(runPlan(cluster({ pods }), { policy: elapsed }), 'test-a')).toBe('not-underused'); // 2.3 of 4 CPU
    expect(removed(runPlan(cluster({ pods }), { policy: { ...elapsed, countDaemonSetPodsInUtilization: false } }))).toEqual(['test-a']);
  });

  it('needs the node underused for the whole stabilization window; the timer lives in the state', () => {
    const first = runPlan(cluster());
    expect(removed(first)).toEqual([]);
    expect(keptReason(first, 'test-a')).toBe('stabilizing');
    expect(first.state.nodes['test-a']?.underusedSinceMs).toBe(TEST_NOW_MS);
    const early = runPlan(cluster(), { state: first.state, nowMs: TEST_NOW_MS + 9 * MINUTE_MS });
    expect(removed(early)).toEqual([]);
    const due = runPlan(cluster(), { state: early.state, nowMs: TEST_NOW_MS + 10 * MINUTE_MS });
    expect(removed(due)).toEqual(['test-a']);
  });

  it('resets the timer when the node is busy again', () => {
    const first = runPlan(cluster());
    const busy = runPlan(cluster({ pods: [light({ cpu: '3' }), heavy()] }), { state: first.state, nowMs: TEST_NOW_MS + 5 * MINUTE_MS });
    expect(busy.state.nodes['test-a']?.underusedSinceMs).toBeUndefined();
    const later = runPlan(cluster(), { state: busy.state, nowMs: TEST_NOW_MS + 11 * MINUTE_MS });
    expect(removed(later)).toEqual([]);
    expect(later.state.nodes['test-a']?.underusedSinceMs).toBe(TEST_NOW_MS + 11 * MINUTE_MS);
  });

  it('uses the group stabilizationWindowSeconds', () => {
    const snap = cluster({ nodeGroups: [group({ scaleDownPolicy: { stabilizationWindowSeconds: 60 } })] });
    const first = runPlan(snap);
    expect(removed(runPlan(snap, { state: first.state, nowMs: TEST_NOW_MS + MINUTE_MS }))).toEqual(['test-a']);
  });

  it('an unsynced snapshot never starts a window', () => {
    const r = runPlan(cluster({ synced: false }));
    expect(r.state.nodes['test-a']?.underusedSinceMs).toBeUndefined();
  });

  it('without assumeWindowsElapsed and without state nothing is removed yet', () => {
    expect(removed(runPlan(cluster()))).toEqual([]);
  });
});

describe('removal safety', () => {
  it('never touches a node without the group label, even an empty one', () => {
    const unmanaged = snapNode({ name: 'test-x' });
    const r = runPlan(cluster({ nodes: [a(), b(), unmanaged] }), { policy: elapsed });
    expect(keptReason(r, 'test-x')).toBe('not-managed');
    expect(r.commands.some((c) => 'node' in c && c.node === 'test-x')).toBe(false);
  });

  it('never touches a node whose label names no valid NodeGroup', () => {
    const stray = snapNode({ name: 'test-s', group: 'gone' });
    const r = runPlan(cluster({ nodes: [a(), b(), stray] }), { policy: elapsed });
    expect(keptReason(r, 'test-s')).toBe('unknown-group');
    expect(removed(r)).toEqual(['test-a']);
  });

  it('keeps nodes of a group with scaleDownPolicy.enabled false', () => {
    const r = runPlan(cluster({ nodeGroups: [group({ scaleDownPolicy: { enabled: false } })] }), { policy: elapsed });
    expect(removed(r)).toEqual([]);
    expect(keptReason(r, 'test-a')).toBe('scale-down-disabled');
  });

  it('keeps a node annotated scale-down-disabled "true"', () => {
    const r = runPlan(cluster({ nodes: [a({ annotations: { 'cluster-autoscaler.kubernetes.io/scale-down-disabled': 'true' } }), b()] }), { policy: elapsed });
    expect(keptReason(r, 'test-a')).toBe('scale-down-disabled-annotation');
  });

  it('keeps the group at minNodes', () => {
    const r = runPlan(cluster({ nodeGroups: [group({ minNodes: 2 })] }), { policy: elapsed });
    expect(removed(r)).toEqual([]);
    expect(r.decisions).toContainEqual(expect.objectContaining({ kind: 'keep-node', target: 'ng default/workers', reason: 'min-nodes', details: { nodes: 1, firstNode: 'test-a' } }));
  });

  it('counts minNodes over the nodes left after this plan\'s removals', () => {
    const nodes = [a(), b(), snapNode({ name: 'test-c', group: 'workers' }), snapNode({ name: 'test-d', group: 'workers' })];
    const r = runPlan(cluster({ nodeGroups: [group({ minNodes: 2 })], nodes }), { policy: elapsed });
    // test-c and test-d are empty (removable first), then test-a: only two may go.
    expect(removed(r)).toEqual(['test-c', 'test-d']);
    expect(keptReason(r, 'test-a')).toBe('min-nodes');
  });

  it('removal-safety: counts towards minNodes only Ready nodes that are not leaving (the forwarder\'s rule)', () => {
    // test-b is Ready but carries the to-be-deleted taint without a drain of ours (an earlier removal
    // given up, or someone else): it serves nobody, so removing test-a would leave 0 of minNodes 1.
    const leavingB = b({ taints: [{ key: TO_BE_DELETED_TAINT, effect: 'NoSchedule' }] });
    const r = runPlan(cluster({ nodeGroups: [group({ minNodes: 1 })], nodes: [a(), leavingB], pods: [] }), { policy: elapsed });
    expect(removed(r)).toEqual([]);
    expect(keptReason(r, 'test-a')).toBe('min-nodes');
    expect(r.decisions).toContainEqual(expect.objectContaining({ reason: 'min-nodes', message: expect.stringContaining('1 serving node(s) (Ready, not leaving); removing one leaves 0, below minNodes 1') }));
    // A NotReady node does not count either; two Ready ones leave room for one removal.
    const notReady = runPlan(cluster({ nodeGroups: [group({ minNodes: 1 })], nodes: [a(), b({ ready: false })], pods: [] }), { policy: elapsed });
    expect(keptReason(notReady, 'test-a')).toBe('min-nodes');
    expect(removed(runPlan(cluster({ nodeGroups: [group({ minNodes: 1 })], pods: [] }), { policy: elapsed }))).toEqual(['test-a']);
  });

  it('keeps nodes while a launch is in progress in the group, and during the cooldown after it', () => {
    const launch: LaunchOperation = {
      id: 'launch-1', kind: 'launch', nodeGroup: 'default/workers', hostname: 'test-new', offeringId: 'medium', status: 'launching',
      createdAtMs: TEST_NOW_MS - MINUTE_MS, updatedAtMs: TEST_NOW_MS - MINUTE_MS, launchDeadlineMs: TEST_NOW_MS + 4 * MINUTE_MS, registrationDeadlineMs: TEST_NOW_MS + 14 * MINUTE_MS,
    };
    const state: PlanningState = { groups: {}, nodes: {}, operations: [launch] };
    expect(keptReason(runPlan(cluster({ vms: null }), { state, policy: elapsed }), 'test-a')).toBe('scale-up-in-progress');

    const done: PlanningState = { groups: { 'default/workers': { consecutiveFailures: 0, lastScaleUpMs: TEST_NOW_MS - 5 * MINUTE_MS } }, nodes: { 'test-a': { underusedSinceMs: TEST_NOW_MS - 20 * MINUTE_MS } }, operations: [] };
    expect(keptReason(runPlan(cluster(), { state: done }), 'test-a')).toBe('scale-up-cooldown');
    expect(removed(runPlan(cluster(), { state: done, nowMs: TEST_NOW_MS + 5 * MINUTE_MS }))).toEqual(['test-a']);
    // --assume-windows-elapsed treats the cooldown as over
    expect(removed(runPlan(cluster(), { state: done, policy: elapsed }))).toEqual(['test-a']);
  });

  it('keeps a node whose pods would not fit on the remaining nodes', () => {
    const r = runPlan(cluster({ pods: [light({ cpu: '1500m' }), heavy()] }), { policy: elapsed }); // b has 1 CPU free
    expect(removed(r)).toEqual([]);
    expect(r.kept.find((k) => k.node === 'test-a')).toMatchObject({ reason: 'pods-do-not-fit', message: expect.stringContaining('default/light') });
  });

  it('honours pod anti-affinity on the hostname when placing the pods elsewhere', () => {
    const anti = { podAntiAffinity: [{ labelSelector: { matchLabels: { app: 'spread' } }, topologyKey: 'kubernetes.io/hostname' }], labels: { app: 'spread' } };
    const pods = [snapPod({ name: 's1', node: 'test-a', cpu: '100m', ...anti }), snapPod({ name: 's2', node: 'test-b', cpu: '100m', ...anti })];
    const r = runPlan(cluster({ pods }), { policy: elapsed });
    expect(removed(r)).toEqual([]);
    expect(r.kept.find((k) => k.node === 'test-a')?.message).toContain('anti-affinity');
  });

  it('honours host ports when placing the pods elsewhere', () => {
    const port = { hostPorts: [{ port: 8080, protocol: 'TCP' as const }] };
    const pods = [snapPod({ name: 'p1', node: 'test-a', cpu: '100m', ...port }), snapPod({ name: 'p2', node: 'test-b', cpu: '100m', ...port })];
    expect(removed(runPlan(cluster({ pods }), { policy: elapsed }))).toEqual([]);
  });

  it('honours node selectors when placing the pods elsewhere', () => {
    const r = runPlan(cluster({ pods: [light({ nodeSelector: { disk: 'ssd' } }), heavy()] }), { policy: elapsed });
    expect(keptReason(r, 'test-a')).toBe('pods-do-not-fit');
  });

  it.each<[string, Partial<Parameters<typeof snapPod>[0]>]>([
    ['not-replicated', { owner: null }],
    ['local-storage', { localVolumes: ['scratch'] }],
    ['not-safe-to-evict', { annotations: { 'cluster-autoscaler.kubernetes.io/safe-to-evict': 'false' } }],
    ['do-not-disrupt', { annotations: { 'karpenter.sh/do-not-disrupt': 'true' } }],
    ['kube-system-without-pdb', { namespace: 'kube-system' }],
  ])('keeps a node with a blocking pod: %s', (reason, o) => {
    const r = runPlan(cluster({ pods: [light(o), heavy()] }), { policy: elapsed });
    expect(removed(r)).toEqual([]);
    expect(r.decisions).toContainEqual(expect.objectContaining({ kind: 'keep-node', target: 'node test-a', reason }));
  });

  it('keeps a node whose pods a PDB allows no disruption of', () => {
    const r = runPlan(cluster({ pdbs: [pdb({ name: 'light', matchLabels: { app: 'light' }, disruptionsAllowed: 0 })] }), { policy: elapsed });
    expect(keptReason(r, 'test-a')).toBe('pdb');
  });

  // The rule changed (pdb-pacing.test.ts): by default a PDB allowing one disruption lets the drain start
  // (it evicts at the budget's pace); Cluster Autoscaler's all-at-once rule is pdbDisruptionMode "all-at-once".
  it('keeps a node with more pods of a PDB than it allows disruptions under pdbDisruptionMode all-at-once; drains it paced by default', () => {
    const pods = [light({ name: 'l1' }), light({ name: 'l2' }), heavy()];
    const allAtOnce = { ...elapsed, pdbDisruptionMode: 'all-at-once' as const };
    expect(keptReason(runPlan(cluster({ pods, pdbs: [pdb({ name: 'light', matchLabels: { app: 'light' }, disruptionsAllowed: 1 })] }), { policy: allAtOnce }), 'test-a')).toBe('pdb');
    expect(removed(runPlan(cluster({ pods, pdbs: [pdb({ name: 'light', matchLabels: { app: 'light' }, disruptionsAllowed: 2 })] }), { policy: allAtOnce }))).toEqual(['test-a']);
    expect(removed(runPlan(cluster({ pods, pdbs: [pdb({ name: 'light', matchLabels: { app: 'light' }, disruptionsAllowed: 1 })] }), { policy: elapsed }))).toEqual(['test-a']);
  });

  it('shares a PDB\'s disruptions across the nodes removed in one plan', () => {
    const nodes = [a(), b(), snapNode({ name: 'test-c', group: 'workers', instanceType: 'medium' })];
    const pods = [light(), snapPod({ name: 'light-c', node: 'test-c', cpu: '500m', labels: { app: 'light' } }), heavy()];
    const r = runPlan(cluster({ nodes, pods, pdbs: [pdb({ name: 'light', matchLabels: { app: 'light' }, disruptionsAllowed: 1 })] }), { policy: { ...elapsed, maxNonEmptyDrainsPerGroup: 5 } });
    expect(removed(r)).toHaveLength(1);
    expect(r.kept.map((k) => k.reason)).toContain('pdb');
  });

  it('DaemonSet, mirror and finished pods do not block, and the node counts as empty', () => {
    const pods = [heavy(), dsPod({ name: 'agent', node: 'test-a', cpu: '100m', namespace: 'kube-system' }), snapPod({ name: 'done', node: 'test-a', owner: null, phase: 'Succeeded' })];
    const r = runPlan(cluster({ pods }), { policy: elapsed });
    expect(r.remove).toEqual([{ node: 'test-a', nodeGroup: 'default/workers', reason: 'empty', monthlySaving: 40 }]);
  });

  it('needs a synced snapshot for a removal', () => {
    const r = runPlan(cluster({ synced: false }), { policy: elapsed });
    expect(removed(r)).toEqual([]);
    expect(keptReason(r, 'test-a')).toBe('snapshot-not-synced');
    expect(actions(r)).toEqual([]);
  });

  it('keeps NotReady and cordoned nodes out of scale-down', () => {
    const r = runPlan(cluster({ nodes: [a({ ready: false }), b(), snapNode({ name: 'test-c', group: 'workers', unschedulable: true })] }), { policy: elapsed });
    expect(keptReason(r, 'test-a')).toBe('not-ready');
    expect(keptReason(r, 'test-c')).toBe('cordoned');
  });

  it('keeps a node backed off after a failed drain', () => {
    const state: PlanningState = { groups: {}, nodes: { 'test-a': { drainBackoffUntilMs: TEST_NOW_MS + MINUTE_MS } }, operations: [] };
    expect(keptReason(runPlan(cluster(), { state, policy: elapsed }), 'test-a')).toBe('drain-backoff');
    expect(removed(runPlan(cluster(), { state, policy: elapsed, nowMs: TEST_NOW_MS + 2 * MINUTE_MS }))).toEqual(['test-a']);
  });

  it('does not count nodes being drained as room for the pods', () => {
    // test-b is busy (3.8 of 4 CPU), test-c empty: test-a's 500m pod fits only on test-c.
    const busy = snapPod({ name: 'busy', node: 'test-b', cpu: '3800m', memory: '1Gi' });
    const c = (o: Partial<Parameters<typeof snapNode>[0]> = {}) => snapNode({ name: 'test-c', group: 'workers', instanceType: 'medium', ...o });
    const before = cluster({ nodes: [a({ annotations: { [SCALE_DOWN_DISABLED]: 'true' } }), b(), c()], pods: [light(), busy] });
    // A real drain: this plan starts test-c's removal (empty, so it goes; test-a may not be touched yet).
    const first = runPlan(before, { policy: elapsed });
    expect(removed(first)).toEqual(['test-c']);
    const drain = first.state.operations.find((op) => op.kind === 'drain' && op.node === 'test-c');
    expect(drain).toMatchObject({ status: 'cordoning', empty: true });
    expect(commandsOf(first, 'taintNode').map((t) => t.node)).toEqual(['test-c']);

    // Next reconcile: test-a is eligible now. No more empty removals are allowed, so test-c itself can
    // only leave through the drain already started.
    const policy = { ...elapsed, maxEmptyRemovalsPerGroup: 0 };
    const later = { policy, nowMs: TEST_NOW_MS + 1000 };
    const pods = [light(), busy];
    // Control: without the drain test-c is room, and test-a goes.
    const noDrain = runPlan(cluster({ nodes: [a(), b(), c()], pods }), { ...later, state: { ...first.state, operations: [] } });
    expect(removed(noDrain)).toEqual(['test-a']);
    // The taint not visible yet (drain still cordoning): the ledger alone says test-c is leaving.
    const cordoning = runPlan(cluster({ nodes: [a(), b(), c()], pods }), { ...later, state: first.state });
    expect(cordoning.state.operations.find((op) => op.id === drain!.id)?.status).toBe('cordoning');
    expect(removed(cordoning)).toEqual([]);
    expect(keptReason(cordoning, 'test-a')).toBe('pods-do-not-fit');
    // The taint visible: the drain moves on, test-c is still no room.
    const tainted = c({ unschedulable: true, taints: [{ key: TO_BE_DELETED_TAINT, effect: 'NoSchedule' }] });
    const draining = runPlan(cluster({ nodes: [a(), b(), tainted], pods }), { ...later, state: first.state });
    expect(draining.state.operations.find((op) => op.id === drain!.id)?.status).toBe('deleting-node');
    expect(removed(draining)).toEqual([]);
    expect(keptReason(draining, 'test-a')).toBe('pods-do-not-fit');
  });
});

describe('order and budget', () => {
  it('removes empty nodes before non-empty ones, then the least utilized first', () => {
    const nodes = [a(), b(), snapNode({ name: 'test-c', group: 'workers' }), snapNode({ name: 'test-d', group: 'workers' })];
    const pods = [light(), heavy(), snapPod({ name: 'lighter', node: 'test-d', cpu: '200m' })];
    const r = runPlan(cluster({ nodes, pods }), { policy: elapsed });
    // test-c is empty; test-d (5%) is less utilized than test-a (12.5%); one non-empty drain at a time.
    expect(removed(r)).toEqual(['test-c', 'test-d']);
    expect(keptReason(r, 'test-a')).toBe('disruption-budget');
  });

  it('drains at most maxNonEmptyDrainsPerGroup non-empty nodes at a time, counting drains in progress', () => {
    const first = runPlan(cluster({ nodes: [a(), b(), snapNode({ name: 'test-c', group: 'workers' })], pods: [light(), heavy(), snapPod({ name: 'c', node: 'test-c', cpu: '100m' })] }), { policy: elapsed });
    expect(removed(first)).toEqual(['test-c']);
    const second = runPlan(cluster({ nodes: [a(), b(), snapNode({ name: 'test-c', group: 'workers' })], pods: [light(), heavy(), snapPod({ name: 'c', node: 'test-c', cpu: '100m' })] }), { state: first.state, policy: elapsed, nowMs: TEST_NOW_MS + 1000 });
    expect(removed(second)).toEqual([]);
    expect(keptReason(second, 'test-a')).toBe('disruption-budget');
  });

  it('removes at most maxEmptyRemovalsPerGroup empty nodes at a time', () => {
    const empties = ['test-c', 'test-d', 'test-e', 'test-f'].map((name) => snapNode({ name, group: 'workers' }));
    const r = runPlan(cluster({ nodes: [a(), b(), ...empties] }), { policy: { ...elapsed, maxEmptyRemovalsPerGroup: 3, maxNonEmptyDrainsPerGroup: 0 } });
    expect(removed(r)).toEqual(['test-c', 'test-d', 'test-e']);
    expect(removed(runPlan(cluster({ nodes: [a(), b(), ...empties] }), { policy: { ...elapsed, maxEmptyRemovalsPerGroup: 1, maxNonEmptyDrainsPerGroup: 0 } }))).toEqual(['test-c']);
  });

  it('budgets are per group', () => {
    const other = nodeGroup({ name: 'batch', offeringIDs: ['medium'] });
    const nodes = [a(), b(), snapNode({ name: 'test-x', group: 'batch' }), snapNode({ name: 'test-y', group: 'batch' })];
    const pods = [light(), heavy(), snapPod({ name: 'x', node: 'test-x', cpu: '100m' }), snapPod({ name: 'y', node: 'test-y', cpu: '3' })];
    const r = runPlan(cluster({ nodeGroups: [group(), other], nodes, pods }), { policy: elapsed });
    expect(removed(r).sort()).toEqual(['test-a', 'test-x']);
  });
});

describe('starting a removal', () => {
  it('records a drain operation and sends taint + events, a remove summary, a cost delta and a decision', () => {
    const r = runPlan(cluster(), { policy: elapsed });
    expect(commandKinds(r)).toEqual(['taintNode']);
    expect(eventReasons(r)).toEqual(['ScaleDownTriggered', 'DrainStarted']);
    const taint = commandsOf(r, 'taintNode')[0]!;
    expect(taint).toMatchObject({ node: 'test-a', nodeGroup: { namespace: 'default', name: 'workers' }, reason: 'underused' });
    const op = r.state.operations.find((o) => o.kind === 'drain');
    expect(op).toMatchObject({ kind: 'drain', node: 'test-a', nodeGroup: 'default/workers', status: 'cordoning', empty: false, deadlineMs: TEST_NOW_MS + 10 * MINUTE_MS });
    expect(taint.operationId).toBe(op!.id);
    expect(r.remove).toEqual([{ node: 'test-a', nodeGroup: 'default/workers', reason: 'underused', monthlySaving: 40 }]);
    expect(r.monthlyCostDelta).toBe(-40);
    expect(r.decisions).toContainEqual(expect.objectContaining({ kind: 'scale-down', target: 'node test-a', details: expect.objectContaining({ offering: 'medium', monthlyPrice: 40 }) }));
    expect(r.state.groups['default/workers']?.lastScaleDownMs).toBe(TEST_NOW_MS);
    expect(r.nextContactAfterMs).toBeLessThanOrEqual(TEST_NOW_MS + 10_000);
  });

  it('prices a node without an instance-type label from the launch that made it', () => {
    const launch: LaunchOperation = {
      id: 'launch-a', kind: 'launch', nodeGroup: 'default/workers', hostname: 'test-a', offeringId: 'large', status: 'succeeded',
      createdAtMs: TEST_NOW_MS - 30 * MINUTE_MS, updatedAtMs: TEST_NOW_MS - 28 * MINUTE_MS, launchDeadlineMs: 0, registrationDeadlineMs: 0,
    };
    const plain = snapNode({ name: 'test-a', group: 'workers' });
    const r = runPlan(cluster({ nodes: [plain, b()] }), { state: { groups: {}, nodes: {}, operations: [launch] }, policy: elapsed });
    expect(r.monthlyCostDelta).toBe(-80);
  });
});
