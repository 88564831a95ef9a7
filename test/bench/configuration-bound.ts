import highsModule from 'highs';

// A lower bound on the cheapest fleet for a set of pods, written from the problem statement and
// sharing no code with the planner (functions/planning/): the configuration (Gilmore–Gomory) LP
//
//   min Σ_p price_p · z_p   s.t.   Σ_p a_{p,s} · z_p ≥ count_s  (every shape s),   z ≥ 0,
//
// over node patterns p = one offering and a count a_{p,s} ≤ count_s per pod shape that fits it
// (CPU, memory, pods per node). Every integer fleet is such a z (each node holds some pattern), so
// the LP optimum is a lower bound on any fleet; unlike the relaxation over total CPU and memory it
// knows that pods are indivisible (a node too small for a pod is no pattern at all).
//
// Column generation: start from one single-shape pattern per shape, solve the restricted LP
// (HiGHS, compiled to WebAssembly: the `highs` devDependency), price with its duals y — for each
// offering an exact bounded 2-D (+ pod count) knapsack max Σ y_s a_s, by branch and bound — and add
// the patterns whose value exceeds their price, until none does.
//
// The bound reported is Farley's: for ANY duals y ≥ 0, b·y / θ with θ = max_p (y·a_p / price_p) over
// ALL patterns is a dual-feasible objective, so it is a valid bound whether or not the iteration has
// converged (at convergence θ = 1 and it equals the LP optimum). θ uses the exact pricing value, or,
// when the branch and bound runs out of steps, its relaxation (an over-estimate, so still valid).
//
// With the same pattern set, the integer program (Generals) gives a real fleet: an upper reference.

export interface BoundShape { cpuMillis: number; memoryMiB: number; count: number }
export interface BoundOffering { cpuMillis: number; memoryMiB: number; maxPods: number; price: number }

export interface ConfigurationBound {
  /** Valid lower bound (Farley's bound from the last duals; = LP optimum when converged). */
  bound: number;
  /** Restricted LP optimum at the end (= bound when converged). */
  lp: number;
  converged: boolean;
  /** Dual-feasible prices per shape (of the shapes with pods, in order) that give `bound`. */
  duals: number[];
  /** Integer optimum over the generated patterns (a real fleet's cost), when asked for. */
  ilp?: number;
  patterns: number;
  iterations: number;
}

interface Pattern { offering: number; counts: number[] }

// The package's types are CommonJS-shaped (the default export under `.default`), its ESM build
// exports the loader itself: take whichever this import is.
type Loader = typeof highsModule.default;
const loadHighs: Loader = typeof highsModule === 'function' ? (highsModule as unknown as Loader) : highsModule.default;
type Highs = Awaited<ReturnType<Loader>>;
let highsPromise: Promise<Highs> | undefined;
const highs = () => (highsPromise ??= loadHighs());

const EPS = 1e-9;
const PRICING_STEPS = 200_000;

/** Most pods of shape s one node of offering o holds on its own (0 = none). */
function fitAlone(s: BoundShape, o: BoundOffering): number {
  let n = Math.min(s.count, o.maxPods);
  if (s.cpuMillis > 0) n = Math.min(n, Math.floor(o.cpuMillis / s.cpuMillis));
  if (s.memoryMiB > 0) n = Math.min(n, Math.floor(o.memoryMiB / s.memoryMiB));
  return Math.max(0, n);
}

/**
 * max Σ y_s a_s with Σ a_s·cpu_s ≤ cpu, Σ a_s·mem_s ≤ mem, Σ a_s ≤ pods, 0 ≤ a_s ≤ cap_s integer.
 * Branch and bound over the shapes; the bound at a node is the least of the three one-resource
 * fractional knapsacks over the shapes left (each a relaxation). Returns the best pattern found and
 * an upper bound on the optimum (equal to its value when the search finished).
 */
