// The Karpenter bench's bursts (test/bench/karpenter/bursts.ts) arriving over time, planned offline
// (docs/benchmark-karpenter.md, "Measured"): `npx tsx scripts/burst-arrival.ts`. Pods are created at
// RATE a second (default 20, the test control plane's ReplicaSet controller), the classes in turn as
// parallel ReplicaSets create them (each until it has its count; ORDER=shuffle: a seeded shuffle),
// stamped in whole seconds; plan() runs every EVERY ms (default 1234) with its state carried over.
// A launched node is Ready READY ms after its plan (default 1500; READY=never: launches stay in
// flight, the planner alone), and a scheduler binds the pending pods every 100 ms, oldest first,
// to the Ready node with the best LeastAllocated + BalancedAllocation score (kube-scheduler's
// default resource scores, equal weights). Env: B (one burst), SEEDS (default 0,1,2), POLICY (JSON
// policy overrides), DBG=1 (each plan's launches, and its fewer-nodes trade-off if any). Prints each run's fleet, $/h (sum of the plans'
// monthly cost deltas / 730), the first create and when every pod was bound.
// As the forwarder does (issue #22), a launched node is Ready under the startup taint (it takes no
// pod) until a plan's releaseNode for it: its listed pods, still pending, are nominated for it and
// the taint goes, and the next snapshot reports the release done; the scheduler tries a nominated
// pod's node first, the nominated pods before the others (so they count against their node), and a
// failed attempt clears the nomination; unreleased nodes lose the taint 60 s after Ready (the
// fallback). STARTUP=off: no startup taint (the model before issue #22's release).
// Nodes carry the offering label (autoscaler.vpsie.com/offering) as the forwarder's kubelet flags set it.
import { buildSnapshot, emptyState, nodeGroup, offering, pendingPods, shape, testNode, testPolicy, type TestPod } from '../test/fixtures/planning-builders.ts';
import { plan } from '../functions/planning/plan.ts';
import { OFFERING_LABEL, STARTUP_TAINT } from '../shared/labels.ts';
import type { CommandResult } from '../shared/snapshot.ts';
import { BURSTS } from '../test/bench/karpenter/bursts.ts';
import { BENCH_DC } from '../test/bench/karpenter/catalogue.ts';
import { SIM_CATEGORIES, SIM_PLANS, plansFor } from '../test/vpsie-sim/index.ts';

const sims = SIM_CATEGORIES.flatMap((c) => plansFor(BENCH_DC, c.identifier, SIM_PLANS));
const offerings = sims.map((p) => offering(p.identifier, p.cpu, p.ram, Number(p.price), { nickname: p.nickname, datacenterID: BENCH_DC }));
const byId = new Map(sims.map((p) => [p.identifier, p]));
const groups = [nodeGroup('bench', { offeringIDs: offerings.map((o) => o.identifier), maxNodes: 500, datacenterID: BENCH_DC })];
const T0 = 10_000_000;
const RATE = Number(process.env.RATE ?? 20);
const EVERY = Number(process.env.EVERY ?? 1234);
const READY = process.env.READY === 'never' ? Infinity : Number(process.env.READY ?? 1500);
const policy = testPolicy(JSON.parse(process.env.POLICY ?? '{}'));
const sec = (ms: number) => Math.floor(ms / 1000) * 1000;
const STARTUP = process.env.STARTUP !== 'off';
const FALLBACK_MS = 60_000;

interface Pod extends TestPod { cpu: number; mem: number; at: number; node?: string; triedAt?: number; nominated?: string }
interface Node { name: string; offering: string; cpu: number; mem: number; usedCpu: number; usedMem: number; pods: number; readyAt: number; released: boolean }
const takesPods = (n: Node, now: number) => n.readyAt <= now && (n.released || now >= n.readyAt + FALLBACK_MS);

function arrivals(burst: (typeof BURSTS)[number], seed: number): Pod[] {
  const lists = burst.classes.map((c) => pendingPods(`${burst.name}-${c.name}`, shape({ cpu: `${c.cpuMillis}m`, memory: `${c.memoryMiB}Mi`, labels: { app: c.name } }), c.count)
    .map((p) => ({ ...p, cpu: c.cpuMillis, mem: c.memoryMiB, at: 0 })));
  const all: Pod[] = [];
  if (process.env.ORDER === 'shuffle') {
    all.push(...lists.flat());
    let s = seed * 7919 + 1;
    const random = () => (s = (s * 48_271) % 2_147_483_647) / 2_147_483_647;
    for (let i = all.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [all[i], all[j]] = [all[j]!, all[i]!];
    }
  } else {
    const total = lists.reduce((n, l) => n + l.length, 0);
    for (let k = seed; all.length < total; k++) {
      const list = lists[k % lists.length]!;
      if (list.length > 0) all.push(list.shift()!);
    }
  }
  return all.map((p, i) => ({ ...p, at: T0 + Math.round((i * 1000) / RATE) }));
}

