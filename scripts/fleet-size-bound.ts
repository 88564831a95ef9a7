// How much a fleet of few nodes must cost on the Karpenter bench's bursts (docs/scale-up.md, "Node
// overhead and fewer nodes"): `npx tsx scripts/fleet-size-bound.ts`. For each λ the bench's exact
// optimum (test/bench/karpenter/optimum.ts) is run with λ added to every plan's hourly price: the
// answer is an exact cheapest fleet for price + λ × nodes. For any λ ≥ 0 and node count N,
// min { price(F) : nodes(F) ≤ N } ≥ OPT(λ) − λ·N (Lagrangian bound), so the best λ bounds what a fleet
// of at most N nodes costs. N = 1.5 × the nodes Karpenter bought in docs/benchmark-karpenter.md.
import { optimumFleet } from '../test/bench/karpenter/optimum.ts';
import { benchPlans } from '../test/bench/karpenter/catalogue.ts';
import { BURSTS } from '../test/bench/karpenter/bursts.ts';

const KARPENTER_NODES: Record<string, number> = { 'issue-22': 11, memory: 9, identical: 8 };
const LAMBDAS = [0, 0.02, 0.05, 0.1, 0.15, 0.2, 0.3, 0.4, 0.6, 0.8, 1.2, 2];
const pct = (x: number, base: number) => `${x >= base ? '+' : ''}${(100 * (x / base - 1)).toFixed(1)} %`;

for (const burst of BURSTS) {
  const plans = benchPlans();
  const cheapest = optimumFleet(burst.classes, plans);
  const n = Math.floor(1.5 * (KARPENTER_NODES[burst.name] ?? Infinity));
  let bound = -Infinity;
  const hull = new Map<number, number>();
  for (const lambda of LAMBDAS) {
    const o = optimumFleet(burst.classes, plans.map((p) => ({ ...p, pricePerHour: p.pricePerHour + lambda })));
    const price = o.pricePerHour - lambda * o.nodes;
    hull.set(o.nodes, Math.min(hull.get(o.nodes) ?? Infinity, price));
    bound = Math.max(bound, o.pricePerHour - lambda * n);
  }
  const fleets = [...hull].sort((a, b) => b[0] - a[0]).map(([nodes, price]) => `${nodes} nodes ${price.toFixed(3)}/h (${pct(price, cheapest.pricePerHour)})`);
  process.stdout.write(`${burst.name}: cheapest ${cheapest.nodes} nodes ${cheapest.pricePerHour.toFixed(3)}/h; exact fleets for price + λ·nodes: ${fleets.join(', ')}; at most ${n} nodes cost at least ${bound.toFixed(3)}/h (${pct(bound, cheapest.pricePerHour)})\n`);
}
