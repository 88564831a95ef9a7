import { describe, expect, it } from 'vitest';
import { commandsOf, eventReasons, MINUTE_MS, runPlan } from '../../../test/fixtures/plan-helpers.ts';
import { nodeGroup, snapNode, snapPod, snapshot, TEST_NOW_MS, vm, type BuiltPod } from '../../../test/fixtures/snapshot-builders.ts';
import { DO_NOT_DISRUPT } from '../../../shared/labels.ts';
import { LAUNCH_TEMPLATE_LABEL, launchTemplateHash } from '../../../shared/launch-template.ts';
import { parseNodeGroupSpec, type NodeGroupSpecInput } from '../../../shared/nodegroup.ts';
import type { SnapshotNode } from '../../../shared/snapshot.ts';
import type { LaunchOperation, PlanResult } from '../types.ts';

// Drift (drift.ts, drift-replace.ts), with cases after Karpenter's drift suite
// (pkg/controllers/disruption/drift_test.go). Nodes carry the hash of the spec they were launched
// with (as the forwarder writes it); the group's spec is then changed. Nodes are busy (60 % CPU,
// above the scale-down thresholds) so that only drift can move them; they are young (2 days):
// drift is not held by minNodeAgeSeconds.

const LAUNCHED: NodeGroupSpecInput = {
  minNodes: 0, maxNodes: 10, datacenterID: 'dc1', offeringIDs: ['small', 'medium', 'large'], osImageID: 'ubuntu-24',
  labels: { tier: 'web' }, taints: [], bootstrap: { secretName: 'boot' }, disruption: { budgets: [{ nodes: '100%' }] },
};
const HASH = launchTemplateHash(parseNodeGroupSpec(LAUNCHED));
const YOUNG = TEST_NOW_MS - 2 * 24 * 3_600_000;
const group = (change: Partial<NodeGroupSpecInput> = {}) => nodeGroup({ name: 'workers', ...LAUNCHED, ...change });
const node = (name: string, i: number, o: Partial<Parameters<typeof snapNode>[0]> = {}): SnapshotNode =>
  snapNode({ name, group: 'workers', instanceType: 'medium', cpu: '3800m', memory: '7Gi', labels: { tier: 'web', [LAUNCH_TEMPLATE_LABEL]: HASH }, createdAtMs: YOUNG + i * 60_000, providerID: `vpsie://${100 + i}`, ...o });
const busyPod = (nodeName: string, o: Partial<Parameters<typeof snapPod>[0]> = {}): BuiltPod =>
  snapPod({ name: `${nodeName}-app`, node: nodeName, cpu: '2300m', memory: '1Gi', labels: { app: 'web' }, createdAtMs: YOUNG, ...o });
const vms = (names: string[]) => names.map((hostname, i) => vm({ hostname, identifier: String(100 + i), marked: true }));

function run(o: { group?: ReturnType<typeof group>; nodes?: SnapshotNode[]; pods?: BuiltPod[] } = {}): PlanResult {
  const nodes = o.nodes ?? [node('n-a', 0)];
  return runPlan(snapshot({ nodeGroups: [o.group ?? group()], nodes, pods: o.pods ?? nodes.map((n) => busyPod(n.name)), vms: vms(nodes.map((n) => n.name)) }));
}
const replacements = (r: PlanResult) => r.decisions.filter((d) => d.kind === 'replace-node' && d.reason === 'drifted');
const drifted = (r: PlanResult) => r.remove.filter((x) => x.reason === 'drifted').map((x) => x.node);

