import { describe, expect, it } from 'vitest';
import { buildSnapshot, emptyState, NO_RESERVATIONS, nodeGroup, offering, pendingPods, shape, testNode, testPolicy, type TestPod } from '../../../test/fixtures/planning-builders.ts';
import { OFFERING_LABEL, STARTUP_TAINT } from '../../../shared/labels.ts';
import { plan } from '../plan.ts';
import type { PlanningState } from '../types.ts';

// Issue #22: the same burst gives the same fleet on every run, whatever the order the pods arrived
// in, and whether the planner saw it in one reconcile or in two with the first launches in flight.
// The burst is issue #22's mix, scaled down (30 × 250m/256Mi, 18 × 1 CPU/1Gi, 12 × 250m/3Gi), on
// the A and G plans of the benchmark's catalogue (kubelet reservations as the defaults).

const NOW = 10_000_000;
const catalogue = [
  offering('A-1C-2G', 1, 2048, 10), offering('A-2C-4G', 2, 4096, 20), offering('A-4C-8G', 4, 8192, 40), offering('A-8C-16G', 8, 16384, 80),
  offering('G-2C-8G', 2, 8192, 45), offering('G-4C-16G', 4, 16384, 90), offering('G-8C-32G', 8, 32768, 180),
];
const classes = [
  { name: 'small', shape: shape({ cpu: '250m', memory: '256Mi', labels: { app: 'small' } }), count: 30 },
  { name: 'cpu', shape: shape({ cpu: '1', memory: '1Gi', labels: { app: 'cpu' } }), count: 18 },
  { name: 'mem', shape: shape({ cpu: '250m', memory: '3Gi', labels: { app: 'mem' } }), count: 12 },
];
const groups = [nodeGroup('workers', { offeringIDs: catalogue.map((o) => o.identifier), maxNodes: 200 })];

/** Every pod of the burst, created (and judged) in a shuffled order between `fromMs` and `fromMs + 60`. */
function burst(seed: number, fromMs: number, scale = 1): TestPod[] {
  const pods = classes.flatMap((c) => pendingPods(c.name, c.shape, c.count * scale));
  // A shuffle by a small linear congruential generator: any order will do, the same one per seed.
  let state = seed;
  const random = () => (state = (state * 48_271) % 2_147_483_647) / 2_147_483_647;
  for (let i = pods.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [pods[i], pods[j]] = [pods[j]!, pods[i]!];
  }
  return pods.map((p, i) => ({ ...p, createdAtMs: fromMs + i, unschedulableSinceMs: fromMs + i }));
}

/** The fleet as offering → count over the launches of these plans. */
function fleet(...results: ReturnType<typeof plan>[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const r of results) for (const p of r.provision) counts[p.offering] = (counts[p.offering] ?? 0) + p.count;
  return Object.fromEntries(Object.entries(counts).sort());
}
const at = (pods: TestPod[], state: PlanningState, nowMs: number) => plan(buildSnapshot({ offerings: catalogue, groups, pods }), state, testPolicy(), nowMs);

