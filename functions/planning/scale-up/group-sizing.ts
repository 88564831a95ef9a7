import type { PlanContext } from '../context.ts';
import { TEMPLATE_HOSTNAME, type NodeTemplate } from '../node-template.ts';
import type { ClusterModel } from '../simulation/cluster-model.ts';
import { staticMisfit } from '../simulation/predicates.ts';
import type { SimPod } from '../simulation/types.ts';
import type { GroupKey } from '../types.ts';
import type { PodClass } from './classes.ts';

// Group-aware node size (issue #18): the group's running load says what size its nodes should be;
// the pending pods say how many.
//
// The search prices the pending pods alone, so a group that grows a few pods per reconcile (a
// morning ramp) buys, each time, the cheapest node for those few pods: the smallest offering. Every
// node pays the kubelet's fixed reservations (200m, 612Mi by default), so small nodes cost more per
// allocatable unit (examples/offerings.json: a GiB costs $3.53/month on a 2-vCPU node, $2.86 on an
// 8-vCPU one), and a group grown that way runs its whole load at the small nodes' rate. Its nodes
// are interchangeable capacity for its pods: the node bought now serves the group's load, not only
// the pods that happen to be pending.
//
// So before the search, per group: for every offering, the expected monthly cost of serving the
// group's current load with nodes of that offering —
//
//     (load / allocatable + ½) × (price + spec.nodeOverhead)
//
// the load's share of a node (the largest of CPU, memory and pod slots) and half a node, the
// expected idle part of the last one (the fleet rounds up; on average by half a node). The offering
// with the least is the group's size; offerings smaller than it (no more CPU, memory and ephemeral
// storage, and less of one) are left out of this plan's search for that group. Larger or incomparable
// offerings stay: the search still picks among them by price for the pending pods.
//
//   load 4.2 CPU, 11 GiB (a quiet night)      → 4-vCPU nodes (2 × $27.65 expected)
//   load 20 CPU, 45 GiB (the ramp at 10:00)   → 8-vCPU nodes, not a 2-vCPU node per pod
//
// The load is what runs on the group's nodes, and what this plan puts on its nodes on their way
// (requests, DaemonSet pods included, against allocatable) — measured, not forecast. The rule only
// settles what rounding settles: it applies when the pending pods fill at most one node of the
// group's size. Not sized:
//   - a group with no load (a first burst on an empty group): its pending pods are its whole
//     demand, and the search packs them exactly;
//   - pending pods that fill more than one node of that size (a burst): the search packs them as
//     they are, and takes the larger nodes itself where they are cheaper for those pods;
//   - pods that could use a smaller offering but none of the kept ones (a node selector on an
//     instance type, a taint the small ones lack): their pods come first.
//   - pending pods that were all pending already when the group last scaled up (they arrived at or
//     before its lastScaleUpMs): that scale-up planned for them, so they are what is left of a
//     demand already served (the scheduler placed a burst otherwise than the plan did), not the
//     group growing (issue #22: after a 300-pod burst one 3-GiB pod was left, and the rule bought an
//     8-CPU node, +$0.110/h, where a 2-CPU node, +$0.027/h, holds it).
// Scale-down is unchanged: as the load falls, the least utilized nodes go, and the size of new
// nodes falls with it. Measured (docs/simulate.md): diurnal 35.1 → 40.6 % saved against the static
// fleet, VM creates 24 → 8; batch-bursts 81.3 → 83.8 %.

export interface GroupLoad { cpuMillis: number; memoryBytes: number; pods: number }

/**
 * Requests and pods on the group's nodes in the model: running, and on their way (launches in flight,
 * our nodes still starting) with the pending pods placed on them; this plan's new nodes left out.
 * (From 2026-12-03 to 12-04 nodes on their way were left out, for a burst's tail sized on the burst;
 * the simulator's batch-bursts trace then paid +10 %, 52 VM creates instead of 33, as every burst was
 * planned in small nodes; the tail is now handled by the lastScaleUpMs exception below.)
 */
export function groupLoad(model: ClusterModel, key: GroupKey): GroupLoad {
  const load = { cpuMillis: 0, memoryBytes: 0, pods: 0 };
  for (const node of model.nodes) {
    if (node.nodeGroup !== key || node.kind === 'new') continue;
    load.cpuMillis += node.requested.cpuMillis;
    load.memoryBytes += node.requested.memoryBytes;
    load.pods += node.pods.length;
  }
  return load;
}

/** Expected monthly cost of serving the load with nodes of this template (price + overhead per node). */
export function expectedFleetCost(load: GroupLoad, template: NodeTemplate): number {
  const a = template.allocatable;
  const share = Math.max(load.cpuMillis / Math.max(1, a.cpuMillis), load.memoryBytes / Math.max(1, a.memoryBytes), load.pods / Math.max(1, a.pods));
  return (share + 0.5) * (template.offering.priceMonthly + template.group.spec.nodeOverhead.monthlyCost);
}

export interface GroupSize {
  /** The offering the group's load is served cheapest by. */
  size: NodeTemplate;
  kept: NodeTemplate[];
  /** Offerings smaller than `size`, left out of this plan's search for the group. */
  left: NodeTemplate[];
}

