import { describe, expect, it } from 'vitest';
import { buildSnapshot, emptyState, NO_RESERVATIONS, nodeGroup, offering, pendingPods, shape, testNode, testPolicy } from '../../test/fixtures/planning-builders.ts';
import { plan } from './plan.ts';

// Issue 16: two NodeGroups with the same namespace/name are refused, not silently merged or raced.

const NOW = 10_000_000;
const pods = pendingPods('web', shape({ cpu: '1', memory: '1Gi' }), 4);
const offerings = [offering('m', 2, 4096, 10), offering('l', 4, 8192, 18)];

describe('duplicate NodeGroups', () => {
  const run = (groups: ReturnType<typeof nodeGroup>[]) => plan(buildSnapshot({ offerings, groups, pods }), emptyState(), testPolicy(), NOW);

  it('a duplicated namespace/name gets one config-error decision and one Warning Event, and no plan', () => {
    const r = run([
      nodeGroup('workers', { offeringIDs: ['m'], kubelet: NO_RESERVATIONS }),
      nodeGroup('workers', { offeringIDs: ['l'], kubelet: NO_RESERVATIONS, minNodes: 1 }),
    ]);
    expect(r.provision).toEqual([]);
    expect(r.commands.filter((c) => c.kind === 'createVm')).toEqual([]);
    const errors = r.decisions.filter((d) => d.kind === 'config-error');
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ target: 'ng default/workers', nodeGroup: 'default/workers', message: expect.stringContaining('2 NodeGroups are named default/workers') });
    const events = r.commands.filter((c) => c.kind === 'emitEvent' && c.involved.name === 'workers');
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ type: 'Warning', eventReason: 'InvalidConfiguration' });
    // The pods have no group left to trigger: reported, not silently dropped.
    expect(r.unschedulable.map((u) => u.reason)).toEqual(['no-node-groups', 'no-node-groups', 'no-node-groups', 'no-node-groups']);
  });

  it('other groups are planned as usual, and the same name in another namespace is a different group', () => {
    const r = run([
      nodeGroup('workers', { offeringIDs: ['m'], kubelet: NO_RESERVATIONS }),
      nodeGroup('workers', { offeringIDs: ['m'], kubelet: NO_RESERVATIONS }),
      nodeGroup('workers', { offeringIDs: ['m'], kubelet: NO_RESERVATIONS }, 'team-b'),
    ]);
    expect(r.provision).toEqual([{ nodeGroup: 'team-b/workers', offering: 'm', count: 2, monthlyCost: 20 }]);
    expect(r.decisions.filter((d) => d.kind === 'config-error').map((d) => d.nodeGroup)).toEqual(['default/workers']);
  });

  it('nodes of a duplicated group are left alone (not removed, not replaced)', () => {
    const snapshot = buildSnapshot({
      offerings,
      groups: [nodeGroup('workers', { offeringIDs: ['m'] }), nodeGroup('workers', { offeringIDs: ['m'] })],
      nodes: [testNode('test-workers-aaaaa', { cpu: '2', group: 'workers' })],
    });
    const r = plan(snapshot, emptyState(), testPolicy({ assumeWindowsElapsed: true }), NOW);
    expect(r.remove).toEqual([]);
    expect(r.commands.filter((c) => c.kind === 'taintNode' || c.kind === 'createVm' || c.kind === 'deleteVm')).toEqual([]);
  });
});
