import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { HOSTNAME_LABEL, NODEGROUP_LABEL } from '../../shared/labels.ts';
import type { Offering, PodShape, SnapshotNode, SnapshotTaint } from '../../shared/snapshot.ts';
import {
  boundPod, buildSnapshot, emptyState, NO_RESERVATIONS, nodeGroup, offering, pendingPods, shape, testNode, testPolicy, type TestPod,
} from '../../test/fixtures/planning-builders.ts';
import { PlanContext } from './context.ts';
import { addTemplateNode, daemonSetPods, findOffering, nodeTemplate } from './node-template.ts';
import { plan } from './plan.ts';
import { runScaleUp } from './scale-up.ts';
import { buildClusterModel, inFlightLaunches } from './simulation/build-model.ts';
import { fits, hostPortsConflict } from './simulation/predicates.ts';
import { matchNodeConstraints, untoleratedTaint } from './simulation/selectors.ts';
import type { SimNode, SimPod } from './simulation/types.ts';
import { cheapestCover } from './scale-up/uniform.ts';

// Properties of scale-up over random clusters:
//   1. Every pending pod the plan binds passes the simulation's rules at the moment it is bound,
//      replayed on a fresh model that holds every node the plan launches (fits), and the final state
//      satisfies the order-independent rules checked by a separate, naive oracle (requests within
//      allocatable, pod count, nodeSelector/affinity, taints, host ports, hostname anti-affinity).
//   2. No group ends above maxNodes (registered + launching + new), through the whole plan().
//   3. For uniform pods the plan costs exactly the brute-force optimum.

const NOW = 10_000_000;
/** FC_RUNS=5000 for a longer search. */
const RUNS = Number(process.env['FC_RUNS'] ?? 300);
const GROUP_LABELS: Record<string, string>[] = [{}, { pool: 'a' }, { pool: 'b', disk: 'ssd' }];
const TAINTS: SnapshotTaint[][] = [[], [{ key: 'dedicated', value: 'x', effect: 'NoSchedule' }], [{ key: 'soft', effect: 'PreferNoSchedule' }]];

const arbShape = fc.record({
  cpu: fc.integer({ min: 0, max: 5000 }),
  memMiB: fc.integer({ min: 0, max: 12000 }),
  selector: fc.constantFrom<Record<string, string>>({}, {}, { pool: 'a' }, { disk: 'ssd' }, { pool: 'zzz' }),
  tolerate: fc.boolean(),
  hostPort: fc.constantFrom(0, 0, 0, 8080),
  anti: fc.boolean(),
  spread: fc.constantFrom(0, 0, 1, 2),
  app: fc.constantFrom('a', 'b', 'c'),
}).map((s): PodShape => shape({
  cpu: `${s.cpu}m`,
  memory: `${s.memMiB}Mi`,
  labels: { app: s.app },
  nodeSelector: s.selector,
  tolerations: s.tolerate ? [{ key: 'dedicated', operator: 'Exists' }] : [],
  hostPorts: s.hostPort ? [{ port: s.hostPort, protocol: 'TCP' }] : [],
  podAntiAffinity: s.anti ? [{ topologyKey: HOSTNAME_LABEL, labelSelector: { matchLabels: { app: s.app } } }] : [],
  topologySpread: s.spread ? [{ maxSkew: s.spread, topologyKey: HOSTNAME_LABEL, whenUnsatisfiable: 'DoNotSchedule', labelSelector: { matchLabels: { app: s.app } } }] : [],
}));

const arbOffering = fc.record({ cpu: fc.integer({ min: 1, max: 8 }), ramGiB: fc.integer({ min: 1, max: 16 }), price: fc.integer({ min: 1, max: 100 }) });

const arbGroup = fc.record({
  labels: fc.integer({ min: 0, max: 2 }),
  taints: fc.integer({ min: 0, max: 2 }),
  offerings: fc.array(arbOffering, { minLength: 1, maxLength: 3 }),
  maxNodes: fc.integer({ min: 0, max: 6 }),
  existing: fc.integer({ min: 0, max: 3 }),
  allowMixed: fc.boolean(),
  backoff: fc.boolean(),
});

