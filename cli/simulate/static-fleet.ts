import type { ValidGroup } from '../../functions/planning/context.ts';
import { addTemplateNode, findOffering, nodeTemplate, type NodeTemplate } from '../../functions/planning/node-template.ts';
import { ClusterModel, place, type SimPod } from '../../functions/planning/simulation/index.ts';
import type { Offering } from '../../shared/snapshot.ts';
import { HOURS_PER_MONTH } from './metrics.ts';
import { breakpointsMs, replicasAt, type Trace, type TraceWorkload } from './trace.ts';
import { workloadShape } from './workload-shape.ts';

// The static baseline: the cheapest fleet that holds the trace's pods at every one of its peaks,
// kept all day. Each workload's count is linear between its points, so every peak is at a point:
// the fleet must hold the pods at each of them.
//
// Exact over fleets: every multiset of (group, offering) node templates cheaper than the best
// single-offering fleet that passes the aggregate bound (CPU, memory and pod slots at each peak) is
// tried, cheapest first, and the first one on which the planner's own placement (fits, first fit,
// pods largest first) holds every peak wins. Placement is first-fit-decreasing, not exact bin
// packing: a fleet it cannot fill is treated as too small. `lowerBoundMonthly` (the cheapest fleet
// passing the aggregate bound alone) says how far that could be from the true optimum.

export const STATIC_SEARCH_LIMIT = 200_000;

export interface StaticFleet {
  nodes: { nodeGroup: string; offering: string; count: number }[];
  monthlyCost: number;
  costPerHour: number;
  lowerBoundMonthly: number;
  /** The enumeration hit STATIC_SEARCH_LIMIT: the fleet is the best found, not proven the cheapest. */
  bounded: boolean;
  allocatable: { cpuMillis: number; memoryBytes: number };
  /** No fleet of the groups' offerings holds the peaks (a pod no template takes). */
  infeasible: boolean;
}

interface Demand { pods: SimPod[]; cpuMillis: number; memoryBytes: number; count: number }

function demandAt(trace: Trace, atMs: number): Demand {
  const pods: SimPod[] = [];
  let cpuMillis = 0;
  let memoryBytes = 0;
  trace.workloads.forEach((w: TraceWorkload, i) => {
    const shape = workloadShape(w);
    const n = replicasAt(w, atMs);
    for (let k = 0; k < n; k++) pods.push({ key: `${w.namespace}/${w.name}-${k}`, namespace: w.namespace, shape, shapeIndex: i });
    cpuMillis += n * w.requests.cpu;
    memoryBytes += n * w.requests.memory;
  });
  // Largest first (first-fit decreasing), by the larger of the two shares of a typical node.
  pods.sort((a, b) => b.shape.requests.cpuMillis - a.shape.requests.cpuMillis || b.shape.requests.memoryBytes - a.shape.requests.memoryBytes);
  return { pods, cpuMillis, memoryBytes, count: pods.length };
}

function holds(templates: readonly NodeTemplate[], counts: readonly number[], demand: Demand): boolean {
  const model = new ClusterModel();
  templates.forEach((t, i) => {
    for (let k = 0; k < counts[i]!; k++) addTemplateNode(model, t, `static-${i}-${k}`, 'new');
  });
  return place(model, demand.pods).unplaced.length === 0;
}

