import type { NodePattern, PackClass, PackTemplate } from './pack.ts';

// Exact node choice for small problems: dynamic programming over the vector of pods left per class.
//
//   cost(left) = min over templates t and patterns p of t  [ price(t) + cost(left − p) ],  cost(0) = 0
//
// Two restrictions keep it exact and small:
//   • p must hold at least one pod of the first class left (in largest-first order): some node of
//     every solution holds that pod, and the order of nodes does not matter;
//   • p must be maximal (no pod still left fits on the node as well): moving a pod from a later node
//     onto an earlier one that has room never costs more (the later node may even go), so some
//     optimal solution is made of maximal patterns only.
// Memoised on the vector, the work is (states visited) × (patterns per state); states ≤ Π(count+1).
// `budget` bounds the enumeration steps; past it the answer is "unknown" (undefined), never a guess.
// Groups' room and allowMixedInstances are the caller's (it passes the allowed templates and checks
// the room); classes that must share one node (singleNode) are not handled here.

export interface ExactResult { patterns: NodePattern[]; cost: number; steps: number }

/** Π(count + 1) over the classes, capped: the number of DP states at most. */
export function stateCount(classes: readonly PackClass[], cap: number): number {
  let states = 1;
  for (const c of classes) {
    states *= c.count + 1;
    if (states > cap) return Infinity;
  }
  return states;
}

class OutOfBudget extends Error {}

interface Cell { cost: number; nodes: number; template: number; pods: [number, number][]; next: number | string }

/** Largest first by dominant share of the largest allowed template (ties: class index). */
function largestFirst(classes: readonly PackClass[], templates: readonly PackTemplate[], allowed: readonly number[]): number[] {
  const ref = { cpu: 1, memory: 1, ephemeral: 1 };
  for (const t of allowed) {
    const free = templates[t]!.free;
    ref.cpu = Math.max(ref.cpu, free.cpuMillis);
    ref.memory = Math.max(ref.memory, free.memoryBytes);
    ref.ephemeral = Math.max(ref.ephemeral, free.ephemeralBytes);
  }
  const size = (c: PackClass) => Math.max(c.requests.cpuMillis / ref.cpu, c.requests.memoryBytes / ref.memory, c.requests.ephemeralBytes / ref.ephemeral);
  return classes.map((_, i) => i).sort((a, b) => size(classes[b]!) - size(classes[a]!) || a - b);
}