describe('the same burst gives the same fleet', () => {
  it('whatever the order its pods arrived in', () => {
    const fleets = [1, 2, 3, 4].map((seed) => fleet(at(burst(seed, NOW - 5_000), emptyState(), NOW)));
    expect(fleets[0]).not.toEqual({});
    for (const f of fleets.slice(1)) expect(f).toEqual(fleets[0]);
  });

  it('split across two reconciles with the first launches in flight: the same fleet whatever the order within each', () => {
    // Reconcile 1 sees the first part of the burst (10 small, 6 cpu, 4 mem pods, in a shuffled order)
    // and launches for it; reconcile 2 sees all 60 (shuffled again), the first launches still in
    // flight (no VM yet): they are capacity, filled largest pod first, and the rest gets new nodes.
    const twoSteps = (seed: number) => {
      const pods = burst(seed, NOW - 20_000);
      const taken = { small: 10, cpu: 6, mem: 4 } as Record<string, number>;
      const early = pods.filter((p) => {
        const cls = p.name.replace(/-\d+$/, '');
        return taken[cls]! > 0 && taken[cls]!-- > 0;
      });
      // The rest were created after reconcile 1 (shuffled among themselves too).
      const rest = pods.filter((p) => !early.includes(p)).map((p, i) => ({ ...p, createdAtMs: NOW - 10_000 + i, unschedulableSinceMs: NOW - 10_000 + i }));
      const first = at(early, emptyState(), NOW - 15_000);
      const second = at([...rest, ...early], first.state, NOW);
      // The launches were sized for the first 20: they take them all (and what room is left over).
      expect(second.decisions.find((d) => d.reason === 'fits-existing-capacity')?.details?.onInFlightNodes).toBeGreaterThanOrEqual(20);
      return fleet(first, second);
    };
    const fleets = [11, 12, 13, 14].map(twoSteps);
    expect(fleets[0]).not.toEqual({});
    for (const f of fleets.slice(1)) expect(f).toEqual(fleets[0]);
  });

  it('a burst cut by a reconcile while it arrives gives the same fleet whatever the order (not the fleet of one plan: see docs/scale-up.md)', () => {
    // 20 pods 1.5 s before the first reconcile, the other 40 in the 400 ms before it: the first plan
    // launches only its well-filled nodes, the next (once the burst settled) the rest.
    const cut = (seed: number) => {
      const pods = burst(seed, NOW - 1_500).map((p, i) => (i < 20 ? p : { ...p, createdAtMs: NOW - 400 + i, unschedulableSinceMs: NOW - 400 + i }));
      const first = at(pods, emptyState(), NOW);
      expect(first.decisions.some((d) => d.reason === 'burst-arriving')).toBe(true);
      const second = at(pods, first.state, NOW + 1_000);
      return { fleet: fleet(first, second), cost: first.monthlyCostDelta + second.monthlyCostDelta };
    };
    const cuts = [31, 32, 33].map(cut);
    for (const c of cuts) expect(c).toEqual(cuts[0]);
  });
});

describe('a burst that arrives over 15 s, planned every 1.234 s', () => {
  // The ReplicaSet controller creates a Deployment's pods over seconds (the Karpenter bench's issue-22
  // burst: 300 pods in ~15 s); here issue #22's 300 pods arrive at 20 a second in a shuffled order,
  // stamped in whole seconds, and the planner runs every 1.234 s with the launches so far in flight.
  // The fleet is the one of a single plan of all 300 pods, whatever the order. (Not so at a fifth of
  // the size: 60 pods at 4 a second cost 350 or 410 against 330 for one plan, depending on the
  // order: the last pods do not fit the nodes in flight as those were planned; docs/scale-up.md.)
  const rounds = (seed: number, everyMs = 50) => {
    const pods = burst(seed, 0, 5).map((p, i) => ({ ...p, arrivesAtMs: NOW + i * everyMs }));
    const stamped = (p: (typeof pods)[number]) => {
      const { arrivesAtMs, ...pod } = p;
      const second = Math.floor(arrivesAtMs / 1000) * 1000;
      return { ...pod, createdAtMs: second, unschedulableSinceMs: second };
    };
    let state = emptyState();
    const results: ReturnType<typeof plan>[] = [];
    for (let now = NOW + 300; now < NOW + 60_000; now += 1_234) {
      const r = at(pods.filter((p) => p.arrivesAtMs <= now).map(stamped), state, now);
      state = r.state;
      results.push(r);
    }
    // Early on only nodes filled as the batch fills them are launched: the first create is not held.
    expect(results.findIndex((r) => r.provision.length > 0)).toBeLessThan(4);
    return { fleet: fleet(...results), cost: results.reduce((c, r) => c + r.monthlyCostDelta, 0) };
  };

  it('costs what one plan of the whole burst costs, and buys the same fleet whatever the order', () => {
    const whole = at(burst(1, NOW - 20_000, 5), emptyState(), NOW);
    const seen = [41, 42, 43].map((seed) => rounds(seed));
    for (const r of seen) expect(r).toEqual({ fleet: fleet(whole), cost: whole.monthlyCostDelta });
  });

  it('the same over 25 s (12 pods a second): the held nodes wait for the whole burst (scaleUpBatchMaxMs 30 s)', () => {
    const whole = at(burst(1, NOW - 40_000, 5), emptyState(), NOW);
    const seen = [41, 42, 43].map((seed) => rounds(seed, 83));
    for (const r of seen) expect(r).toEqual({ fleet: fleet(whole), cost: whole.monthlyCostDelta });
  });
});