export function priceOffering(shapes: readonly BoundShape[], o: BoundOffering, y: readonly number[], stepLimit = PRICING_STEPS): { value: number; counts: number[]; upper: number } {
  const items = shapes.map((s, i) => ({ i, y: y[i]!, cpu: s.cpuMillis, mem: s.memoryMiB, cap: fitAlone(s, o) })).filter((it) => it.y > EPS && it.cap > 0);
  items.sort((a, b) => b.y / Math.max(a.cpu / o.cpuMillis, a.mem / o.memoryMiB, 1 / o.maxPods) - a.y / Math.max(b.cpu / o.cpuMillis, b.mem / o.memoryMiB, 1 / o.maxPods));
  const fractional = (from: number, room: number, use: (it: (typeof items)[number]) => number): number => {
    // Best value per unit of the resource first (an item that uses none of it: all of it, free).
    const ratio = (it: (typeof items)[number]) => (use(it) > 0 ? it.y / use(it) : Infinity);
    const rest = items.slice(from).sort((a, b) => ratio(b) - ratio(a) || 0);
    let value = 0;
    for (const it of rest) {
      const w = use(it);
      if (w <= 0) { value += it.y * it.cap; continue; }
      const n = Math.min(it.cap, room / w);
      value += n * it.y;
      room -= n * w;
      if (room <= 0) break;
    }
    return value;
  };
  const relax = (from: number, cpu: number, mem: number, pods: number) => Math.min(
    fractional(from, cpu, (it) => it.cpu),
    fractional(from, mem, (it) => it.mem),
    fractional(from, pods, () => 1),
  );
  const root = relax(0, o.cpuMillis, o.memoryMiB, o.maxPods);
  let best = 0;
  let bestCounts = shapes.map(() => 0);
  const counts = shapes.map(() => 0);
  let steps = 0;
  let complete = true;
  const dfs = (k: number, cpu: number, mem: number, pods: number, value: number): void => {
    if (++steps > stepLimit) { complete = false; return; }
    if (value > best + EPS) {
      best = value;
      bestCounts = [...counts];
    }
    if (k === items.length) return;
    if (value + relax(k, cpu, mem, pods) <= best + EPS) return;
    const it = items[k]!;
    let most = Math.min(it.cap, pods);
    if (it.cpu > 0) most = Math.min(most, Math.floor(cpu / it.cpu));
    if (it.mem > 0) most = Math.min(most, Math.floor(mem / it.mem));
    for (let n = most; n >= 0 && complete; n--) {
      counts[it.i] = n;
      dfs(k + 1, cpu - n * it.cpu, mem - n * it.mem, pods - n, value + n * it.y);
    }
    counts[it.i] = 0;
  };
  dfs(0, o.cpuMillis, o.memoryMiB, o.maxPods, 0);
  return { value: best, counts: bestCounts, upper: complete ? best : Math.max(best, root) };
}

function lpText(shapes: readonly BoundShape[], offerings: readonly BoundOffering[], patterns: readonly Pattern[], integer: boolean): string {
  const z = (j: number) => `z${j}`;
  const objective = patterns.map((p, j) => `${offerings[p.offering]!.price} ${z(j)}`).join(' + ');
  const rows = shapes.map((s, i) => {
    const terms = patterns.map((p, j) => (p.counts[i]! > 0 ? `${p.counts[i]} ${z(j)}` : '')).filter(Boolean).join(' + ');
    return ` s${i}: ${terms} >= ${s.count}`;
  });
  const bounds = patterns.map((_, j) => ` ${z(j)} >= 0`);
  return ['Minimize', ` obj: ${objective}`, 'Subject To', ...rows, 'Bounds', ...bounds, ...(integer ? ['Generals', ` ${patterns.map((_, j) => z(j)).join(' ')}`] : []), 'End'].join('\n');
}