export function exactPack(classes: readonly PackClass[], templates: readonly PackTemplate[], allowed: readonly number[], budget: number): ExactResult | undefined {
  if (classes.some((c) => c.singleNode && c.count > 0)) return undefined;
  for (let c = 0; c < classes.length; c++) {
    if (classes[c]!.count > 0 && !allowed.some((t) => classes[c]!.capPerNode[t]! > 0)) return undefined;
  }
  const order = largestFirst(classes, templates, allowed);
  let steps = 0;
  // The enumeration's state for the template being walked (set by patternsOf; one set of closures
  // per search, not per state: they are the DP's inner loop).
  const taken = classes.map(() => 0);
  let list: number[] = [];
  // `list` by class index, made at the template's first pattern found (patterns list their classes so):
  // the classes `list` holds, read in index order (no sort).
  let byIndex: number[] | undefined;
  const listByIndex = (): number[] => {
    const sorted: number[] = [];
    for (let c = 0; c < classes.length; c++) if (left[c]! > 0 && classes[c]!.capPerNode[t]! > 0) sorted.push(c);
    return sorted;
  };
  let left: readonly number[] = [];
  let t = 0;
  let first = 0;
  let found: [number, number][][] = [];

  const conflictsTaken = (c: number): boolean => {
    const conflicts = classes[c]!.conflicts;
    if (!conflicts || conflicts.size === 0) return false;
    for (const other of list) if (other !== c && taken[other]! > 0 && conflicts.has(other)) return true;
    return false;
  };
  const fitsCount = (c: number, cpu: number, memory: number, ephemeral: number, pods: number): number => {
    const cls = classes[c]!;
    const r = cls.requests;
    let n = Math.min(left[c]! - taken[c]!, cls.capPerNode[t]! - taken[c]!, pods);
    if (r.cpuMillis > 0) n = Math.min(n, Math.floor(cpu / r.cpuMillis));
    if (r.memoryBytes > 0) n = Math.min(n, Math.floor(memory / r.memoryBytes));
    if (r.ephemeralBytes > 0) n = Math.min(n, Math.floor(ephemeral / r.ephemeralBytes));
    return n;
  };
  const walk = (i: number, cpu: number, memory: number, ephemeral: number, pods: number): void => {
    if (++steps > budget) throw new OutOfBudget();
    if (i === list.length) {
      // Maximal: no class left over can add one more pod.
      for (const c of list) if (!conflictsTaken(c) && fitsCount(c, cpu, memory, ephemeral, pods) > 0) return;
      byIndex ??= listByIndex();
      const pattern: [number, number][] = [];
      for (const c of byIndex) if (taken[c]! > 0) pattern.push([c, taken[c]!]);
      found.push(pattern);
      return;
    }
    const c = list[i]!;
    const most = conflictsTaken(c) ? 0 : fitsCount(c, cpu, memory, ephemeral, pods);
    const least = c === first ? 1 : 0;
    const r = classes[c]!.requests;
    for (let n = most; n >= least; n--) {
      taken[c] = n;
      walk(i + 1, cpu - n * r.cpuMillis, memory - n * r.memoryBytes, ephemeral - n * r.ephemeralBytes, pods - n);
    }
    taken[c] = 0;
  };
  /** Every maximal pattern of template `of` holding ≥ 1 pod of class `firstLeft`, from `from`. */
  const patternsOf = (of: number, from: readonly number[], firstLeft: number): [number, number][][] => {
    if (!(classes[firstLeft]!.capPerNode[of]! > 0)) return [];
    list = [firstLeft];
    for (const c of order) if (from[c]! > 0 && classes[c]!.capPerNode[of]! > 0 && c !== firstLeft) list.push(c);
    byIndex = undefined;
    left = from;
    t = of;
    first = firstLeft;
    found = [];
    const free = templates[of]!.free;
    walk(0, free.cpuMillis, free.memoryBytes, free.ephemeralBytes, free.pods);
    return found;
  };

  // The state (pods left per class) is one array changed before and restored after each step down,
  // keyed by its mixed-radix number (Σ left[c] × Π_{d<c}(count_d + 1)), or by its text when that
  // number would not be exact.
  const state = classes.map((c) => c.count);
  const radix: number[] = [];
  let states = 1;
  for (const c of classes) {
    radix.push(states);
    states *= c.count + 1;
  }
  const numeric = states <= Number.MAX_SAFE_INTEGER;
  let index = 0;
  classes.forEach((c, i) => { index += c.count * radix[i]!; });
  const keyOf = (): number | string => (numeric ? index : state.join(','));
  const memo = new Map<number | string, Cell | null>();

  const solveFrom = (): Cell | null => {
    const key = keyOf();
    const known = memo.get(key);
    if (known !== undefined) return known;
    let firstLeft = -1;
    for (const c of order) {
      if (state[c]! > 0) {
        firstLeft = c;
        break;
      }
    }
    if (firstLeft < 0) return { cost: 0, nodes: 0, template: -1, pods: [], next: '' };
    let best: Cell | null = null;
    for (const of of allowed) {
      const candidates = patternsOf(of, state, firstLeft);
      for (const pods of candidates) {
        for (const [c, n] of pods) {
          state[c] = state[c]! - n;
          index -= n * radix[c]!;
        }
        const next = keyOf();
        const sub = solveFrom();
        for (const [c, n] of pods) {
          state[c] = state[c]! + n;
          index += n * radix[c]!;
        }
        if (!sub) continue;
        const cost = sub.cost + templates[of]!.priceMonthly;
        const nodes = sub.nodes + 1;
        if (!best || cost < best.cost - 1e-9 || (Math.abs(cost - best.cost) <= 1e-9 && nodes < best.nodes)) {
          best = { cost, nodes, template: of, pods, next };
        }
      }
    }
    memo.set(key, best);
    return best;
  };

  let root: Cell | null;
  try {
    root = solveFrom();
  } catch (error) {
    if (error instanceof OutOfBudget) return undefined;
    throw error;
  }
  if (!root) return undefined;
  // Walk the chain of choices; identical nodes become one pattern.
  const byKey = new Map<string, NodePattern>();
  for (let cell: Cell | null | undefined = root; cell && cell.template >= 0; cell = memo.get(cell.next)) {
    const key = `${cell.template}|${cell.pods.map(([c, n]) => `${c}:${n}`).join(',')}`;
    const known = byKey.get(key);
    if (known) known.nodes++;
    else byKey.set(key, { template: cell.template, pods: cell.pods, nodes: 1 });
  }
  return { patterns: [...byKey.values()], cost: root.cost, steps };
}