describe('nodes launched early in a burst are filled as one plan of the whole burst fills them', () => {
  // The Karpenter bench's memory burst at a fifth of its size (12 × 500m/6Gi, 8 × 250m/3Gi, 4 × 1 CPU/2Gi),
  // ×3, arriving at 12 pods a second. The first plans launch 8-CPU nodes for the pods seen so far;
  // filled first-fit when the rest came, they left pods that one plan of the whole burst packs into
  // the same nodes, and the fleet cost more than that plan's (scale-up/in-flight-fill.ts).
  const memoryClasses = [
    { name: 'big-mem', shape: shape({ cpu: '500m', memory: '6Gi', labels: { app: 'big-mem' } }), count: 36 },
    { name: 'mem', shape: shape({ cpu: '250m', memory: '3Gi', labels: { app: 'mem' } }), count: 24 },
    { name: 'cpu', shape: shape({ cpu: '1', memory: '2Gi', labels: { app: 'cpu' } }), count: 12 },
  ];
  const memoryBurst = (seed: number): TestPod[] => {
    const pods = memoryClasses.flatMap((c) => pendingPods(c.name, c.shape, c.count));
    let state = seed;
    const random = () => (state = (state * 48_271) % 2_147_483_647) / 2_147_483_647;
    for (let i = pods.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [pods[i], pods[j]] = [pods[j]!, pods[i]!];
    }
    return pods;
  };
  const inRounds = (seed: number) => {
    const pods = memoryBurst(seed).map((p, i) => ({ ...p, arrivesAtMs: NOW + i * 83 }));
    let state = emptyState();
    const results: ReturnType<typeof plan>[] = [];
    // The pods arrive in 6 s; the burst hold lets the last nodes go once it settled (a few plans on).
    for (let now = NOW + 300; now < NOW + 20_000; now += 1_234) {
      const seen = pods.filter((p) => p.arrivesAtMs <= now).map(({ arrivesAtMs, ...pod }) => {
        const second = Math.floor(arrivesAtMs / 1000) * 1000;
        return { ...pod, createdAtMs: second, unschedulableSinceMs: second };
      });
      const r = at(seen, state, now);
      state = r.state;
      results.push(r);
    }
    return { fleet: fleet(...results), cost: results.reduce((c, r) => c + r.monthlyCostDelta, 0) };
  };

  it('costs what one plan of the whole burst costs, whatever the order', () => {
    const whole = at(memoryBurst(1).map((p) => ({ ...p, createdAtMs: NOW - 40_000, unschedulableSinceMs: NOW - 40_000 })), emptyState(), NOW);
    expect(whole.unschedulable).toEqual([]);
    for (const seed of [51, 52, 53]) expect(inRounds(seed)).toEqual({ fleet: fleet(whole), cost: whole.monthlyCostDelta });
  });
});


describe('nodes on their way that one plan of the pending pods does not all hold', () => {
  // Three of our 2-CPU nodes joined (Ready, still under the startup taint) for pods of which three
  // one-CPU pods are left: one plan of those is two nodes, so the guide does not apply and the nodes
  // are filled first-fit. The guide must not have bound anything by then: it bound the first nodes'
  // pods in the model, left them out of the placements, and those nodes were released with no pod
  // nominated while the plan counted them full (Karpenter bench: 8 nodes released empty).
  const starting = ['s-1', 's-2', 's-3'].map((name) => testNode(name, { cpu: '2', memory: '4Gi', group: 'workers', labels: { [OFFERING_LABEL]: 'm' }, taints: [{ key: STARTUP_TAINT, value: 'true', effect: 'NoSchedule' }] }));
  const snapshot = buildSnapshot({
    offerings: [offering('m', 2, 4096, 10)],
    groups: [nodeGroup('workers', { offeringIDs: ['m'], kubelet: NO_RESERVATIONS })],
    nodes: starting,
    pods: pendingPods('web', shape({ cpu: '1', memory: '1Gi' }), 3, { createdAtMs: NOW - 60_000, unschedulableSinceMs: NOW - 60_000 }),
  });

  it('releases them with the pods placed on them, each pod once, first-fit, and buys nothing', () => {
    const r = plan(snapshot, emptyState(), testPolicy(), NOW);
    expect(r.provision).toEqual([]);
    const released = Object.fromEntries(r.commands.flatMap((c) => (c.kind === 'releaseNode' ? [[c.node, c.pods.map((p) => p.name)]] : [])));
    expect(released).toEqual({ 's-1': ['web-0', 'web-1'], 's-2': ['web-2'], 's-3': [] });
  });
});