describe('what is drift (one case per launch-template field)', () => {
  const cases: Array<[string, Partial<NodeGroupSpecInput>, string]> = [
    ['its plan removed from offeringIDs', { offeringIDs: ['small', 'large'] }, 'offering-removed'],
    ['OS image', { osImageID: 'debian-12' }, 'launch-template'],
    ['datacenter', { datacenterID: 'dc2' }, 'launch-template'],
    ['bootstrap template', { bootstrap: { secretName: 'boot-v2' } }, 'launch-template'],
    ['kubelet settings', { kubelet: { maxPods: 60 } }, 'launch-template'],
    ['labels', { labels: { tier: 'batch' } }, 'launch-template'],
    // PreferNoSchedule: the busy pod tolerates nothing, and must still fit on the replacement.
    ['taints', { taints: [{ key: 'dedicated', value: 'web', effect: 'PreferNoSchedule' }] }, 'launch-template'],
  ];
  for (const [what, change, reason] of cases) {
    it(`${what} changed: the node is replaced (reason Drifted)`, () => {
      const r = run({ group: group(change) });
      expect(drifted(r), what).toEqual(['n-a']);
      expect(commandsOf(r, 'createVm')[0]).toMatchObject({ reason: 'drifted' });
      expect(String(replacements(r)[0]?.details?.drift)).toContain('n-a');
      expect(r.decisions.some((d) => d.details?.drift !== undefined && r.remove.some((x) => x.node === 'n-a'))).toBe(true);
      void reason;
    });
  }

  it('names the field when the node shows it (labels, taints)', () => {
    expect(String(replacements(run({ group: group({ labels: { tier: 'batch' } }) }))[0]?.details?.drift)).toContain('labels changed: tier=batch (node: web)');
    expect(String(replacements(run({ group: group({ taints: [{ key: 'gpu', effect: 'PreferNoSchedule' }] }) }))[0]?.details?.drift)).toContain('taints changed: gpu:PreferNoSchedule');
    expect(String(replacements(run({ group: group({ offeringIDs: ['small', 'large'] }) }))[0]?.details?.drift)).toContain('its plan medium is no longer in the offeringIDs');
  });

  const behavioural: Array<[string, Partial<NodeGroupSpecInput>]> = [
    ['min/max', { minNodes: 1, maxNodes: 20 }],
    ['scale-down policy', { scaleDownPolicy: { cpuThreshold: 40 } }],
    ['scale-up policy', { scaleUpPolicy: { cpuThreshold: 90 } }],
    ['disruption', { disruption: { consolidationPolicy: 'WhenEmpty', budgets: [{ nodes: '100%' }] } }],
    ['an offering added', { offeringIDs: ['small', 'medium', 'large', 'xl'] }],
    ['preferred type', { preferredInstanceType: 'large' }],
  ];
  for (const [what, change] of behavioural) {
    it(`${what} changed: not drift, nothing happens`, () => {
      const r = run({ group: group(change) });
      expect(drifted(r), what).toEqual([]);
      expect(commandsOf(r, 'createVm')).toEqual([]);
    });
  }

  it('a node without the launch-template label (older forwarder) is never drifted by template', () => {
    const r = run({ group: group({ osImageID: 'debian-12' }), nodes: [node('n-a', 0, { labels: { tier: 'web' } })] });
    expect(drifted(r)).toEqual([]);
  });
});

