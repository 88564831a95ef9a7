import { exactPack } from './exact.ts';
import type { NodePattern, PackClass, PackGroup, PackTemplate } from './pack.ts';

// Exact repair of the tail: the greedy commits its best patterns many times over, and what it
// wastes sits in the last, least-filled nodes. Those nodes' pods are taken together (as many of
// the least efficient nodes as keep the DP small) and re-solved exactly (exact.ts); the change is
// kept when cheaper and within every group's room and allowMixedInstances. Deterministic.

/** Most nodes re-solved together, and most DP states allowed for them. */
const TAIL_NODES = 12;
const TAIL_STATES = 4_000;
/** Enumeration steps the tail's DP may spend per search (a small share of the plan's budget). */
const TAIL_BUDGET = 20_000;

function fill(node: { template: number; pods: [number, number][] }, classes: readonly PackClass[], templates: readonly PackTemplate[]): number {
  const free = templates[node.template]!.free;
  let cpu = 0;
  let memory = 0;
  for (const [c, n] of node.pods) {
    cpu += n * classes[c]!.requests.cpuMillis;
    memory += n * classes[c]!.requests.memoryBytes;
  }
  return Math.max(cpu / Math.max(1, free.cpuMillis), memory / Math.max(1, free.memoryBytes));
}

export function improveTail(patterns: readonly NodePattern[], classes: readonly PackClass[], templates: readonly PackTemplate[], groups: readonly PackGroup[], budget: number): { patterns: NodePattern[]; steps: number } {
  if (classes.some((c) => c.singleNode)) return { patterns: [...patterns], steps: 0 };
  // The nodes least filled first (ties: in list order). A pattern's nodes all fill alike and come
  // one after another in that order, so the walk goes pattern by pattern, node by node.
  const fills = patterns.map((p) => fill(p, classes, templates));
  const order = patterns.map((_, i) => i).sort((a, b) => fills[a]! - fills[b]! || a - b);
  // chosen[p]: nodes of pattern p taken into the tail.
  const chosen = patterns.map(() => 0);
  let chosenNodes = 0;
  const counts = classes.map(() => 0);
  walk: for (const i of order) {
    for (let k = 0; k < patterns[i]!.nodes; k++) {
      if (chosenNodes >= TAIL_NODES) break walk;
      const next = [...counts];
      for (const [c, n] of patterns[i]!.pods) next[c] = next[c]! + n;
      let states = 1;
      for (const n of next) if (n > 0) states *= n + 1;
      if (states > TAIL_STATES) break walk;
      chosen[i]!++;
      chosenNodes++;
      next.forEach((n, c) => { counts[c] = n; });
    }
  }
  if (chosenNodes < 2) return { patterns: [...patterns], steps: 0 };

  // The nodes that stay, per pattern.
  const kept = patterns.map((p, i) => ({ template: p.template, pods: p.pods, nodes: p.nodes - chosen[i]! })).filter((p) => p.nodes > 0);
  // Room and the one-offering rule, given the nodes that stay.
  const used = groups.map(() => 0);
  const lockedBy = groups.map((g) => g.lockedTemplate);
  for (const n of kept) {
    const g = templates[n.template]!.group;
    used[g]! += n.nodes;
    if (!groups[g]!.allowMixedInstances) lockedBy[g] = n.template;
  }
  const allowed = templates.map((_, t) => t).filter((t) => {
    const g = templates[t]!.group;
    if (groups[g]!.room - used[g]! <= 0) return false;
    return groups[g]!.allowMixedInstances || lockedBy[g] === undefined || lockedBy[g] === t;
  });
  // A mixed-off group still free to choose may only take one offering: one DP per choice.
  const open = [...new Set(allowed.map((t) => templates[t]!.group))].filter((g) => !groups[g]!.allowMixedInstances && lockedBy[g] === undefined);
  const variants: number[][] = open.length === 0 ? [allowed] : open.length === 1
    ? allowed.filter((t) => templates[t]!.group === open[0]).map((t) => allowed.filter((u) => templates[u]!.group !== open[0] || u === t))
    : [allowed.filter((t) => !open.includes(templates[t]!.group))];
  // Only the classes the tail holds, renumbered (the DP's work then does not grow with all classes).
  const present = classes.map((_, c) => c).filter((c) => counts[c]! > 0);
  const renumber = new Map(present.map((c, i) => [c, i]));
  const sub: PackClass[] = present.map((c) => {
    const cls = classes[c]!;
    const conflicts = cls.conflicts ? new Set([...cls.conflicts].filter((o) => renumber.has(o)).map((o) => renumber.get(o)!)) : undefined;
    return { requests: cls.requests, count: counts[c]!, capPerNode: cls.capPerNode, ...(conflicts && conflicts.size > 0 ? { conflicts } : {}) };
  });
  let before = 0; // summed in the order the nodes were taken
  for (const i of order) for (let k = 0; k < chosen[i]!; k++) before += templates[patterns[i]!.template]!.priceMonthly;
  let best: NodePattern[] | undefined;
  let bestCost = before;
  let steps = 0;
  const tailBudget = Math.min(budget, TAIL_BUDGET);
  for (const variant of variants) {
    const exact = exactPack(sub, templates, variant, tailBudget - steps);
    if (!exact) break;
    steps += exact.steps;
    const room = groups.map((g, i) => g.room - used[i]!);
    for (const p of exact.patterns) room[templates[p.template]!.group]! -= p.nodes;
    if (exact.cost < bestCost - 1e-9 && room.every((r) => r >= 0)) {
      best = exact.patterns;
      bestCost = exact.cost;
    }
  }
  if (!best) return { patterns: [...patterns], steps };
  best = best.map((p) => ({ ...p, pods: p.pods.map(([c, n]) => [present[c]!, n] as [number, number]) }));
  // The nodes kept, grouped back into patterns (alike ones merged), then the new tail.
  const byKey = new Map<string, NodePattern>();
  for (const n of kept) {
    const key = `${n.template}|${n.pods.map(([c, k]) => `${c}:${k}`).join(',')}`;
    const known = byKey.get(key);
    if (known) known.nodes += n.nodes;
    else byKey.set(key, n);
  }
  return { patterns: [...byKey.values(), ...best], steps };
}