export function staticFleet(trace: Trace, groups: readonly ValidGroup[], offerings: readonly Offering[]): StaticFleet {
  const templates: NodeTemplate[] = [];
  for (const group of groups) {
    for (const id of group.spec.offeringIDs) {
      const offering = findOffering(offerings, group, id);
      if (offering) templates.push(nodeTemplate(group, offering, []));
    }
  }
  const demands = breakpointsMs(trace).map((t) => demandAt(trace, t)).filter((d) => d.count > 0)
    .sort((a, b) => b.cpuMillis - a.cpuMillis || b.memoryBytes - a.memoryBytes);
  const need = {
    cpuMillis: Math.max(0, ...demands.map((d) => d.cpuMillis)),
    memoryBytes: Math.max(0, ...demands.map((d) => d.memoryBytes)),
    count: Math.max(0, ...demands.map((d) => d.count)),
  };
  const holdsAll = (counts: readonly number[]) => demands.every((d) => holds(templates, counts, d));
  const passesBound = (counts: readonly number[]) => {
    let cpu = 0, memory = 0, slots = 0;
    counts.forEach((n, i) => { cpu += n * templates[i]!.free.cpuMillis; memory += n * templates[i]!.free.memoryBytes; slots += n * templates[i]!.free.pods; });
    return cpu >= need.cpuMillis && memory >= need.memoryBytes && slots >= need.count;
  };
  const price = (counts: readonly number[]) => counts.reduce((sum, n, i) => sum + n * templates[i]!.offering.priceMonthly, 0);

  // Upper bound: the best fleet of one template (enough nodes by the aggregate bound, then more until placement holds).
  let best: number[] | undefined;
  templates.forEach((t, i) => {
    const counts = templates.map(() => 0);
    const perNode = Math.min(t.free.cpuMillis > 0 ? need.cpuMillis / t.free.cpuMillis : Infinity, t.free.memoryBytes > 0 ? need.memoryBytes / t.free.memoryBytes : Infinity);
    if (!Number.isFinite(perNode) && need.count > 0) return;
    counts[i] = Math.max(1, Math.ceil(Math.max(need.cpuMillis / Math.max(1, t.free.cpuMillis), need.memoryBytes / Math.max(1, t.free.memoryBytes), need.count / Math.max(1, t.free.pods))));
    for (let extra = 0; extra < 64 && !holdsAll(counts); extra++) counts[i]!++;
    if (holdsAll(counts) && (!best || price(counts) < price(best))) best = [...counts];
  });
  if (!best) {
    return { nodes: [], monthlyCost: 0, costPerHour: 0, lowerBoundMonthly: 0, bounded: false, allocatable: { cpuMillis: 0, memoryBytes: 0 }, infeasible: true };
  }
  const ceiling = price(best);

  // Every fleet cheaper than the ceiling that passes the aggregate bound.
  const candidates: number[][] = [];
  let bounded = false;
  const counts = templates.map(() => 0);
  const order = templates.map((_, i) => i).sort((a, b) => templates[b]!.offering.priceMonthly - templates[a]!.offering.priceMonthly);
  const visit = (depth: number, spent: number): void => {
    if (bounded) return;
    if (depth === order.length) {
      if (spent < ceiling && passesBound(counts)) {
        candidates.push([...counts]);
        if (candidates.length >= STATIC_SEARCH_LIMIT) bounded = true;
      }
      return;
    }
    const i = order[depth]!;
    const unit = templates[i]!.offering.priceMonthly;
    for (let n = 0; spent + n * unit < ceiling; n++) {
      counts[i] = n;
      visit(depth + 1, spent + n * unit);
      if (unit === 0) break;
    }
    counts[i] = 0;
  };
  visit(0, 0);
  candidates.sort((a, b) => price(a) - price(b) || a.reduce((s, n) => s + n, 0) - b.reduce((s, n) => s + n, 0));
  const lowerBoundMonthly = candidates.length > 0 ? price(candidates[0]!) : ceiling;
  const chosen = candidates.find(holdsAll) ?? best;
  const allocatable = { cpuMillis: 0, memoryBytes: 0 };
  chosen.forEach((n, i) => { allocatable.cpuMillis += n * templates[i]!.allocatable.cpuMillis; allocatable.memoryBytes += n * templates[i]!.allocatable.memoryBytes; });
  const monthlyCost = price(chosen);
  return {
    nodes: chosen.flatMap((n, i) => (n > 0 ? [{ nodeGroup: templates[i]!.group.key, offering: templates[i]!.offering.identifier, count: n }] : [])),
    monthlyCost,
    costPerHour: monthlyCost / HOURS_PER_MONTH,
    lowerBoundMonthly,
    bounded,
    allocatable,
    infeasible: false,
  };
}
