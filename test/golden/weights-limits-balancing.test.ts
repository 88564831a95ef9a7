import { describe, expect, it } from 'vitest';
import { splitEvenly } from '../../functions/planning/scale-up/balance.ts';
import { INSTANCE_TYPE_LABEL, NODEGROUP_LABEL } from '../../shared/labels.ts';
import type { PodShape } from '../../shared/snapshot.ts';
import { emptyState, NO_RESERVATIONS, nodeGroup, offering } from '../fixtures/planning-builders.ts';
import { boundPod, groupNode, pendingPods, podShape, runPlan } from './golden-harness.ts';

// Weights, limits and balancing, ported from the anchors' public tests (inputs and expected
// outcomes; none of their code):
// - Karpenter (kubernetes-sigs/karpenter) pkg/controllers/provisioning/scheduling/suite_test.go,
//   Context "Weighted NodePools"; pkg/controllers/provisioning/suite_test.go, Context "Limits".
//   Karpenter's fake instance types: small 2 CPU / 2Gi, default 4 CPU / 4Gi, 100m CPU overhead.
// - Cluster Autoscaler (kubernetes/autoscaler) expander/priority/priority_test.go (priority
//   expander; its regex tiers become NodeGroup weights) and
//   processors/nodegroupset/balancing_processor_test.go (TestBalanceSingleGroup,
//   TestBalanceUnderMaxSize, TestBalanceHittingMaxSize; AddNodeGroup(id, min, max, size)).
//
// Where ours differs, the case says so:
// - Karpenter's identical pools differ only in weight, so price cannot decide; ours also run with the
//   weighted pool dearer, to show the weight wins over price (Karpenter: weight orders NodePools
//   before any price).
// - CA's priority expander drops groups that match no priority when some do; an unweighted group
//   here is weight 0, the lowest tier: it still takes pods no weighted group can take.
// - CA picks at random among the best-priority options; ours picks the cheapest of them.

const GI = 1024 ** 3;
const kubelet = { ...NO_RESERVATIONS, kubeReserved: { cpu: '100m', memory: '10Mi' }, maxPods: 5 };
const small = (id = 'small-instance-type', price = 4, datacenterID = 'dc1') => offering(id, 2, 2048, price, { datacenterID });
const large = (id = 'default-instance-type', price = 8) => offering(id, 4, 4096, price);

function pool(name: string, spec: Record<string, unknown> = {}, offeringIDs = ['small-instance-type', 'default-instance-type']) {
  return nodeGroup(name, { offeringIDs, kubelet, ...spec });
}

describe('golden: Karpenter weighted NodePools', () => {
  it('should schedule to the nodepool with the highest priority always (3 pods → the weight-100 pool)', () => {
    const outcome = runPlan({ offerings: [small(), large()], groups: [pool('default'), pool('w20', { weight: 20 }), pool('w100', { weight: 100 })], pods: pendingPods('p', podShape(100, 0), 3) });
    expect(outcome.nodes).toEqual({ w100: 1 });
    expect(outcome.podsOnNewNodes).toBe(3);
  });

  it('(ours) the highest weight wins even when its offering is dearer', () => {
    const outcome = runPlan({
      offerings: [small('cheap', 1), small('dear', 50)],
      groups: [pool('cheap', {}, ['cheap']), pool('dear', { weight: 100 }, ['dear'])],
      pods: pendingPods('p', podShape(100, 0), 3),
    });
    expect(outcome.nodes).toEqual({ dear: 1 });
  });

  it('should schedule to explicitly selected nodepool even if other nodePools are higher priority', () => {
    const outcome = runPlan({
      offerings: [small(), large()],
      groups: [pool('targeted'), pool('w20', { weight: 20 }), pool('w100', { weight: 100 })],
      pods: pendingPods('p', podShape(100, 0, { nodeSelector: { [NODEGROUP_LABEL]: 'targeted' } }), 1),
    });
    expect(outcome.nodes).toEqual({ targeted: 1 });
  });

  it('(ours) pods the highest-weight group cannot take (its maxNodes) go to the next weight', () => {
    const antiAffine: Partial<PodShape> = { labels: { app: 'foo' }, podAntiAffinity: [{ topologyKey: 'kubernetes.io/hostname', labelSelector: { matchLabels: { app: 'foo' } } }] };
    const outcome = runPlan({
      offerings: [small(), large()],
      groups: [pool('low', { weight: 1 }), pool('high', { weight: 100, maxNodes: 2 })],
      pods: pendingPods('p', podShape(100, 0, antiAffine), 3),
    });
    expect(outcome.nodes).toEqual({ high: 2, low: 1 });
  });
});