describe('how drift is replaced (Karpenter drift suite)', () => {
  const changed = () => group({ osImageID: 'debian-12' });

  it('replaces drifted nodes: launch first, drain once Ready (Karpenter: "should replace drifted nodes")', () => {
    const first = run({ group: changed() });
    const hostname = commandsOf(first, 'createVm')[0]!.hostname;
    expect(commandsOf(first, 'taintNode')).toEqual([]);
    const op = first.state.operations.find((o): o is LaunchOperation => o.kind === 'launch');
    expect(op?.consolidation).toMatchObject({ replaces: ['n-a'], cause: 'drifted' });
    expect(eventReasons(first)).toContain('DriftReplacementTriggered');
    const fresh = snapNode({ name: hostname, group: 'workers', instanceType: 'medium', cpu: '3800m', memory: '7Gi', labels: { tier: 'web', [LAUNCH_TEMPLATE_LABEL]: launchTemplateHash(parseNodeGroupSpec({ ...LAUNCHED, osImageID: 'debian-12' })) }, createdAtMs: TEST_NOW_MS + MINUTE_MS });
    const ready = runPlan(snapshot({ nodeGroups: [changed()], nodes: [node('n-a', 0), fresh], pods: [busyPod('n-a')], vms: [...vms(['n-a']), vm({ hostname, identifier: '300', marked: true })] }), { state: first.state, nowMs: TEST_NOW_MS + 3 * MINUTE_MS });
    expect(commandsOf(ready, 'taintNode').map((t) => [t.node, t.reason])).toEqual([['n-a', 'drifted']]);
    // The new node, launched with the current template, is not drifted.
    expect(drifted(ready)).toEqual([]);
  });

  it('deletes drifted nodes whose pods fit elsewhere (Karpenter: "should delete drifted nodes")', () => {
    const other = snapNode({ name: 'other', group: 'workers', instanceType: 'large', cpu: '7800m', memory: '15Gi', labels: { tier: 'web', [LAUNCH_TEMPLATE_LABEL]: launchTemplateHash(parseNodeGroupSpec({ ...LAUNCHED, osImageID: 'debian-12' })) }, createdAtMs: YOUNG, providerID: 'vpsie://199' });
    const r = runPlan(snapshot({ nodeGroups: [changed()], nodes: [node('n-a', 0), other], pods: [busyPod('n-a'), busyPod('other', { cpu: '4' })], vms: [...vms(['n-a']), vm({ hostname: 'other', identifier: '199', marked: true })] }));
    expect(commandsOf(r, 'createVm')).toEqual([]);
    expect(r.remove).toEqual([expect.objectContaining({ node: 'n-a', reason: 'drifted', monthlySaving: 40 })]);
    expect(commandsOf(r, 'taintNode').map((t) => [t.node, t.reason])).toEqual([['n-a', 'drifted']]);
  });

  it('ignores drifted nodes with do-not-disrupt on the node or a pod, and says so', () => {
    const onNode = run({ group: changed(), nodes: [node('n-a', 0, { annotations: { [DO_NOT_DISRUPT]: 'true' } })] });
    expect(drifted(onNode)).toEqual([]);
    expect(onNode.decisions.find((d) => d.target === 'node n-a' && d.kind === 'keep-node')).toMatchObject({ reason: 'do-not-disrupt-annotation', details: { drift: 'launch-template' } });
    const onPod = run({ group: changed(), pods: [busyPod('n-a', { annotations: { [DO_NOT_DISRUPT]: 'true' } })] });
    expect(drifted(onPod)).toEqual([]);
    expect(commandsOf(onPod, 'createVm')).toEqual([]);
  });

  it('respects the budget for reason Drifted: 30 % of 10 nodes is 3 (Karpenter: "should only consider 3 nodes")', () => {
    const names = Array.from({ length: 10 }, (_, i) => `n-${i}`);
    const r = run({ group: group({ osImageID: 'debian-12', maxNodes: 30, disruption: { budgets: [{ nodes: '30%', reasons: ['Drifted'] }] } }), nodes: names.map((n, i) => node(n, i)) });
    expect(drifted(r)).toHaveLength(3);
    expect(r.decisions.filter((d) => d.kind === 'keep-node' && d.reason === 'disruption-budget' && d.details?.drift)).toHaveLength(7);
    // A budget of 0 for Drifted stops all of it.
    const none = run({ group: group({ osImageID: 'debian-12', disruption: { budgets: [{ nodes: '100%' }, { nodes: '0', reasons: ['Drifted'] }] } }) });
    expect(drifted(none)).toEqual([]);
  });

  it('empty drifted nodes first, then the oldest (Karpenter: "should drift empty nodes before non-empty nodes")', () => {
    const r = run({ group: group({ osImageID: 'debian-12', disruption: { budgets: [{ nodes: '1' }] } }), nodes: [node('n-a', 0), node('n-b', 1)], pods: [busyPod('n-a')] });
    expect(drifted(r)).toEqual(['n-b']);
  });

  it('continues to the next drifted node when the first cannot be rescheduled (Karpenter)', () => {
    const huge = busyPod('n-a', { cpu: '3700m' }); // fits on no offering other than its own medium... and a medium holds it
    const r = run({ group: group({ osImageID: 'debian-12', offeringIDs: ['small', 'medium'] }), nodes: [node('n-a', 0, { cpu: '8', instanceType: 'large' }), node('n-b', 1)], pods: [{ ...huge, shape: { ...huge.shape, requests: { ...huge.shape.requests, cpuMillis: 7000 } } }, busyPod('n-b')] });
    // n-a: offering removed and its 7-CPU pod fits no offering of the group: kept, with the reason.
    expect(r.decisions.find((d) => d.target === 'node n-a' && d.kind === 'keep-node')).toMatchObject({ reason: 'no-single-replacement', details: { drift: 'offering-removed' } });
    expect(drifted(r)).toEqual(['n-b']);
  });

  it('expireAfterSeconds: a node older than the maximum lifetime is replaced; a younger one is not, and the planner wakes then', () => {
    const r = run({ group: group({ disruption: { budgets: [{ nodes: '100%' }], expireAfterSeconds: 24 * 3600 } }) });
    expect(drifted(r)).toEqual(['n-a']);
    expect(String(replacements(r)[0]?.details?.drift)).toContain('expireAfterSeconds is 86400');
    const later = run({ group: group({ disruption: { budgets: [{ nodes: '100%' }], expireAfterSeconds: 3 * 24 * 3600 } }) });
    expect(drifted(later)).toEqual([]);
    expect(later.nextContactAfterMs).toBeLessThanOrEqual(YOUNG + 3 * 24 * 3_600_000);
  });
});
