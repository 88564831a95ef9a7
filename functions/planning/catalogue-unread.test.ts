import { describe, expect, it } from 'vitest';
import { runPlan } from '../../test/fixtures/plan-helpers.ts';
import { nodeGroup, snapPods, snapshot, TEST_NOW_MS } from '../../test/fixtures/snapshot-builders.ts';

// Without VPSie credentials the forwarder runs dry and sends no catalogue: the pending pods are
// reported with that cause, not as offerings missing from the catalogue.

const world = (o: { dryRun: boolean; vms: [] | null; offerings?: [] }) => snapshot({
  dryRun: o.dryRun,
  vms: o.vms,
  ...(o.offerings ? { offerings: o.offerings } : {}),
  nodeGroups: [nodeGroup({ name: 'workers', offeringIDs: ['medium'] })],
  pods: snapPods(2, 'web', { cpu: '1', unschedulableSinceMs: TEST_NOW_MS - 60_000 }),
});
const policy = { assumeWindowsElapsed: true };

describe('an unread VPSie catalogue', () => {
  it('dry-run without credentials: "no VPSie credentials", not "not in the catalogue"', () => {
    const r = runPlan(world({ dryRun: true, vms: null, offerings: [] }), { policy });
    expect(r.unschedulable.map((u) => u.reason)).toEqual(['vpsie-catalogue-unread', 'vpsie-catalogue-unread']);
    expect(r.unschedulable[0]!.message).toContain('no VPSie credentials');
    expect(r.unschedulable[0]!.message).not.toContain('is in the VPSie catalogue');
    const decision = r.decisions.find((d) => d.kind === 'unschedulable')!;
    expect(decision.reason).toBe('vpsie-catalogue-unread');
    expect(decision.message).toContain('no VPSie credentials');
  });

  it('a catalogue that was read but lacks the offering keeps offering-missing', () => {
    const r = runPlan(world({ dryRun: true, vms: [], offerings: [] }), { policy });
    expect(r.unschedulable.map((u) => u.reason)).toEqual(['offering-missing', 'offering-missing']);
  });
});