describe('golden: Cluster Autoscaler priority expander (weights)', () => {
  // priority_test.go's config: 5 → t2.micro; 10 → t2.large, t3.large; 50 → m4.4xlarge.
  const offerings = [offering('t2-micro', 1, 1024, 1), offering('t2-large', 2, 8192, 7), offering('t3-large', 2, 8192, 6), offering('m4-4xlarge', 16, 65536, 60)];
  const groups = (without: string[] = []) => [
    nodeGroup('t2-micro', { offeringIDs: ['t2-micro'], weight: 5, kubelet: NO_RESERVATIONS }),
    nodeGroup('t2-large', { offeringIDs: ['t2-large'], weight: 10, kubelet: NO_RESERVATIONS }),
    nodeGroup('t3-large', { offeringIDs: ['t3-large'], weight: 10, kubelet: NO_RESERVATIONS }),
    nodeGroup('m4-4xlarge', { offeringIDs: ['m4-4xlarge'], weight: 50, kubelet: NO_RESERVATIONS }),
  ].filter((g) => !without.includes(g.name));

  it('selects the single best-priority option out of many (m4.4xlarge)', () => {
    expect(runPlan({ offerings, groups: groups(), pods: pendingPods('p', podShape(500, 256 * 2 ** 20), 1) }).nodes).toEqual({ 'm4-4xlarge': 1 });
  });

  it('two options share the best priority (t2.large, t3.large): CA picks either; ours the cheaper (t3.large)', () => {
    expect(runPlan({ offerings, groups: groups(['m4-4xlarge']), pods: pendingPods('p', podShape(500, 256 * 2 ** 20), 1) }).nodes).toEqual({ 't3-large': 1 });
  });

  it('the single matching option out of one (t2.large only)', () => {
    expect(runPlan({ offerings, groups: groups(['m4-4xlarge', 't3-large', 't2-micro']), pods: pendingPods('p', podShape(500, 0), 1) }).nodes).toEqual({ 't2-large': 1 });
  });

  it('a pod only the low-priority group fits goes there (t2.micro selected by label)', () => {
    const pods = pendingPods('p', podShape(500, 0, { nodeSelector: { [INSTANCE_TYPE_LABEL]: 't2-micro' } }), 1);
    expect(runPlan({ offerings, groups: groups(), pods }).nodes).toEqual({ 't2-micro': 1 });
  });
});