const arbCluster = fc.record({
  groups: fc.array(arbGroup, { minLength: 1, maxLength: 3 }),
  shapes: fc.array(arbShape, { minLength: 1, maxLength: 4 }),
  pending: fc.array(fc.record({ shape: fc.nat(), count: fc.integer({ min: 1, max: 8 }) }), { minLength: 1, maxLength: 5 }),
  bound: fc.array(fc.record({ shape: fc.nat(), node: fc.nat() }), { maxLength: 6 }),
  daemonSet: fc.option(fc.record({ cpu: fc.integer({ min: 0, max: 500 }), port: fc.constantFrom(0, 8080) }), { nil: undefined }),
  inFlight: fc.boolean(),
});

type Cluster = typeof arbCluster extends fc.Arbitrary<infer T> ? T : never;

function buildCase(c: Cluster) {
  const offerings: Offering[] = [];
  const groups: ReturnType<typeof nodeGroup>[] = [];
  const nodes: SnapshotNode[] = [];
  const state = emptyState();
  c.groups.forEach((g, gi) => {
    const ids = g.offerings.map((o, oi) => {
      const id = `o${gi}-${oi}`;
      offerings.push(offering(id, o.cpu, o.ramGiB * 1024, o.price));
      return id;
    });
    const name = `g${gi}`;
    groups.push(nodeGroup(name, { offeringIDs: ids, maxNodes: g.maxNodes, allowMixedInstances: g.allowMixed, labels: GROUP_LABELS[g.labels]!, taints: TAINTS[g.taints]!, kubelet: { ...NO_RESERVATIONS, maxPods: 8 } }));
    for (let i = 0; i < g.existing; i++) {
      nodes.push(testNode(`${name}-n${i}`, { cpu: `${g.offerings[0]!.cpu}`, memory: `${g.offerings[0]!.ramGiB}Gi`, pods: 8, group: name, labels: GROUP_LABELS[g.labels], taints: TAINTS[g.taints] }));
    }
    if (g.backoff) state.groups[`default/${name}`] = { consecutiveFailures: 1, backoffUntilMs: NOW + 60_000 };
    if (c.inFlight && gi === 0) {
      state.operations.push({ id: `op-${gi}`, kind: 'launch', nodeGroup: `default/${name}`, hostname: `test-${name}-infl`, offeringId: ids[0]!, status: 'launching', createdAtMs: NOW - 1, updatedAtMs: NOW - 1, launchDeadlineMs: NOW + 1e6, registrationDeadlineMs: NOW + 1e6 });
    }
  });
  const pods: TestPod[] = [];
  c.bound.forEach((b, i) => {
    if (nodes.length === 0) return;
    pods.push(boundPod(`bound-${i}`, nodes[b.node % nodes.length]!.name, c.shapes[b.shape % c.shapes.length]!));
  });
  c.pending.forEach((p, i) => pods.push(...pendingPods(`pending-${i}`, c.shapes[p.shape % c.shapes.length]!, p.count)));
  const daemonSets = c.daemonSet ? [{ name: 'ds', shape: shape({ cpu: `${c.daemonSet.cpu}m`, tolerations: [{ operator: 'Exists' }], hostPorts: c.daemonSet.port ? [{ port: c.daemonSet.port, protocol: 'TCP' as const }] : [] }) }] : [];
  return { snapshot: buildSnapshot({ offerings, groups, nodes, pods, daemonSets, takenAtMs: NOW }), state };
}

