import type { PackClass, PackMode, PackTemplate } from './pack.ts';

// One node's first-fit-decreasing fill for the search (pack.ts), its inner loop: a template's
// classes in fill order with their caps, the classes' requests side by side, read from flat arrays.
// The preparation depends on the classes, the templates' rooms and the mode only (not on prices).

export interface Fill { pods: [number, number][]; count: number; value: number; score: number }

/** Largest first by dominant share of the biggest template's room. */
function ffdOrder(classes: readonly PackClass[], templates: readonly PackTemplate[]): number[] {
  const ref = { cpu: 1, memory: 1, ephemeral: 1 };
  for (const t of templates) {
    ref.cpu = Math.max(ref.cpu, t.free.cpuMillis);
    ref.memory = Math.max(ref.memory, t.free.memoryBytes);
    ref.ephemeral = Math.max(ref.ephemeral, t.free.ephemeralBytes);
  }
  const size = (c: PackClass) => Math.max(c.requests.cpuMillis / ref.cpu, c.requests.memoryBytes / ref.memory, c.requests.ephemeralBytes / ref.ephemeral);
  return classes.map((_, i) => i).sort((a, b) => size(classes[b]!) - size(classes[a]!) || a - b);
}

/**
 * A template's classes in fill order (those it admits), with their caps on it, and every class's
 * requests side by side (cpu, memory, ephemeral): the fill's inner loop reads flat arrays only.
 */
interface FillOrder {
  classes: Int32Array;
  caps: Float64Array;
  /** From position i on, the least cpu, memory, ephemeral request ([3i..3i+2]): a node with less left takes none of them. */
  least: Float64Array;
}

/** First-fit-decreasing fill of one empty node of `template` from `counts`; steps = the classes looked at. */
export function fillNode(template: PackTemplate, order: FillOrder, requests: Float64Array, conflicted: Uint8Array, classes: readonly PackClass[], counts: readonly number[], weights: readonly number[]): { fill: Fill; steps: number } {
  let { cpuMillis, memoryBytes, ephemeralBytes, pods } = template.free;
  const taken: [number, number][] = [];
  let value = 0;
  let count = 0;
  const length = order.classes.length;
  let steps = length;
  for (let i = 0; i < length; i++) {
    const c = order.classes[i]!;
    const remaining = counts[c]!;
    if (remaining === 0) continue;
    const cpu = requests[3 * c]!;
    const memory = requests[3 * c + 1]!;
    const ephemeral = requests[3 * c + 2]!;
    // A request above what is left makes n <= 0 below: rejected without dividing (most classes late in a fill).
    if ((cpu > 0 && cpu > cpuMillis) || (memory > 0 && memory > memoryBytes) || (ephemeral > 0 && ephemeral > ephemeralBytes)) continue;
    if (conflicted[c]) {
      const conflicts = classes[c]!.conflicts!;
      if (taken.some(([other]) => conflicts.has(other))) continue;
    }
    let n = Math.min(remaining, order.caps[i]!, pods);
    if (cpu > 0) n = Math.min(n, Math.floor(cpuMillis / cpu));
    if (memory > 0) n = Math.min(n, Math.floor(memoryBytes / memory));
    if (ephemeral > 0) n = Math.min(n, Math.floor(ephemeralBytes / ephemeral));
    if (n <= 0) continue;
    taken.push([c, n]);
    value += n * weights[c]!;
    count += n;
    cpuMillis -= n * cpu;
    memoryBytes -= n * memory;
    ephemeralBytes -= n * ephemeral;
    pods -= n;
    if (pods === 0) {
      steps = i + 1;
      break;
    }
    // Nothing later fits (each later class asks more of some resource than is left): the scan would only skip.
    const least = order.least;
    if ((least[3 * i + 3]! > 0 && least[3 * i + 3]! > cpuMillis) || (least[3 * i + 4]! > 0 && least[3 * i + 4]! > memoryBytes) || (least[3 * i + 5]! > 0 && least[3 * i + 5]! > ephemeralBytes)) break;
  }
  return { fill: { pods: taken, count, value, score: value > 0 ? template.priceMonthly / value : Infinity }, steps };
}

/** What a fill reads that depends only on the classes, the templates' rooms and the mode (not on prices). */
interface Prepared { frees: readonly PackTemplate['free'][]; mode: PackMode; orders: FillOrder[]; requests: Float64Array; conflicted: Uint8Array }

/**
 * The fewer-nodes choice searches the same classes three times with only the prices changed
 * (fewer-nodes.ts), so the preparation is kept per classes array and mode, for the same rooms.
 */
const prepared = new WeakMap<readonly PackClass[], Prepared[]>();

export function prepare(classes: readonly PackClass[], templates: readonly PackTemplate[], mode: PackMode): Prepared {
  const known = prepared.get(classes) ?? [];
  const found = known.find((p) => p.mode === mode && p.frees.length === templates.length && p.frees.every((free, t) => free === templates[t]!.free));
  if (found) return found;
  const largestFirst = ffdOrder(classes, templates);
  const globalOrder = mode === 'capacity' ? [...largestFirst].reverse() : largestFirst;
  // Per template, the classes it admits in that order (read class by class: capPerNode is a class's row).
  const admitted: number[][] = templates.map(() => []);
  const admittedCaps: number[][] = templates.map(() => []);
  for (const c of globalOrder) {
    const caps = classes[c]!.capPerNode;
    for (let t = 0; t < templates.length; t++) {
      if (caps[t]! > 0) {
        admitted[t]!.push(c);
        admittedCaps[t]!.push(caps[t]!);
      }
    }
  }
  const requests = new Float64Array(3 * classes.length);
  const conflicted = new Uint8Array(classes.length);
  classes.forEach((c, i) => {
    requests[3 * i] = c.requests.cpuMillis;
    requests[3 * i + 1] = c.requests.memoryBytes;
    requests[3 * i + 2] = c.requests.ephemeralBytes;
    if (c.conflicts && c.conflicts.size > 0) conflicted[i] = 1;
  });
  const orders = admitted.map((list, t) => {
    const least = new Float64Array(3 * list.length + 3).fill(Infinity);
    for (let i = list.length - 1; i >= 0; i--) {
      const c = list[i]!;
      least[3 * i] = Math.min(requests[3 * c]!, least[3 * i + 3]!);
      least[3 * i + 1] = Math.min(requests[3 * c + 1]!, least[3 * i + 4]!);
      least[3 * i + 2] = Math.min(requests[3 * c + 2]!, least[3 * i + 5]!);
    }
    return { classes: Int32Array.from(list), caps: Float64Array.from(admittedCaps[t]!), least };
  });
  const made: Prepared = { frees: templates.map((t) => t.free), mode, orders, requests, conflicted };
  known.push(made);
  prepared.set(classes, known);
  return made;
}