describe('golden: Karpenter limits', () => {
  it('should not schedule when limits are exceeded (limit 20 CPU, 100 CPU provisioned)', () => {
    const outcome = runPlan({
      offerings: [small(), large(), offering('existing-100', 100, 102400, 200)],
      groups: [pool('default', { limits: { cpu: '20' } })],
      nodes: [groupNode('existing', 'default', 100_000, 102400, { labels: { [INSTANCE_TYPE_LABEL]: 'existing-100' } })],
      pods: [boundPod('filler', 'existing', podShape(100_000, 0)), ...pendingPods('p', podShape(100, 0), 1)],
    });
    expect(outcome.nodes).toEqual({});
    expect(outcome.result.unschedulable.map((u) => u.reason)).toEqual(['group-limit']);
    expect(outcome.result.unschedulable[0]!.message).toContain('spec.limits.cpu 20');
  });

  it('should schedule if limits would be met (limit 2 CPU, a 1.75 CPU pod → one 2 CPU node)', () => {
    const outcome = runPlan({ offerings: [small(), large()], groups: [pool('default', { limits: { cpu: '2' } })], pods: pendingPods('p', podShape(1750, 0), 1) });
    expect(outcome.offerings).toEqual({ 'small-instance-type': 1 });
  });

  it('should partially schedule if limits would be exceeded (limit 3 CPU, two anti-affine 1.5 CPU pods → one node)', () => {
    const antiAffine: Partial<PodShape> = { labels: { app: 'foo' }, podAntiAffinity: [{ topologyKey: 'kubernetes.io/hostname', labelSelector: { matchLabels: { app: 'foo' } } }] };
    const outcome = runPlan({ offerings: [small(), large()], groups: [pool('default', { limits: { cpu: '3' } })], pods: pendingPods('p', podShape(1500, 0, antiAffine), 2) });
    expect(outcome.offerings).toEqual({ 'small-instance-type': 1 });
    expect(outcome.podsOnNewNodes).toBe(1);
    expect(outcome.result.unschedulable.map((u) => u.reason)).toEqual(['group-limit']);
    expect(outcome.result.decisions.find((d) => d.kind === 'unschedulable')?.reason).toBe('group-limit');
  });

  it('(ours) a memory limit and a monthly cost limit bound the launch the same way', () => {
    const byMemory = runPlan({ offerings: [small()], groups: [pool('default', { limits: { memory: '5Gi' } }, ['small-instance-type'])], pods: pendingPods('p', podShape(1500, 0), 4) });
    expect(byMemory.offerings).toEqual({ 'small-instance-type': 2 }); // 2 × 2Gi ≤ 5Gi < 3 × 2Gi
    const byCost = runPlan({ offerings: [small()], groups: [pool('default', { limits: { monthlyCost: 12 } }, ['small-instance-type'])], pods: pendingPods('p', podShape(1500, 0), 4) });
    expect(byCost.offerings).toEqual({ 'small-instance-type': 3 }); // 3 × 4 = 12 ≤ 12
    expect(byCost.result.unschedulable[0]!.message).toContain('spec.limits.monthlyCost 12.00');
  });

  it('(ours) a limited high-weight group leaves the rest to the next weight', () => {
    const outcome = runPlan({
      offerings: [small()],
      groups: [pool('primary', { weight: 100, limits: { cpu: '4' } }, ['small-instance-type']), pool('secondary', {}, ['small-instance-type'])],
      pods: pendingPods('p', podShape(1500, 0), 3),
    });
    expect(outcome.nodes).toEqual({ primary: 2, secondary: 1 });
    expect(outcome.result.unschedulable).toEqual([]);
  });

  it('(ours) minNodes stops at the limit and says so', () => {
    const outcome = runPlan({ offerings: [small()], groups: [pool('default', { minNodes: 3, limits: { cpu: '4' } }, ['small-instance-type'])] });
    expect(outcome.nodes).toEqual({ default: 2 });
    expect(outcome.result.decisions.find((d) => d.reason === 'group-limit')?.message).toContain('spec.limits.cpu 4');
  });
});