export async function configurationBound(shapesIn: readonly BoundShape[], offerings: readonly BoundOffering[], options: { ilp?: boolean; ilpSeconds?: number; maxIterations?: number } = {}): Promise<ConfigurationBound> {
  const shapes = shapesIn.filter((s) => s.count > 0);
  if (shapes.length === 0) return { bound: 0, duals: [], lp: 0, converged: true, patterns: 0, iterations: 0, ...(options.ilp ? { ilp: 0 } : {}) };
  const solver = await highs();
  // Start: for each shape, as many as fit on the offering cheapest per pod of it.
  const patterns: Pattern[] = shapes.map((s, i) => {
    let bestO = -1;
    let bestPer = Infinity;
    offerings.forEach((o, j) => {
      const n = fitAlone(s, o);
      if (n > 0 && o.price / n < bestPer) { bestPer = o.price / n; bestO = j; }
    });
    if (bestO < 0) throw new Error(`no offering holds a pod of ${s.cpuMillis}m/${s.memoryMiB}Mi`);
    return { offering: bestO, counts: shapes.map((_, k) => (k === i ? fitAlone(s, offerings[bestO]!) : 0)) };
  });
  const seen = new Set(patterns.map((p) => `${p.offering}|${p.counts.join(',')}`));
  let bound = 0;
  let duals = shapes.map(() => 0);
  let lp = Infinity;
  let converged = false;
  let iterations = 0;
  for (; iterations < (options.maxIterations ?? 500) && !converged; iterations++) {
    const result = solver.solve(lpText(shapes, offerings, patterns, false), { output_flag: false });
    if (result.Status !== 'Optimal') throw new Error(`restricted LP: ${result.Status}`);
    lp = result.ObjectiveValue;
    const y = (result.Rows as { Dual: number }[]).map((r) => Math.max(0, r.Dual));
    let theta = 0;
    let added = 0;
    offerings.forEach((o, j) => {
      if (o.price <= 0) throw new Error('offering prices must be positive');
      const priced = priceOffering(shapes, o, y);
      theta = Math.max(theta, priced.upper / o.price);
      const key = `${j}|${priced.counts.join(',')}`;
      if (priced.value > o.price * (1 + 1e-7) && !seen.has(key)) {
        seen.add(key);
        patterns.push({ offering: j, counts: priced.counts });
        added++;
      }
    });
    const by = shapes.reduce((sum, s, i) => sum + s.count * y[i]!, 0);
    if (theta > 0 && by / Math.max(1, theta) > bound) {
      bound = by / Math.max(1, theta);
      duals = y.map((v) => v / Math.max(1, theta));
    }
    if (added === 0) converged = theta <= 1 + 1e-7;
    if (added === 0 && !converged) break; // pricing inexact and nothing new: keep the valid bound
  }
  // Never above the restricted LP (which is above the full LP): the Farley value is ≤ LP by duality.
  bound = Math.min(bound, lp);
  let ilp: number | undefined;
  if (options.ilp) {
    // A time limit keeps the bench bounded; the incumbent it stops with is still a real fleet.
    const result = solver.solve(lpText(shapes, offerings, patterns, true), { output_flag: false, mip_rel_gap: 0, time_limit: options.ilpSeconds ?? 0.2 });
    if ((result.Status === 'Optimal' || result.Status === 'Time limit reached') && Number.isFinite(result.ObjectiveValue)) ilp = result.ObjectiveValue;
  }
  return { bound, duals, lp, converged, patterns: patterns.length, iterations, ...(ilp !== undefined ? { ilp } : {}) };
}

/**
 * A second valid bound, for small fleets where the LP's fractional nodes matter: any fleet has at
 * least the pods' total CPU, memory and pod count, in whole nodes. min Σ price_o·n_o over integer
 * n with Σ n_o·cpu_o ≥ ΣCPU, Σ n_o·mem_o ≥ Σmem, Σ n_o·maxPods_o ≥ Σpods, by branch and bound
 * (the last offering's count is the least that covers what is left; a branch stops when its cost
 * plus the cheapest price per unit of each resource still missing reaches the best found).
 * undefined if it runs out of steps.
 */