/** Naive final-state rules, written independently of predicates.ts. */
function oracleProblems(nodes: readonly SimNode[], podsOn: Map<SimNode, SimPod[]>): string[] {
  const problems: string[] = [];
  // Only nodes the plan put pods on: the generated bound pods may overcommit a node by themselves.
  for (const node of nodes.filter((n) => podsOn.has(n))) {
    const pods = node.pods;
    const sum = (f: (p: SimPod) => number) => pods.reduce((s, p) => s + f(p), 0);
    // As kube-scheduler: a resource is checked only for pods that request it.
    const placed = podsOn.get(node)!;
    if (placed.some((p) => p.shape.requests.cpuMillis > 0) && sum((p) => p.shape.requests.cpuMillis) > node.allocatable.cpuMillis) problems.push(`${node.name}: cpu over allocatable`);
    if (placed.some((p) => p.shape.requests.memoryBytes > 0) && sum((p) => p.shape.requests.memoryBytes) > node.allocatable.memoryBytes) problems.push(`${node.name}: memory over allocatable`);
    if (pods.length > node.allocatable.pods) problems.push(`${node.name}: too many pods`);
    for (const p of placed) {
      for (const other of pods) {
        if (other === p) continue;
        const clash = p.shape.hostPorts.find((a) => other.shape.hostPorts.some((b) => hostPortsConflict(a, b)));
        if (clash) problems.push(`${node.name}: host port ${clash.port} of ${p.key} also used by ${other.key}`);
      }
    }
    for (const pod of podsOn.get(node) ?? []) {
      if (matchNodeConstraints(pod.shape, node.labels, node.name)) problems.push(`${pod.key} on ${node.name}: selector/affinity`);
      if (untoleratedTaint(node.taints, pod.shape.tolerations)) problems.push(`${pod.key} on ${node.name}: taint`);
      for (const term of pod.shape.podAntiAffinity) {
        const clash = pods.find((o) => o !== pod && o.namespace === pod.namespace && Object.entries(term.labelSelector?.matchLabels ?? {}).every(([k, v]) => o.shape.labels[k] === v));
        if (clash) problems.push(`${pod.key} on ${node.name}: anti-affinity with ${clash.key}`);
      }
    }
  }
  return problems;
}

describe('scale-up properties', () => {
  it('binds pending pods only where the simulation allows, on a replay with every launched node', () => {
    fc.assert(fc.property(arbCluster, (c) => {
      const { snapshot, state } = buildCase(c);
      const policy = testPolicy();
      const ctx = new PlanContext(snapshot, structuredClone(state), policy, NOW);
      const outcome = runScaleUp(ctx);

      const launches = inFlightLaunches(state.operations);
      const replay = buildClusterModel(snapshot, { groups: ctx.groups, launches });
      const daemonSets = daemonSetPods(snapshot);
      const podsOn = new Map<SimNode, SimPod[]>();
      const byKey = new Map(replay.pods.map((p) => [p.key, p]));
      for (const step of outcome.steps) {
        if (step.kind === 'node') {
          const group = ctx.groups.find((g) => g.key === step.planned.capacity.group.key)!;
          addTemplateNode(replay.model, nodeTemplate(group, findOffering(snapshot.offerings, group, step.planned.template.offering.identifier)!, daemonSets), step.planned.hostname, 'new');
          continue;
        }
        const { pod, node } = step;
        const target = replay.model.node(node.name);
        expect(target, `node ${node.name} of a placement exists in the replay`).toBeDefined();
        const sim = byKey.get(pod.key)!;
        const misfit = fits(replay.model, target!, sim);
        expect(misfit, `${pod.key} → ${node.name}`).toBeUndefined();
        replay.model.bind(sim, target!);
        podsOn.set(target!, [...(podsOn.get(target!) ?? []), sim]);
      }
      expect(oracleProblems(replay.model.nodes, podsOn)).toEqual([]);
      expect(replay.model.nodes.filter((n) => n.kind === 'new')).toHaveLength(outcome.planned.length);
      // Every pending pod is accounted for: bound, reported unschedulable, or waiting.
      const pending = snapshot.pods.filter((p) => p.nodeName === undefined).length;
      expect(outcome.placements.length + ctx.unschedulable.length).toBe(pending);
    }), { numRuns: RUNS });
  });

  it('never plans a group above maxNodes', () => {
    fc.assert(fc.property(arbCluster, (c) => {
      const { snapshot, state } = buildCase(c);
      const result = plan(snapshot, state, testPolicy(), NOW);
      for (const group of snapshot.nodeGroups) {
        const key = `${group.namespace}/${group.name}`;
        const max = (group.spec as { maxNodes: number }).maxNodes;
        const registered = snapshot.nodes.filter((n) => n.labels[NODEGROUP_LABEL] === group.name).length;
        const launching = state.operations.filter((op) => op.kind === 'launch' && op.nodeGroup === key && !snapshot.nodes.some((n) => n.name === op.hostname)).length;
        const added = result.commands.filter((cmd) => cmd.kind === 'createVm' && cmd.nodeGroup.name === group.name).length;
        if (added > 0) expect(registered + launching + added).toBeLessThanOrEqual(max);
        const backedOff = (state.groups[key]?.backoffUntilMs ?? 0) > NOW;
        if (backedOff) expect(added).toBe(0);
      }
    }), { numRuns: RUNS });
  });
});

