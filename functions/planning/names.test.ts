import { describe, expect, it } from 'vitest';
import { commandsOf, runPlan } from '../../test/fixtures/plan-helpers.ts';
import { nodeGroup, offering, snapPods, snapshot, TEST_NOW_MS } from '../../test/fixtures/snapshot-builders.ts';
import { nameOfferings, offeringNames } from './names.ts';

// Plan identifiers are UUIDs on the real API: where people read (Events, logs, decisions) the
// nickname stands beside the identifier; the structured fields keep the identifier alone.

const PLAN_ID = '9b1e0000-0000-4000-8000-000000000104';
const OTHER_ID = '9b1e0000-0000-4000-8000-0000000001041';

describe('offering names beside identifiers', () => {
  it('names whole identifiers only, each once, longest first', () => {
    const names = offeringNames([offering({ identifier: PLAN_ID, nickname: 'A-4C-8G' }), offering({ identifier: OTHER_ID, nickname: 'X-1' }), offering({ identifier: 'same', nickname: 'same' })]);
    expect(names.has('same')).toBe(false);
    expect(nameOfferings(`launch 2 × ${PLAN_ID} and 1 × ${OTHER_ID}; ${PLAN_ID}x stays`, names)).toBe(`launch 2 × A-4C-8G (${PLAN_ID}) and 1 × X-1 (${OTHER_ID}); ${PLAN_ID}x stays`);
  });

  it('a scale-up plan names the plan in its Event, command message and decision; ids stay in the fields', () => {
    const r = runPlan(snapshot({
      nodeGroups: [nodeGroup({ name: 'workers', offeringIDs: [PLAN_ID] })],
      offerings: [offering({ identifier: PLAN_ID, nickname: 'A-4C-8G', cpu: 4, ramMiB: 8192, priceMonthly: 40 })],
      pods: snapPods(3, 'web', { cpu: '1', unschedulableSinceMs: TEST_NOW_MS - 60_000 }),
    }), { policy: { assumeWindowsElapsed: true } });
    const create = commandsOf(r, 'createVm')[0]!;
    expect(create.offeringId).toBe(PLAN_ID);
    expect(create.message).toContain(`A-4C-8G (${PLAN_ID})`);
    const event = commandsOf(r, 'emitEvent').find((e) => e.eventReason === 'ScaleUpTriggered')!;
    expect(event.message).toContain(`A-4C-8G (${PLAN_ID})`);
    const decision = r.decisions.find((d) => d.kind === 'scale-up')!;
    expect(decision.message).toContain(`A-4C-8G (${PLAN_ID})`);
    expect(decision.details).toMatchObject({ offering: PLAN_ID, offeringName: 'A-4C-8G' });
  });
});

describe('NodeGroup status names the plans being launched', () => {
  it('ScalingUp says how many of which plan, by nickname', () => {
    const r = runPlan(snapshot({
      nodeGroups: [nodeGroup({ name: 'workers', offeringIDs: [PLAN_ID] })],
      offerings: [offering({ identifier: PLAN_ID, nickname: 'A-4C-8G', cpu: 4, ramMiB: 8192, priceMonthly: 40 })],
      pods: snapPods(6, 'web', { cpu: '1', unschedulableSinceMs: TEST_NOW_MS - 60_000 }),
    }), { policy: { assumeWindowsElapsed: true } });
    const launches = commandsOf(r, 'createVm').length;
    expect(launches).toBeGreaterThan(0);
    const status = commandsOf(r, 'updateNodeGroupStatus')[0]!.status;
    expect(status.conditions.find((c) => c.type === 'ScalingUp')?.message).toBe(`${launches} node(s) launching (${launches} × A-4C-8G)`);
  });
});
