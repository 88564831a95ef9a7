import { describe, expect, it } from 'vitest';
import { commandsOf, resultFor, runPlan } from '../../test/fixtures/plan-helpers.ts';
import { nodeGroup, snapNode, snapPod, snapshot, TEST_NOW_MS, vm } from '../../test/fixtures/snapshot-builders.ts';
import type { CommandResult, SnapshotNode } from '../../shared/snapshot.ts';

// A pod a drain evicts is told why, in an Event sent before its eviction (once evicted it may be gone
// before anyone could read the Event on it).

const TAINT = { key: 'autoscaler.vpsie.com/to-be-deleted', effect: 'NoSchedule' as const };
const nodeA = (o: Partial<Parameters<typeof snapNode>[0]> = {}) => snapNode({ name: 'test-nodea', group: 'workers', instanceType: 'medium', providerID: 'vpsie://101', ...o });
const light = snapPod({ name: 'light', node: 'test-nodea', cpu: '500m', labels: { app: 'light' } });
const heavy = snapPod({ name: 'heavy', node: 'test-nodeb', cpu: '3' });

function world(a: SnapshotNode, results: CommandResult[] = []) {
  return snapshot({
    nodeGroups: [nodeGroup({ name: 'workers', offeringIDs: ['medium'] })],
    nodes: [a, snapNode({ name: 'test-nodeb', group: 'workers', instanceType: 'medium' })],
    pods: [light, heavy],
    results,
    vms: [vm({ hostname: 'test-nodea', identifier: '101', marked: true }), vm({ hostname: 'test-nodeb', identifier: '102', marked: true })],
    synced: true,
  });
}

describe('eviction events', () => {
  it('tells each evicted pod the drain reason, before the evictPod command', () => {
    const policy = { assumeWindowsElapsed: true };
    const p1 = runPlan(world(nodeA()), { policy });
    const taint = commandsOf(p1, 'taintNode')[0]!;
    const p2 = runPlan(world(nodeA({ taints: [TAINT], unschedulable: true }), [resultFor(taint)]), { state: p1.state, policy, nowMs: TEST_NOW_MS + 10_000 });
    const evictAt = p2.commands.findIndex((c) => c.kind === 'evictPod');
    const eventAt = p2.commands.findIndex((c) => c.kind === 'emitEvent' && c.involved.kind === 'Pod');
    expect(evictAt).toBeGreaterThan(-1);
    expect(eventAt).toBeGreaterThan(-1);
    expect(eventAt).toBeLessThan(evictAt);
    const event = p2.commands[eventAt]!;
    if (event.kind !== 'emitEvent') throw new Error('not an event');
    expect(event).toMatchObject({ eventReason: 'ScaleDown', type: 'Normal', involved: { kind: 'Pod', namespace: 'default', name: 'light' } });
    expect(event.message).toBe(`evicting pod: node test-nodea is being removed (underused): ${taint.message}`);
  });
});