describe('golden: Cluster Autoscaler BalanceScaleUpBetweenGroups (the split on counts)', () => {
  const g = (min: number, max: number, size: number) => ({ current: size, max, min });
  it('TestBalanceSingleGroup: one group takes 1, then 4', () => {
    expect(splitEvenly([g(1, 10, 1)], 1)).toEqual([1]);
    expect(splitEvenly([g(1, 10, 1)], 4)).toEqual([4]);
  });
  it('TestBalanceUnderMaxSize: sizes 1, 3, 5, 5 (max 10)', () => {
    const groups = [g(1, 10, 1), g(1, 10, 3), g(1, 10, 5), g(1, 10, 5)];
    expect(splitEvenly(groups, 1)).toEqual([1, 0, 0, 0]);
    expect(splitEvenly(groups, 2)).toEqual([2, 0, 0, 0]);
    expect(splitEvenly(groups, 4)).toEqual([3, 1, 0, 0]); // both to 4
    const five = splitEvenly(groups, 5); // sizes 4 and 5 on ng1/ng2, either way
    expect([five[0]! + 1, five[1]! + 3].sort()).toEqual([4, 5]);
    expect(five.slice(2)).toEqual([0, 0]);
    expect(splitEvenly(groups, 10)).toEqual([5, 3, 1, 1]); // all to 6
  });
  it('TestBalanceHittingMaxSize', () => {
    const ng = { ng1: g(1, 1, 1), ng2: g(1, 3, 1), ng3: g(1, 10, 3), ng4: g(1, 7, 5), ng5: g(1, 3, 6) };
    expect(splitEvenly([ng.ng1], 1)).toEqual([0]); // one maxed-out group: nothing
    expect(splitEvenly([ng.ng1, ng.ng2], 1)).toEqual([0, 1]);
    expect(splitEvenly([ng.ng1, ng.ng2], 5)).toEqual([0, 2]); // capped at ng2's max 3
    expect(splitEvenly([ng.ng2, ng.ng3], 4)).toEqual([2, 2]); // 3 and 5
    expect(splitEvenly([ng.ng2, ng.ng3, ng.ng4], 9)).toEqual([2, 5, 2]); // 3, 8, 7
    expect(splitEvenly([ng.ng2, ng.ng3, ng.ng4], 900)).toEqual([2, 7, 2]); // 3, 10, 7
    expect(splitEvenly([ng.ng2, ng.ng5], 1)).toEqual([1, 0]); // ng5 over its max
  });
});

describe('golden: balancing similar groups in the planner (CA --balance-similar-node-groups)', () => {
  // Three groups, one per datacenter, same plan size and labels; sizes 1, 3, 5 as in
  // TestBalanceUnderMaxSize. Every existing node is full; each pending pod needs a whole node.
  const dcs = ['dc1', 'dc2', 'dc3'];
  const parts = (pending: number, sizes = [1, 3, 5]) => {
    const offerings = dcs.map((dc) => small(`plan-${dc}`, 4, dc));
    const groups = dcs.map((dc) => nodeGroup(`ng-${dc}`, { offeringIDs: [`plan-${dc}`], datacenterID: dc, maxNodes: 10, kubelet: NO_RESERVATIONS }));
    const nodes = dcs.flatMap((dc, i) => Array.from({ length: sizes[i]! }, (_, k) => groupNode(`${dc}-n${k}`, `ng-${dc}`, 2000, 2048, { labels: { [INSTANCE_TYPE_LABEL]: `plan-${dc}` } })));
    const pods = [...nodes.map((n) => boundPod(`fill-${n.name}`, n.name, podShape(2000, 0))), ...pendingPods('p', podShape(1500, 0), pending)];
    return { offerings, groups, nodes, pods };
  };

  it('off (the default): one group takes the whole scale-up', () => {
    expect(Object.keys(runPlan(parts(4)).nodes)).toHaveLength(1);
  });

  it('on: 4 new nodes raise the two smallest groups to 4 each (1+3, 3+1)', () => {
    expect(runPlan(parts(4), emptyState(), { balanceSimilarNodeGroups: true }).nodes).toEqual({ 'ng-dc1': 3, 'ng-dc2': 1 });
  });

  it('on: 10 new nodes bring all three to 6 (TestBalanceUnderMaxSize with three groups: +5, +3, +1)', () => {
    expect(runPlan(parts(9), emptyState(), { balanceSimilarNodeGroups: true }).nodes).toEqual({ 'ng-dc1': 5, 'ng-dc2': 3, 'ng-dc3': 1 });
  });

  it('on: similar groups share even when one is cheaper (CA compares nodes, not prices)', () => {
    const p = parts(4);
    p.offerings[0] = small('plan-dc1', 3, 'dc1');
    expect(runPlan(p, emptyState(), { balanceSimilarNodeGroups: true }).nodes).toEqual({ 'ng-dc1': 3, 'ng-dc2': 1 });
  });

  it('on: a group with other labels is not similar and keeps the whole scale-up it won on price', () => {
    const p = parts(4);
    p.offerings[0] = small('plan-dc1', 3, 'dc1');
    p.groups[0] = nodeGroup('ng-dc1', { offeringIDs: ['plan-dc1'], datacenterID: 'dc1', maxNodes: 10, kubelet: NO_RESERVATIONS, labels: { tier: 'gold' } });
    expect(runPlan(p, emptyState(), { balanceSimilarNodeGroups: true }).nodes).toEqual({ 'ng-dc1': 4 });
  });

  it('on: a group at its maxNodes takes nothing; the rest share', () => {
    const p = parts(4);
    p.groups[0] = nodeGroup('ng-dc1', { offeringIDs: ['plan-dc1'], datacenterID: 'dc1', maxNodes: 1, kubelet: NO_RESERVATIONS });
    expect(runPlan(p, emptyState(), { balanceSimilarNodeGroups: true }).nodes).toEqual({ 'ng-dc2': 3, 'ng-dc3': 1 });
  });

  it('on: pods pinned to a zone are not moved out of it', () => {
    const p = parts(0);
    p.pods.push(...pendingPods('z', podShape(1500, 0, { nodeSelector: { 'topology.kubernetes.io/zone': 'dc3' } }), 2));
    expect(runPlan(p, emptyState(), { balanceSimilarNodeGroups: true }).nodes).toEqual({ 'ng-dc3': 2 });
  });
});

