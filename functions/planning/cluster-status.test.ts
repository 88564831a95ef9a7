import { describe, expect, it } from 'vitest';
import { buildSnapshot, emptyState, nodeGroup, offering, pendingPods, shape, testNode, testPolicy } from '../../test/fixtures/planning-builders.ts';
import type { ClusterStatus } from '../../shared/cluster-status.ts';
import { plan } from './plan.ts';
import type { PlanResult } from './types.ts';

const NOW = 5_000_000;
const iso = (ms: number) => new Date(ms).toISOString();

function summary(r: PlanResult): ClusterStatus {
  const commands = r.commands.filter((c) => c.kind === 'updateClusterStatus');
  expect(commands).toHaveLength(1);
  // The last command of the plan: it sums up what came before.
  expect(r.commands.at(-1)).toBe(commands[0]);
  return commands[0]!.kind === 'updateClusterStatus' ? commands[0]!.status : (undefined as never);
}

describe('cluster status', () => {
  it('is Healthy with nothing to do, and says when the groups last scaled', () => {
    const state = emptyState();
    state.groups['default/workers'] = { consecutiveFailures: 0, lastScaleUpMs: NOW - 60_000, lastScaleDownMs: NOW - 120_000 };
    const s = summary(plan(buildSnapshot({ offerings: [offering('m', 2, 4096, 10)], groups: [nodeGroup('workers', { offeringIDs: ['m'], minNodes: 1 })], nodes: [testNode('w1', { group: 'workers', cpu: '2' })] }), state, testPolicy(), NOW));
    expect(s).toMatchObject({ time: iso(NOW), health: 'Healthy', message: '1 NodeGroup(s) healthy', pendingPods: { unschedulable: 0, triggeredScaleUp: 0, notTriggeredScaleUp: 0 } });
    expect(s.lastScaleUpTime).toBe(iso(NOW - 60_000));
    expect(s.lastScaleDownTime).toBe(iso(NOW - 120_000));
    expect(s.lastActivityTime).toBe(iso(NOW - 60_000));
    expect(s.nodeGroups).toEqual([expect.objectContaining({ name: 'default/workers', health: 'Healthy', readyNodes: 1, minNodes: 1, scaleUp: 'NoActivity' })]);
  });

  it('counts pending pods helped and not helped; Degraded while one has no group', () => {
    const pods = [...pendingPods('web', shape({ cpu: '1' }), 2), ...pendingPods('odd', shape({ cpu: '1', nodeSelector: { disk: 'nvme' } }), 1)];
    const s = summary(plan(buildSnapshot({ offerings: [offering('m', 2, 4096, 10)], groups: [nodeGroup('workers', { offeringIDs: ['m'] })], pods }), emptyState(), testPolicy({ assumeWindowsElapsed: true }), NOW));
    expect(s.pendingPods).toEqual({ unschedulable: 3, triggeredScaleUp: 2, notTriggeredScaleUp: 1 });
    expect(s.health).toBe('Degraded');
    expect(s.nodeGroups[0]).toMatchObject({ scaleUp: 'InProgress', lastScaleUpTime: iso(NOW) });
  });

  it('is Unhealthy with an invalid group or one below minNodes, listing those first', () => {
    const groups = [nodeGroup('a-fine', { offeringIDs: ['m'] }), nodeGroup('broken', { offeringIDs: ['m'], minNodes: 3, maxNodes: 1 }), nodeGroup('short', { offeringIDs: ['m'], minNodes: 1 })];
    const state = emptyState();
    state.groups['default/short'] = { consecutiveFailures: 3, backoffUntilMs: NOW + 60_000 };
    const s = summary(plan(buildSnapshot({ offerings: [offering('m', 2, 4096, 10)], groups }), state, testPolicy(), NOW));
    expect(s.health).toBe('Unhealthy');
    expect(s.nodeGroups.map((g) => [g.name, g.health])).toEqual([['default/broken', 'Unhealthy'], ['default/short', 'Unhealthy'], ['default/a-fine', 'Healthy']]);
    expect(s.message).toContain('default/broken: invalid spec: spec.minNodes: minNodes (3) must not exceed maxNodes (1)');
    expect(s.nodeGroups.find((g) => g.name === 'default/short')).toMatchObject({ scaleUp: 'Backoff' });
  });
});
