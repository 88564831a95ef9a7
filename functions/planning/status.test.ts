import { describe, expect, it } from 'vitest';
import { buildSnapshot, emptyState, nodeGroup, offering, pendingPods, shape, testNode, testPolicy } from '../../test/fixtures/planning-builders.ts';
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
    expect(conditions).toEqual({ Ready: 'True', ScalingUp: 'True', ScalingDown: 'False', Backoff: 'False', ConfigValid: 'True' });
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

  it('reports an invalid group with a decision, a Warning event and ConfigValid=False', () => {
    const snapshot = buildSnapshot({ groups: [nodeGroup('broken', { offeringIDs: ['m'], minNodes: 5, maxNodes: 2 })] });
    const r = plan(snapshot, emptyState(), testPolicy(), NOW);
    expect(r.decisions.find((d) => d.kind === 'config-error')?.message).toMatch(/minNodes \(5\) must not exceed maxNodes \(2\)/);
    const event = r.commands.find((c) => c.kind === 'emitEvent' && c.type === 'Warning');
    expect(event).toBeDefined();
    const update = r.commands.find((c) => c.kind === 'updateNodeGroupStatus');
    expect(update?.kind === 'updateNodeGroupStatus' && update.status.conditions[0]).toMatchObject({ type: 'ConfigValid', status: 'False' });
  });
});