describe('zone labels on planned nodes (topology spread over VPSie datacenters)', () => {
  const offerings = ['dc1', 'dc2'].map((dc) => small(`plan-${dc}`, dc === 'dc1' ? 4 : 5, dc));
  const groups = ['dc1', 'dc2'].map((dc) => nodeGroup(`ng-${dc}`, { offeringIDs: [`plan-${dc}`], datacenterID: dc, kubelet: NO_RESERVATIONS }));

  it('a required zone spread (maxSkew 1) launches in the datacenter the spread needs, not the cheaper one', () => {
    const web: Partial<PodShape> = { labels: { app: 'web' }, topologySpread: [{ maxSkew: 1, topologyKey: 'topology.kubernetes.io/zone', whenUnsatisfiable: 'DoNotSchedule', labelSelector: { matchLabels: { app: 'web' } } }] };
    const zone = (dc: string) => ({ 'topology.kubernetes.io/zone': dc, 'topology.kubernetes.io/region': dc, [INSTANCE_TYPE_LABEL]: `plan-${dc}` });
    const outcome = runPlan({
      offerings,
      groups,
      // dc1 runs two web replicas, dc2 none; both nodes are full.
      nodes: [groupNode('a', 'ng-dc1', 2000, 2048, { labels: zone('dc1') }), groupNode('b', 'ng-dc2', 2000, 2048, { labels: zone('dc2') })],
      pods: [boundPod('web-a', 'a', podShape(1000, 0, web)), boundPod('web-b', 'a', podShape(1000, 0, web)), boundPod('other', 'b', podShape(2000, 0)), ...pendingPods('web', podShape(1500, 0, web), 2)],
    });
    expect(outcome.nodes).toEqual({ 'ng-dc2': 2 });
    expect(outcome.unschedulable).toEqual([]);
  });

  it('zone affinity selects the datacenter', () => {
    const outcome = runPlan({ offerings, groups, pods: pendingPods('p', podShape(100, 0, { nodeSelector: { 'topology.kubernetes.io/region': 'dc2' } }), 1) });
    expect(outcome.nodes).toEqual({ 'ng-dc2': 1 });
  });
});

void GI;