describe('uniform pods: the plan costs the optimum (brute force)', () => {
  /** spec.nodeOverhead of the group: a per-node cost the oracle counts too. */
  const OVERHEAD = 2.5;
  const arbUniform = fc.record({
    count: fc.integer({ min: 1, max: 14 }),
    cpu: fc.integer({ min: 100, max: 3000 }),
    memMiB: fc.integer({ min: 64, max: 6000 }),
    offerings: fc.array(arbOffering, { minLength: 1, maxLength: 3 }),
    allowMixed: fc.boolean(),
  });

  it('matches an exhaustive search over node counts per offering', () => {
    fc.assert(fc.property(arbUniform, (u) => {
      const offerings = u.offerings.map((o, i) => offering(`o${i}`, o.cpu, o.ramGiB * 1024, o.price));
      const podShape = shape({ cpu: `${u.cpu}m`, memory: `${u.memMiB}Mi` });
      const snapshot = buildSnapshot({
        offerings,
        groups: [nodeGroup('g', { offeringIDs: offerings.map((o) => o.identifier), allowMixedInstances: u.allowMixed, maxNodes: 1000, kubelet: NO_RESERVATIONS, nodeOverhead: { monthlyCost: OVERHEAD } })],
        pods: pendingPods('p', podShape, u.count),
        takenAtMs: NOW,
      });
      // The optimum by price + spec.nodeOverhead per node (the search's objective), without the
      // fewer-nodes tolerance (which may trade up to its share of cost for fewer nodes on purpose).
      const result = plan(snapshot, emptyState(), testPolicy({ fewerNodesTolerancePercent: 0 }), NOW);
      const perNode = offerings.map((o) => Math.min(110, Math.floor((o.cpu * 1000) / u.cpu), Math.floor((o.ramMiB * 1024 * 1024) / (u.memMiB * 1024 * 1024))));
      let best = Infinity;
      const counts = offerings.map(() => 0);
      const search = (i: number): void => {
        if (i === offerings.length) {
          const used = counts.filter((n) => n > 0).length;
          if (!u.allowMixed && used > 1) return;
          const held = counts.reduce((s, n, j) => s + n * perNode[j]!, 0);
          if (held >= u.count) best = Math.min(best, counts.reduce((s, n, j) => s + n * (offerings[j]!.priceMonthly + OVERHEAD), 0));
          return;
        }
        for (let n = 0; n <= (perNode[i]! > 0 ? u.count : 0); n++) {
          counts[i] = n;
          search(i + 1);
        }
        counts[i] = 0;
      };
      search(0);
      if (best === Infinity) {
        expect(result.provision).toEqual([]);
        expect(result.unschedulable).toHaveLength(u.count);
      } else {
        const nodes = result.provision.reduce((n, p) => n + p.count, 0);
        expect(result.monthlyCostDelta + nodes * OVERHEAD).toBeCloseTo(best, 6);
        expect(result.unschedulable).toEqual([]);
      }
    }), { numRuns: RUNS });
  });

  it('cheapestCover solves the covering knapsack exactly on a known case', () => {
    const cover = cheapestCover(10, [
      { template: 0, perNode: 8, price: 8, preferred: false, group: 0 },
      { template: 1, perNode: 5, price: 6, preferred: false, group: 0 },
    ]);
    expect([...cover!]).toEqual([[1, 2]]);
  });
});