/** The templates the search may use for this group; `left` empty when no rule applies. */
export function sizeForGroup(templates: readonly NodeTemplate[], load: GroupLoad, classes: readonly PodClass[], g: number): GroupSize | undefined {
  if (templates.length < 2 || (load.cpuMillis <= 0 && load.memoryBytes <= 0)) return undefined;
  let size = templates[0]!;
  let best = expectedFleetCost(load, size);
  for (const t of templates.slice(1)) {
    const cost = expectedFleetCost(load, t);
    // Ties go to the cheaper node (the smaller fleet step), then to the group's order.
    if (cost < best - 1e-9 || (Math.abs(cost - best) <= 1e-9 && t.offering.priceMonthly < size.offering.priceMonthly)) [size, best] = [t, cost];
  }
  // Pending pods that fill more than one node of that size are packed by the search as they are.
  if (pendingShare(classes, g, size) > 1) return undefined;
  const left = templates.filter((t) => t !== size && smaller(t, size));
  if (left.length === 0) return undefined;
  const kept = templates.filter((t) => !left.includes(t));
  // Pods that could use a smaller offering but none of the kept ones keep every offering open.
  for (const cls of classes) {
    if (!cls.eligibleGroups.has(g)) continue;
    if (left.some((t) => admits(t, cls)) && !kept.some((t) => admits(t, cls))) return undefined;
  }
  return { size, kept, left };
}

/** The pending pods' share of one node of the template (the largest of CPU, memory and pod slots). */
function pendingShare(classes: readonly PodClass[], g: number, t: NodeTemplate): number {
  let cpu = 0, memory = 0, pods = 0;
  for (const cls of classes) {
    if (!cls.eligibleGroups.has(g)) continue;
    cpu += cls.pods.length * cls.shape.requests.cpuMillis;
    memory += cls.pods.length * cls.shape.requests.memoryBytes;
    pods += cls.pods.length;
  }
  return Math.max(cpu / Math.max(1, t.free.cpuMillis), memory / Math.max(1, t.free.memoryBytes), pods / Math.max(1, t.free.pods));
}

/** No more CPU, memory and ephemeral storage than `than`, and less of at least one. */
function smaller(t: NodeTemplate, than: NodeTemplate): boolean {
  const [a, b] = [t.allocatable, than.allocatable];
  const noMore = a.cpuMillis <= b.cpuMillis && a.memoryBytes <= b.memoryBytes && a.ephemeralBytes <= b.ephemeralBytes;
  return noMore && (a.cpuMillis < b.cpuMillis || a.memoryBytes < b.memoryBytes || a.ephemeralBytes < b.ephemeralBytes);
}

/** One pod of the class could go on an empty node of the template (labels, taints, requests). */
function admits(t: NodeTemplate, cls: PodClass): boolean {
  const r = cls.shape.requests;
  if (r.cpuMillis > t.free.cpuMillis || r.memoryBytes > t.free.memoryBytes || r.ephemeralBytes > t.free.ephemeralBytes || t.free.pods < 1) return false;
  return staticMisfit({ name: TEMPLATE_HOSTNAME, labels: t.labels, taints: t.taints }, cls.shape, false) === undefined;
}

/** The decision's sentence. */
export function describeGroupSize(key: GroupKey, load: GroupLoad, sized: GroupSize): string {
  const name = (t: NodeTemplate) => t.offering.nickname || t.offering.identifier;
  return `group ${key} runs ${(load.cpuMillis / 1000).toFixed(1)} CPU / ${(load.memoryBytes / 2 ** 30).toFixed(1)} GiB: its load is served cheapest by ${name(sized.size)} nodes (expected ${expectedFleetCost(load, sized.size).toFixed(2)}/month with half a node idle), so ${sized.left.map(name).join(', ')} are left out of this scale-up`;
}

const told = new WeakMap<PlanContext, Set<GroupKey>>();

/** Some eligible pending pod arrived after the group's last scale-up (or the group never scaled up). */
function growing(classes: readonly PodClass[], g: number, lastScaleUpMs: number | undefined, arrivalOf: (pod: SimPod) => number): boolean {
  if (lastScaleUpMs === undefined) return true;
  return classes.some((cls) => cls.eligibleGroups.has(g) && cls.pods.some((pod) => arrivalOf(pod) > lastScaleUpMs));
}

/**
 * The group's templates for this search, sized for its load; says so once per plan and group when
 * offerings are left out. `arrivalOf`: when a pending pod arrived (scale-up/burst.ts arrivalMs).
 */
export function sizedTemplates(ctx: PlanContext, model: ClusterModel, key: GroupKey, g: number, templates: NodeTemplate[], classes: readonly PodClass[], arrivalOf: (pod: SimPod) => number): NodeTemplate[] {
  if (templates.length < 2 || !classes.some((cls) => cls.eligibleGroups.has(g))) return templates;
  const load = groupLoad(model, key);
  const sized = sizeForGroup(templates, load, classes, g);
  // Read last (it walks the pending pods): only when the rule would leave offerings out.
  if (!sized || !growing(classes, g, ctx.state.groups[key]?.lastScaleUpMs, arrivalOf)) return templates;
  const seen = told.get(ctx) ?? new Set<GroupKey>();
  told.set(ctx, seen);
  if (!seen.has(key)) {
    seen.add(key);
    ctx.decide({
      kind: 'info', target: `ng ${key}`, nodeGroup: key, reason: 'group-node-size', message: describeGroupSize(key, load, sized),
      details: { offering: sized.size.offering.identifier, leftOut: sized.left.map((t) => t.offering.identifier).join(','), loadCpuMillis: load.cpuMillis, loadMemoryBytes: load.memoryBytes },
    });
  }
  return sized.kept;
}