function schedule(pods: Pod[], nodes: Node[], now: number): void {
  // Nominated pods first: on their node when it fits them (then the others see them there).
  const nominatedFirst = [...pods.filter((p) => p.nominated !== undefined), ...pods.filter((p) => p.nominated === undefined)];
  for (const p of nominatedFirst) {
    if (p.at > now || p.node) continue;
    const fits = (n: Node) => takesPods(n, now) && n.cpu - n.usedCpu >= p.cpu && n.mem - n.usedMem >= p.mem && n.pods < 110;
    const own = p.nominated !== undefined ? nodes.find((n) => n.name === p.nominated && fits(n)) : undefined;
    const fit = own ? [own] : nodes.filter(fits);
    if (fit.length === 0) {
      p.triedAt ??= now;
      delete p.nominated; // a failed attempt clears the nomination, as kube-scheduler does
      continue;
    }
    const score = (n: Node) => {
      const c = (n.usedCpu + p.cpu) / n.cpu;
      const m = (n.usedMem + p.mem) / n.mem;
      return (2 - c - m) / 2 + (1 - Math.abs(c - m) / 2);
    };
    const best = fit.reduce((a, n) => (score(n) > score(a) ? n : a));
    best.usedCpu += p.cpu;
    best.usedMem += p.mem;
    best.pods++;
    p.node = best.name;
  }
}

for (const burst of BURSTS.filter((b) => !process.env.B || b.name === process.env.B)) {
  const fleets = new Set<string>();
  for (const seed of (process.env.SEEDS ?? '0,1,2').split(',').map(Number)) {
    const pods = arrivals(burst, seed);
    const nodes: Node[] = [];
    let state = emptyState();
    const fleet: Record<string, number> = {};
    let cost = 0;
    let first: number | undefined;
    let allBound: number | undefined;
    let results: CommandResult[] = [];
    for (let now = T0, next = T0 + 300; now < T0 + 90_000; now += 100) {
      schedule(pods, nodes, now);
      if (allBound === undefined && pods.every((p) => p.node)) allBound = now - T0;
      if (now < next) continue;
      next = now + EVERY;
      const seen: TestPod[] = pods.filter((p) => p.at <= now).map(({ cpu: _c, mem: _m, at, node, triedAt, nominated, ...p }) => (node
        ? { ...p, phase: 'Running' as const, nodeName: node, createdAtMs: sec(at), unschedulableSinceMs: undefined }
        : { ...p, createdAtMs: sec(at), unschedulableSinceMs: triedAt !== undefined ? sec(triedAt) : undefined, ...(nominated !== undefined ? { nominatedNodeName: nominated } : {}) }));
      const ready = nodes.filter((n) => n.readyAt <= now).map((n) => testNode(n.name, { cpu: `${n.cpu}m`, memory: `${n.mem}Mi`, group: 'bench', labels: { [OFFERING_LABEL]: n.offering }, createdAtMs: sec(n.readyAt), ...(takesPods(n, now) ? {} : { taints: [{ key: STARTUP_TAINT, effect: 'NoSchedule' as const }] }) }));
      const snapshot = buildSnapshot({ offerings, groups, pods: seen, nodes: ready, takenAtMs: now });
      snapshot.results = results;
      const r = plan(snapshot, state, policy, now);
      state = r.state;
      cost += r.monthlyCostDelta;
      const creates = r.commands.flatMap((c) => (c.kind === 'createVm' ? [c] : []));
      for (const c of r.commands) {
        if (c.kind !== 'releaseNode') continue;
        const node = nodes.find((n) => n.name === c.node);
        if (!node) continue;
        const listed = new Set(c.pods.map((ref) => ref.name));
        for (const p of pods) if (!p.node && listed.has(p.name)) p.nominated = c.node;
        node.released = true;
      }
      // The releases ran at once: the next snapshot reports them.
      results = r.commands.filter((c) => c.kind === 'releaseNode').map((c) => ({ commandId: c.id, planId: 'replay', kind: c.kind, outcome: 'succeeded' as const, atMs: now }));
      for (const c of creates) {
        first ??= now - T0;
        const o = byId.get(c.offeringId)!;
        fleet[o.nickname] = (fleet[o.nickname] ?? 0) + 1;
        nodes.push({ name: c.hostname, offering: c.offeringId, cpu: o.cpu * 1000 - 200, mem: o.ram - 612, usedCpu: 0, usedMem: 0, pods: 0, readyAt: now + READY, released: !STARTUP });
      }
      if (process.env.DBG && creates.length > 0) {
        const tradeOff = r.decisions.find((d) => d.reason === 'fewer-nodes');
        process.stdout.write(`  ${now - T0} ms: ${seen.length} pods, ${seen.filter((p) => p.nodeName).length} bound; ${creates.map((c) => byId.get(c.offeringId)!.nickname).join(', ')}${tradeOff ? `\n    ${tradeOff.message}` : ''}\n`);
      }
    }
    const key = Object.entries(fleet).sort().map(([k, n]) => `${n}×${k}`).join(' + ');
    fleets.add(key);
    process.stdout.write(`${burst.name} seed ${seed}: ${key}  $${(cost / 730).toFixed(3)}/h, first create ${first} ms, all bound ${allBound ?? 'never'} ms\n`);
  }
  process.stdout.write(`${burst.name}: ${fleets.size} fleet(s)\n`);
}
