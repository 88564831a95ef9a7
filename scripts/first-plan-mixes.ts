// How often a burst's first plan launches nothing (issue #22; docs/scale-up.md, "The first create is
// not delayed"): `npx tsx scripts/first-plan-mixes.ts`. For every mix of a Karpenter-bench burst's
// classes (test/bench/karpenter/bursts.ts) with LO–HI pods in all and at least MINC of each class
// (the first snapshot of a burst is about a second of its arrivals: the ReplicaSets create their
// pods side by side), plan() runs once on those pods alone, all just judged unschedulable, nothing on
// its way, defaults; it prints how many of those first plans launch no node, and a few such mixes
// (small/cpu/mem counts). Env: B (default issue-22), LO, HI (default 36, 48), MINC (default 8).
import { buildSnapshot, emptyState, nodeGroup, offering, pendingPods, shape, testPolicy } from '../test/fixtures/planning-builders.ts';
import { plan } from '../functions/planning/plan.ts';
import { BURSTS } from '../test/bench/karpenter/bursts.ts';
import { BENCH_DC } from '../test/bench/karpenter/catalogue.ts';
import { SIM_CATEGORIES, SIM_PLANS, plansFor } from '../test/vpsie-sim/index.ts';

const sims = SIM_CATEGORIES.flatMap((c) => plansFor(BENCH_DC, c.identifier, SIM_PLANS));
const offerings = sims.map((p) => offering(p.identifier, p.cpu, p.ram, Number(p.price), { nickname: p.nickname, datacenterID: BENCH_DC }));
const groups = [nodeGroup('bench', { offeringIDs: offerings.map((o) => o.identifier), maxNodes: 500, datacenterID: BENCH_DC })];
const T0 = 10_000_000;
const burst = BURSTS.find((b) => b.name === (process.env.B ?? 'issue-22'));
if (!burst) throw new Error(`no burst ${process.env.B}; bursts: ${BURSTS.map((b) => b.name).join(', ')}`);
const lo = Number(process.env.LO ?? 36);
const hi = Number(process.env.HI ?? 48);
const minEach = Number(process.env.MINC ?? 8);

/** Every vector of class counts with lo..hi pods in all, each within minEach..the class's count. */
function mixes(k: number, left: number): number[][] {
  if (k === burst!.classes.length) return [[]];
  const most = Math.min(left, burst!.classes[k]!.count);
  const out: number[][] = [];
  for (let n = minEach; n <= most; n++) for (const rest of mixes(k + 1, left - n)) out.push([n, ...rest]);
  return out;
}

let none = 0;
let total = 0;
const examples: string[] = [];
for (const counts of mixes(0, hi)) {
  const sum = counts.reduce((a, b) => a + b, 0);
  if (sum < lo) continue;
  const pods = burst.classes.flatMap((c, i) => pendingPods(`${burst.name}-${c.name}`, shape({ cpu: `${c.cpuMillis}m`, memory: `${c.memoryMiB}Mi`, labels: { app: c.name } }), counts[i]!, { createdAtMs: T0, unschedulableSinceMs: T0 }));
  const r = plan(buildSnapshot({ offerings, groups, pods, takenAtMs: T0 + 900 }), emptyState(), testPolicy(), T0 + 900);
  total++;
  if (r.commands.some((c) => c.kind === 'createVm')) continue;
  none++;
  if (examples.length < 10) examples.push(counts.join('/'));
}
process.stdout.write(`${burst.name}: ${none} of ${total} first plans (${lo}-${hi} pods, at least ${minEach} of each class) launch no node${examples.length ? `; e.g. ${examples.join(' ')}` : ''}\n`);
