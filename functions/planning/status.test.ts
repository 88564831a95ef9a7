import { describe, expect, it } from 'vitest';
import { boundPod, buildSnapshot, emptyState, nodeGroup, offering, pendingPods, shape, testNode, testPolicy } from '../../test/fixtures/planning-builders.ts';
import type { Condition, NodeGroupStatus } from '../../shared/nodegroup.ts';
import { plan } from './plan.ts';

const NOW = 5_000_000;

describe('planStatus', () => {
  it('reports counts, conditions and the node list of each valid group', () => {
    const snapshot = buildSnapshot({
      offerings: [offering('m', 2, 4096, 10)],
      groups: [nodeGroup('workers', { offeringIDs: ['m'], minNodes: 1, maxNodes: 5 })],
      nodes: [testNode('w1', { group: 'workers', cpu: '1', labels: { 'node.kubernetes.io/instance-type': 'm' } }), testNode('w2', { group: 'workers', ready: false })],
      pods: pendingPods('big', shape({ cpu: '1500m' }), 1),
    });
    const r = plan(snapshot, emptyState(), testPolicy(), NOW);
    const update = r.commands.find((c) => c.kind === 'updateNodeGroupStatus');
    expect(update?.kind).toBe('updateNodeGroupStatus');
    if (update?.kind !== 'updateNodeGroupStatus') return;
    expect(update.status).toMatchObject({ currentNodes: 2, desiredNodes: 3, readyNodes: 1, observedGeneration: 1 });
    const conditions = Object.fromEntries(update.status.conditions.map((c) => [c.type, c.status]));
    expect(conditions).toEqual({ Ready: 'True', ScalingUp: 'True', ScalingDown: 'False', Backoff: 'False', AtMaxNodes: 'False', ConfigurationValid: 'True' });
    expect(update.status.nodeList.map((n) => [n.nodeName.startsWith('test-workers-') ? 'new' : n.nodeName, n.status, n.instanceType])).toEqual([
      ['new', 'Provisioning', 'm'],
      ['w1', 'Ready', 'm'],
      ['w2', 'NotReady', ''],
    ]);
  });

  it('says BelowMinNodes when the Ready nodes are leaving: minNodes counts only nodes that serve', () => {
    const leaving = testNode('w1', { group: 'workers', taints: [{ key: 'autoscaler.vpsie.com/to-be-deleted', effect: 'NoSchedule' }] });
    const snapshot = buildSnapshot({
      offerings: [offering('m', 2, 4096, 10)],
      groups: [nodeGroup('workers', { offeringIDs: ['m'], minNodes: 1, maxNodes: 5 })],
      nodes: [leaving, testNode('w2', { group: 'workers', ready: false })],
    });
    const update = plan(snapshot, emptyState(), testPolicy(), NOW).commands.find((c) => c.kind === 'updateNodeGroupStatus');
    if (update?.kind !== 'updateNodeGroupStatus') throw new Error('no status update');
    expect(update.status.conditions.find((c) => c.type === 'Ready')).toMatchObject({
      status: 'False', reason: 'BelowMinNodes', message: '1 of 2 node(s) Ready, 0 serving (not leaving; minNodes 1, maxNodes 5)',
    });
  });

  it('reports an invalid group with a decision, a Warning event and ConfigurationValid=False', () => {
    const snapshot = buildSnapshot({ groups: [nodeGroup('broken', { offeringIDs: ['m'], minNodes: 5, maxNodes: 2 })] });
    const r = plan(snapshot, emptyState(), testPolicy(), NOW);
    expect(r.decisions.find((d) => d.kind === 'config-error')?.message).toMatch(/minNodes \(5\) must not exceed maxNodes \(2\)/);
    const event = r.commands.find((c) => c.kind === 'emitEvent' && c.type === 'Warning');
    expect(event).toBeDefined();
    const update = r.commands.find((c) => c.kind === 'updateNodeGroupStatus');
    expect(update?.kind === 'updateNodeGroupStatus' && update.status.conditions[0]).toMatchObject({ type: 'ConfigurationValid', status: 'False', message: expect.stringContaining('minNodes (5) must not exceed maxNodes (2)') });
  });

  it('moves lastTransitionTime only on a transition: ScalingUp True through the launch, False once its node is Ready', () => {
    const groups = [nodeGroup('workers', { offeringIDs: ['m'], maxNodes: 2 })];
    const offerings = [offering('m', 2, 4096, 10)];
    const pods = pendingPods('big', shape({ cpu: '1500m' }), 1);
    const p1 = plan(buildSnapshot({ offerings, groups, pods }), emptyState(), testPolicy(), NOW);
    const s1 = statusOf(p1);
    expect(condition(s1, 'ScalingUp')).toMatchObject({ status: 'True', lastTransitionTime: new Date(NOW).toISOString() });
    expect(s1.lastScaleUpTime).toBe(new Date(NOW).toISOString());
    expect(s1.lastScaleDownTime).toBeUndefined();

    const p2 = plan(buildSnapshot({ offerings, groups, pods }), p1.state, testPolicy(), NOW + 30_000);
    const s2 = statusOf(p2);
    for (const type of ['Ready', 'ScalingUp', 'ScalingDown', 'Backoff', 'AtMaxNodes', 'ConfigurationValid']) {
      expect(condition(s2, type).lastTransitionTime, type).toBe(new Date(NOW).toISOString());
    }

    const hostname = p1.commands.find((c) => c.kind === 'createVm')!;
    if (hostname.kind !== 'createVm') throw new Error('no launch');
    const joined = buildSnapshot({ offerings, groups, nodes: [testNode(hostname.hostname, { group: 'workers', labels: { 'node.kubernetes.io/instance-type': 'm' } })] });
    joined.vms = [{ identifier: '7', hostname: hostname.hostname, state: 'running', marked: true, nodeGroup: { namespace: 'default', name: 'workers' } }];
    const p3 = plan(joined, p2.state, testPolicy(), NOW + 90_000);
    const s3 = statusOf(p3);
    expect(condition(s3, 'ScalingUp')).toMatchObject({ status: 'False', lastTransitionTime: new Date(NOW + 90_000).toISOString() });
    expect(condition(s3, 'Ready').lastTransitionTime).toBe(new Date(NOW).toISOString());
    expect(s3.lastScaleUpTime).toBe(new Date(NOW).toISOString());
  });

  it('says AtMaxNodes and Backoff with its end', () => {
    const groups = [nodeGroup('workers', { offeringIDs: ['m'], maxNodes: 1 })];
    const state = emptyState();
    state.groups['default/workers'] = { consecutiveFailures: 2, backoffUntilMs: NOW + 600_000 };
    const r = plan(buildSnapshot({ offerings: [offering('m', 2, 4096, 10)], groups, nodes: [testNode('w1', { group: 'workers' })] }), state, testPolicy(), NOW);
    const s = statusOf(r);
    expect(condition(s, 'AtMaxNodes')).toMatchObject({ status: 'True', reason: 'MaxNodesReached' });
    expect(condition(s, 'Backoff')).toMatchObject({ status: 'True', reason: 'LaunchFailures', message: `launches paused until ${new Date(NOW + 600_000).toISOString()} after 2 consecutive failure(s)` });
  });

  it('lists the scale-down candidates with why each is kept or going', () => {
    const groups = [nodeGroup('workers', { offeringIDs: ['m'], minNodes: 0, maxNodes: 5 })];
    const nodes = [testNode('idle', { group: 'workers' }), testNode('busy', { group: 'workers', cpu: '1' })];
    const pods = [boundPod('work', 'busy', shape({ cpu: '900m' }))];
    const snapshot = buildSnapshot({ offerings: [offering('m', 2, 4096, 10)], groups, nodes, pods });
    const waiting = statusOf(plan(snapshot, emptyState(), testPolicy(), NOW));
    expect(waiting.scaleDownCandidates).toEqual([{ nodeName: 'idle', action: 'Keep', reason: expect.any(String), message: expect.stringMatching(/window|below/) }]);
    const going = statusOf(plan(snapshot, emptyState(), testPolicy({ assumeWindowsElapsed: true }), NOW));
    expect(going.scaleDownCandidates).toEqual([{ nodeName: 'idle', action: 'Remove', reason: 'empty', message: expect.stringContaining('cordoning') }]);
    expect(going.lastScaleDownTime).toBe(new Date(NOW).toISOString());
    expect(condition(going, 'ScalingDown')).toMatchObject({ status: 'True', message: '1 node(s) being removed: idle' });
  });
});

function statusOf(r: ReturnType<typeof plan>, name = 'workers'): NodeGroupStatus {
  const update = r.commands.find((c) => c.kind === 'updateNodeGroupStatus' && c.nodeGroup.name === name);
  if (update?.kind !== 'updateNodeGroupStatus') throw new Error(`no status for ${name}`);
  return update.status;
}

function condition(status: NodeGroupStatus, type: string): Condition {
  const found = status.conditions.find((c) => c.type === type);
  if (!found) throw new Error(`no condition ${type}`);
  return found;
}