export function integerCapacityBound(shapes: readonly BoundShape[], offerings: readonly BoundOffering[], stepLimit = 1_000_000): number | undefined {
  const need = [
    shapes.reduce((s, p) => s + p.cpuMillis * p.count, 0),
    shapes.reduce((s, p) => s + p.memoryMiB * p.count, 0),
    shapes.reduce((s, p) => s + p.count, 0),
  ];
  const size = (o: BoundOffering) => [o.cpuMillis, o.memoryMiB, o.maxPods];
  const offs = offerings.filter((o) => o.price > 0 || size(o).some((v) => v > 0));
  if (need.every((v) => v <= 0)) return 0;
  const perUnit = (from: number, r: number) => Math.min(...offs.slice(from).map((o) => (size(o)[r]! > 0 ? o.price / size(o)[r]! : Infinity)));
  let best = Infinity;
  let steps = 0;
  const dfs = (k: number, left: number[], cost: number): void => {
    if (++steps > stepLimit) return;
    if (left.every((v) => v <= 0)) { best = Math.min(best, cost); return; }
    if (k === offs.length) return;
    const floor = Math.max(...left.map((v, r) => (v > 0 ? v * perUnit(k, r) : 0)));
    if (cost + floor >= best - 1e-9) return;
    const o = offs[k]!;
    const s = size(o);
    const most = Math.max(...left.map((v, r) => (v > 0 ? (s[r]! > 0 ? Math.ceil(v / s[r]!) : Infinity) : 0)));
    if (k === offs.length - 1) {
      if (Number.isFinite(most)) best = Math.min(best, cost + most * o.price);
      return;
    }
    const cap = Number.isFinite(most) ? most : Math.max(...left.map((v, r) => (v > 0 && s[r]! > 0 ? Math.ceil(v / s[r]!) : 0)));
    for (let n = cap; n >= 0; n--) dfs(k + 1, left.map((v, r) => v - n * s[r]!), cost + n * o.price);
  };
  dfs(0, need, 0);
  return steps > stepLimit || !Number.isFinite(best) ? undefined : best;
}

/**
 * The cheapest fleet, proven, when the enumeration stays small: with dual-feasible prices y (the
 * bound's), a fleet of cost C satisfies Σ_p (price_p − y·a_p)·z_p ≤ C − y·b, and every term is ≥ 0,
 * so a fleet no dearer than `upper` uses only patterns of reduced cost ≤ upper − bound; it may
 * use maximal ones only (adding a pod never raises a reduced cost). Those are enumerated per
 * offering and the integer program over them solved exactly: by dynamic programming over the pods
 * left per shape when there are at most `maxStates` such vectors, else by HiGHS. undefined when
 * there are more than `maxPatterns` or the MIP does not finish in `seconds`.
 */
