import { describe, expect, it } from 'vitest';
import { runPlan } from '../../test/fixtures/plan-helpers.ts';
import { nodeGroup, snapNode, snapPod, snapshot, TEST_NOW_MS, vm } from '../../test/fixtures/snapshot-builders.ts';
import { renderTable, toReport } from './render.ts';

// The what-if shows a consolidation: a provision entry and a remove entry sharing reason
// "consolidation", the provision naming what it replaces, the remove its replacement and the saving.

const OLD = TEST_NOW_MS - 20 * 24 * 3_600_000;
const cluster = snapshot({
  nodeGroups: [nodeGroup({ name: 'workers', offeringIDs: ['small', 'medium', 'large'] })],
  nodes: [
    snapNode({ name: 'test-big', group: 'workers', instanceType: 'large', cpu: '8', memory: '16Gi', createdAtMs: OLD, providerID: 'vpsie://1' }),
    snapNode({ name: 'test-busy', group: 'workers', instanceType: 'medium', cpu: '4', memory: '8Gi', createdAtMs: OLD, providerID: 'vpsie://2' }),
  ],
  pods: [snapPod({ name: 'app', node: 'test-big', cpu: '1', memory: '1Gi' }), snapPod({ name: 'filler', node: 'test-busy', cpu: '3500m', memory: '1Gi' })],
  vms: [vm({ hostname: 'test-big', identifier: '1', marked: true }), vm({ hostname: 'test-busy', identifier: '2', marked: true })],
  dryRun: true,
});

describe('plan output for a consolidation', () => {
  const report = toReport(runPlan(cluster, { policy: { assumeWindowsElapsed: true } }));
  it('json: provision and remove share reason consolidation, with replaces and the saving', () => {
    expect(report.provision).toEqual([{ nodeGroup: 'workers', offering: 'small', count: 1, monthlyCost: 20, reason: 'consolidation', replaces: ['test-big'] }]);
    expect(report.remove).toEqual([{ node: 'test-big', nodeGroup: 'workers', reason: 'consolidation', monthlySaving: 60, replacedBy: expect.stringMatching(/^test-workers-/) }]);
    expect(report.monthlyCostDelta).toBe(-60);
  });
  it('table: the saving per removed node and the consolidation sentence', () => {
    const text = renderTable(report);
    expect(text).toMatch(/NODE\s+NODEGROUP\s+REASON\s+SAVES\/MONTH\ntest-big\s+workers\s+consolidation \(by test-workers-\w+\)\s+60\.00/);
    expect(text).toContain('saves 60.00/month');
    expect(text).toContain('Monthly cost change: -60.00');
  });
});
