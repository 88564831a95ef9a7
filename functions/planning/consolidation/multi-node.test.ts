import { describe, expect, it } from 'vitest';
import { commandsOf, eventReasons, runPlan } from '../../../test/fixtures/plan-helpers.ts';
import { nodeGroup, offering, snapNode, snapPod, snapshot, TEST_NOW_MS, vm, type BuiltPod } from '../../../test/fixtures/snapshot-builders.ts';
import type { NodeGroupSpecInput } from '../../../shared/nodegroup.ts';
import type { SnapshotNode } from '../../../shared/snapshot.ts';
import type { PlanResult } from '../types.ts';

// Multi-node consolidation (multi-node.ts). The binding constraint here is the old nodes' pod
// capacity (launched with maxPods 3): two 8-CPU nodes ($80 each) hold two 1-CPU pods each (25 %),
// so neither node's pods fit on the other. One at a time, each would be replaced by a medium
// (4 CPU, $40): $80 together. Both at once fit on ONE "six" (6 CPU, $55): $55, the cheaper fleet.

const DAY_MS = 24 * 3_600_000;
const OLD = TEST_NOW_MS - 20 * DAY_MS;
const offerings = [
  offering({ identifier: 'small', cpu: 2, ramMiB: 4096, priceMonthly: 20 }),
  offering({ identifier: 'medium', cpu: 4, ramMiB: 8192, priceMonthly: 40 }),
  offering({ identifier: 'six', cpu: 6, ramMiB: 12288, priceMonthly: 55 }),
  offering({ identifier: 'large', cpu: 8, ramMiB: 16384, priceMonthly: 80 }),
];
const group = (spec: Partial<NodeGroupSpecInput> = {}) => nodeGroup({ name: 'workers', offeringIDs: ['small', 'medium', 'six', 'large'], maxNodes: 10, disruption: { budgets: [{ nodes: '100%' }] }, ...spec });
const node = (name: string, i: number, o: Partial<Parameters<typeof snapNode>[0]> = {}): SnapshotNode =>
  snapNode({ name, group: 'workers', instanceType: 'large', cpu: '8', memory: '16Gi', pods: 3, createdAtMs: OLD, providerID: `vpsie://${100 + i}`, ...o });
const pods = (nodeName: string, n = 2, cpu = '1'): BuiltPod[] => Array.from({ length: n }, (_, i) => snapPod({ name: `${nodeName}-p${i}`, node: nodeName, cpu, memory: '1Gi', labels: { app: 'web' }, createdAtMs: OLD }));
const vms = (names: string[]) => names.map((hostname, i) => vm({ hostname, identifier: String(100 + i), marked: true }));

function run(names: string[], o: { group?: ReturnType<typeof group>; podsPer?: number; cpu?: string } = {}): PlanResult {
  return runPlan(snapshot({
    nodeGroups: [o.group ?? group()],
    nodes: names.map((n, i) => node(n, i)),
    pods: names.flatMap((n) => pods(n, o.podsPer ?? 2, o.cpu)),
    offerings,
    vms: vms(names),
  }), { policy: { assumeWindowsElapsed: true } });
}

