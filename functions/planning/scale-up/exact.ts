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

interface Cell { cost: number; nodes: number; template: number; pods: [number, number][]; next: string }

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
  const memo = new Map<string, Cell | null>();
  let steps = 0;
  const tick = () => {
    if (++steps > budget) throw new OutOfBudget();
  };

  /** Every maximal pattern of template t holding ≥ 1 pod of class `first`, from `left`. */
  const patternsOf = (t: number, left: readonly number[], first: number, emit: (pods: [number, number][]) => void): void => {
    const template = templates[t]!;
    const eligible = order.filter((c) => left[c]! > 0 && classes[c]!.capPerNode[t]! > 0);
    if (!eligible.includes(first)) return;
    const list = [first, ...eligible.filter((c) => c !== first)];
    const taken = classes.map(() => 0);
    const conflictsTaken = (c: number) => {
      const conflicts = classes[c]!.conflicts;
      if (!conflicts || conflicts.size === 0) return false;
      for (const other of list) if (other !== c && taken[other]! > 0 && conflicts.has(other)) return true;
      return false;
    };
    const fitsCount = (c: number, room: { cpu: number; memory: number; ephemeral: number; pods: number }): number => {
      const r = classes[c]!.requests;
      let n = Math.min(left[c]! - taken[c]!, classes[c]!.capPerNode[t]! - taken[c]!, room.pods);
      if (r.cpuMillis > 0) n = Math.min(n, Math.floor(room.cpu / r.cpuMillis));
      if (r.memoryBytes > 0) n = Math.min(n, Math.floor(room.memory / r.memoryBytes));
      if (r.ephemeralBytes > 0) n = Math.min(n, Math.floor(room.ephemeral / r.ephemeralBytes));
      return n;
    };
    const walk = (i: number, room: { cpu: number; memory: number; ephemeral: number; pods: number }): void => {
      tick();
      if (i === list.length) {
        // Maximal: no class left over can add one more pod.
        for (const c of list) if (!conflictsTaken(c) && fitsCount(c, room) > 0) return;
        emit(list.filter((c) => taken[c]! > 0).map((c) => [c, taken[c]!] as [number, number]).sort((a, b) => a[0] - b[0]));
        return;
      }
      const c = list[i]!;
      const most = conflictsTaken(c) ? 0 : fitsCount(c, room);
      const least = c === first ? 1 : 0;
      const r = classes[c]!.requests;
      for (let n = most; n >= least; n--) {
        taken[c] = n;
        walk(i + 1, { cpu: room.cpu - n * r.cpuMillis, memory: room.memory - n * r.memoryBytes, ephemeral: room.ephemeral - n * r.ephemeralBytes, pods: room.pods - n });
      }
      taken[c] = 0;
    };
    walk(0, { cpu: template.free.cpuMillis, memory: template.free.memoryBytes, ephemeral: template.free.ephemeralBytes, pods: template.free.pods });
  };

  const solveFrom = (left: number[]): Cell | null => {
    const key = left.join(',');
    const known = memo.get(key);
    if (known !== undefined) return known;
    const first = order.find((c) => left[c]! > 0);
    if (first === undefined) return { cost: 0, nodes: 0, template: -1, pods: [], next: '' };
    let best: Cell | null = null;
    for (const t of allowed) {
      const candidates: [number, number][][] = [];
      patternsOf(t, left, first, (pods) => candidates.push(pods));
      for (const pods of candidates) {
        const rest = [...left];
        for (const [c, n] of pods) rest[c] = rest[c]! - n;
        const sub = solveFrom(rest);
        if (!sub) continue;
        const cost = sub.cost + templates[t]!.priceMonthly;
        const nodes = sub.nodes + 1;
        if (!best || cost < best.cost - 1e-9 || (Math.abs(cost - best.cost) <= 1e-9 && nodes < best.nodes)) {
          best = { cost, nodes, template: t, pods, next: rest.join(',') };
        }
      }
    }
    memo.set(key, best);
    return best;
  };

  let root: Cell | null;
  try {
    root = solveFrom(classes.map((c) => c.count));
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