export async function exactFleet(shapesIn: readonly BoundShape[], offerings: readonly BoundOffering[], upper: number, options: { maxPatterns?: number; seconds?: number; maxStates?: number } = {}): Promise<{ optimum: number; patterns: number } | undefined> {
  const shapes = shapesIn.filter((s) => s.count > 0);
  const { bound, duals: y } = await configurationBound(shapes, offerings);
  const gap = upper - bound + 1e-6;
  if (gap < 0) throw new Error(`upper ${upper} is below the lower bound ${bound}`);
  const maxPatterns = options.maxPatterns ?? 20_000;
  const patterns: Pattern[] = [];
  let overflow = false;
  offerings.forEach((o, j) => {
    const caps = shapes.map((s) => fitAlone(s, o));
    const counts = shapes.map(() => 0);
    // Best value still reachable from shape k on (fractional, per resource, the least of them).
    const reach = (k: number, cpu: number, mem: number, pods: number) => {
      const per = (room: number, use: (s: BoundShape) => number) => {
        const rest = shapes.map((s, i) => ({ s, i })).slice(k).sort((a, b) => y[b.i]! / Math.max(use(b.s), 1e-12) - y[a.i]! / Math.max(use(a.s), 1e-12));
        let value = 0;
        for (const { s, i } of rest) {
          const n = Math.min(caps[i]!, use(s) > 0 ? room / use(s) : Infinity);
          value += n * y[i]!;
          room -= n * use(s);
          if (room <= 0) break;
        }
        return value;
      };
      return Math.min(per(cpu, (s) => s.cpuMillis), per(mem, (s) => s.memoryMiB), per(pods, () => 1));
    };
    const fits = (i: number, cpu: number, mem: number, pods: number) => counts[i]! < caps[i]! && shapes[i]!.cpuMillis <= cpu && shapes[i]!.memoryMiB <= mem && pods >= 1;
    const visit = (k: number, cpu: number, mem: number, pods: number, value: number): void => {
      if (overflow) return;
      if (value + reach(k, cpu, mem, pods) < o.price - gap - 1e-9) return;
      if (k === shapes.length) {
        if (counts.every((n) => n === 0) || shapes.some((_, i) => fits(i, cpu, mem, pods))) return;
        if (o.price - value <= gap + 1e-9) patterns.push({ offering: j, counts: [...counts] });
        if (patterns.length > maxPatterns) overflow = true;
        return;
      }
      const s = shapes[k]!;
      let most = Math.min(caps[k]!, pods);
      if (s.cpuMillis > 0) most = Math.min(most, Math.floor(cpu / s.cpuMillis));
      if (s.memoryMiB > 0) most = Math.min(most, Math.floor(mem / s.memoryMiB));
      for (let n = most; n >= 0; n--) {
        counts[k] = n;
        visit(k + 1, cpu - n * s.cpuMillis, mem - n * s.memoryMiB, pods - n, value + n * y[k]!);
      }
      counts[k] = 0;
    };
    visit(0, o.cpuMillis, o.memoryMiB, o.maxPods, 0);
  });
  if (overflow) return undefined;
  if (patterns.length === 0) return { optimum: upper, patterns: 0 };
  const viaDp = coverByDp(shapes, offerings, patterns, options.maxStates ?? 4_000_000);
  if (viaDp !== undefined) return { optimum: Math.min(upper, viaDp), patterns: patterns.length };
  const solver = await highs();
  const result = solver.solve(lpText(shapes, offerings, patterns, true), { output_flag: false, mip_rel_gap: 0, time_limit: options.seconds ?? 20 });
  if (result.Status !== "Optimal") return undefined;
  return { optimum: Math.min(upper, result.ObjectiveValue), patterns: patterns.length };
}

/** cost(n) = min over patterns p of price_p + cost(max(0, n − a_p)), cost(0) = 0; undefined if too many states. */
function coverByDp(shapes: readonly BoundShape[], offerings: readonly BoundOffering[], patterns: readonly Pattern[], maxStates: number): number | undefined {
  const dims = shapes.map((s) => s.count + 1);
  const states = dims.reduce((a, b) => a * b, 1);
  if (states > maxStates) return undefined;
  const strides = dims.map((_, k) => dims.slice(k + 1).reduce((a, b) => a * b, 1));
  const cost = new Float64Array(states);
  const n = shapes.map(() => 0);
  // Row-major order: max(0, n − a) for a non-empty a comes before n.
  for (let state = 1; state < states; state++) {
    for (let k = n.length - 1; k >= 0; k--) {
      if (++n[k]! < dims[k]!) break;
      n[k] = 0;
    }
    let best = Infinity;
    for (const p of patterns) {
      let rest = 0;
      for (let k = 0; k < n.length; k++) {
        const left = n[k]! - p.counts[k]!;
        if (left > 0) rest += left * strides[k]!;
      }
      if (rest === state) continue;
      const c = offerings[p.offering]!.price + cost[rest]!;
      if (c < best) best = c;
    }
    cost[state] = best;
  }
  return cost[states - 1];
}