describe('multi-node consolidation', () => {
  it('replaces two nodes by one cheaper node, saving shown per node and in total', () => {
    const r = run(['n-a', 'n-b']);
    const launches = commandsOf(r, 'createVm');
    expect(launches).toHaveLength(1);
    expect(launches[0]).toMatchObject({ reason: 'consolidation', offeringId: 'six' });
    expect(commandsOf(r, 'taintNode')).toEqual([]); // nothing tainted before the replacement is Ready
    expect(r.provision).toEqual([{ nodeGroup: 'default/workers', offering: 'six', count: 1, monthlyCost: 55, reason: 'consolidation', replaces: ['n-a', 'n-b'] }]);
    expect(r.remove.map((x) => [x.node, x.reason, x.monthlySaving, x.replacedBy])).toEqual([
      ['n-a', 'consolidation', 52.5, launches[0]!.hostname],
      ['n-b', 'consolidation', 52.5, launches[0]!.hostname],
    ]);
    expect(r.monthlyCostDelta).toBe(-105);
    const decision = r.decisions.find((d) => d.kind === 'replace-node');
    expect(decision?.details).toMatchObject({ method: 'multi-node', replaces: 'n-a,n-b', replacedNodes: 2, offering: 'six', replacedMonthlyPrice: 160, monthlySaving: 105 });
    // Why the cheaper-looking options were not taken, as data.
    expect(String(decision?.details?.notTaken)).toContain('delete without replacement');
    expect(String(decision?.details?.notTaken)).toContain('single-node');
    const op = r.state.operations.find((o) => o.kind === 'launch');
    expect(op).toMatchObject({ consolidation: { replaces: ['n-a', 'n-b'], monthlySaving: 105 } });
    // An Event on the NodeGroup says it (kubectl describe ng workers).
    expect(eventReasons(r)).toContain('ConsolidationTriggered');
  });

  it('takes the largest set one node can hold; the rest goes single-node', () => {
    // Full nodes (3 of 3 pods): 9 pods of 0.9 CPU = 8.1 CPU for three, more than a "six" holds
    // (5.8 allocatable), and a large is theirs (never like-for-like): the search settles on 2 (5.4 CPU).
    const r = run(['n-a', 'n-b', 'n-c'], { podsPer: 3, cpu: '900m' });
    const replaced = r.decisions.filter((d) => d.kind === 'replace-node').map((d) => [d.details?.method, d.details?.replaces, d.details?.offering]);
    expect(replaced).toEqual([['multi-node', 'n-a,n-b', 'six'], ['single-node', 'n-c', 'medium']]);
    expect(String(r.decisions.find((d) => d.details?.method === 'multi-node')?.details?.notTaken)).toContain('multi-node of 3 nodes');
    expect(r.monthlyCostDelta).toBe(-(240 - 55 - 40));
  });

  it('three nodes into one when one node holds them all', () => {
    const r = run(['n-a', 'n-b', 'n-c'], { podsPer: 3, cpu: '600m' });
    expect(commandsOf(r, 'createVm')).toHaveLength(1);
    expect(r.provision[0]).toMatchObject({ offering: 'six', replaces: ['n-a', 'n-b', 'n-c'] });
    expect(r.monthlyCostDelta).toBe(-(240 - 55));
  });

  it('needs the disruption budget for every node of the set; the single-node decisions say why not multi', () => {
    const r = run(['n-a', 'n-b'], { group: group({ disruption: { budgets: [{ nodes: '1' }] } }) });
    const replaced = r.decisions.filter((d) => d.kind === 'replace-node');
    expect(replaced.map((d) => d.details?.method)).toEqual(['single-node']);
    expect(String(replaced[0]!.details?.notTaken)).toContain('multi-node: the disruption budget');
    const kept = r.decisions.find((d) => d.kind === 'keep-node' && d.target === 'node n-b');
    expect(kept?.details).toMatchObject({ consolidation: 'disruption-budget' });
  });

  it('never like-for-like: when only their own offering would hold the set, nothing is merged', () => {
    const r = run(['n-a', 'n-b'], { group: group({ offeringIDs: ['large'] }) });
    expect(commandsOf(r, 'createVm')).toEqual([]);
    expect(r.decisions.find((d) => d.kind === 'keep-node' && d.target === 'node n-a')?.details).toMatchObject({ consolidation: 'no-cheaper-offering', multiNode: expect.stringContaining('no offering other than theirs') });
  });
});

describe('multi-node hand-off', () => {
  it('drains every replaced node once the one replacement is Ready', () => {
    const first = run(['n-a', 'n-b']);
    const hostname = commandsOf(first, 'createVm')[0]!.hostname;
    const ready = snapNode({ name: hostname, group: 'workers', instanceType: 'six', cpu: '5800m', memory: '11Gi', createdAtMs: TEST_NOW_MS + 60_000 });
    const r = runPlan(snapshot({
      nodeGroups: [group()],
      nodes: [node('n-a', 0), node('n-b', 1), ready],
      pods: [...pods('n-a'), ...pods('n-b')],
      offerings,
      vms: [...vms(['n-a', 'n-b']), vm({ hostname, identifier: '200', marked: true })],
    }), { state: first.state, policy: { assumeWindowsElapsed: true }, nowMs: TEST_NOW_MS + 3 * 60_000 });
    expect(commandsOf(r, 'taintNode').map((t) => [t.node, t.reason])).toEqual([['n-a', 'consolidation'], ['n-b', 'consolidation']]);
  });
});
