import type { SnapshotPod } from '../../../shared/snapshot.ts';
import type { PlanContext } from '../context.ts';
import { whyIgnored } from './pending-filter.ts';
import type { SimNode, SimPod } from '../simulation/types.ts';
import type { PlannedNode } from './emit.ts';
import { isoTime } from './reasons.ts';

// Pods that arrive together are planned together (issue #22). A Deployment scaled to 300 does not
// reach the scheduler at once: the ReplicaSet controller creates its pods at the controller-manager's
// API rate (about 20 a second by default: a 300-pod burst takes 15 s) and the scheduler judges them
// one by one, so a reconcile during the burst sees only part of it. Planning that part whole buys
// nodes sized for it — and for its leftovers, the small half-empty nodes at the end of every plan —
// and the next reconcile does it again: more nodes than the burst needs, and a different fleet on
// every run (it depends on where the cuts fell).
//
// So while the burst still arrives, a plan launches only the nodes that are right whatever comes
// next — filled as the burst seen so far fills nodes of their size on average (FULL_NODE_SHARE of
// the resource that binds the batch, and of the others at least the batch's share: a node full of
// memory pods alone would leave the CPU pods to nodes of their own) and of the largest of their
// group's offerings at the lowest price per unit of that resource (a part of a burst planned alone
// would otherwise get nodes its own size) — and holds the others; their pods are planned again with
// the next arrivals, with the launches made so far as capacity (filled with the batch's mix:
// scale-up/interleave.ts):
//
//   arrivals  a a a a a a a a a a a a a a a a            (a pod created, or judged unschedulable)
//   plans       F     F     F     F     F      F+T       F: those nodes only; T: the rest, once no
//                                      ─ idle ─▶         pod arrived for idleMs, or once the oldest
//                                                        held pod has waited maxMs
//
// The first create is not delayed: when nothing is on its way yet (no launch in flight, no node of
// ours still starting) and no planned node passes the rule, the plan launches the one that comes
// nearest: of the largest offering at the lowest price per unit, the one filled most as the batch
// fills nodes (when no node of that offering is planned, the hold stands). The later plans fill it
// with the batch's mix. A burst's first snapshot is a second of its
// arrivals, and its pods rarely fill any node as the batch would: a quarter of the 36–48-pod first
// snapshots of issue #22's burst held every node (scripts/first-plan-mixes.ts). A burst seen whole is
// planned whole. The max wait is 30 s by default (Karpenter's is 10 s): the ReplicaSet controller
// takes 15 s for a 300-pod Deployment, and nodes released at 10 s were sized for the part seen; at
// worst a pod of a node that is not full waits 30 s while pods keep arriving within 1 s of each other. A pod's arrival is the later of its creation and the scheduler's verdict (whole
// seconds: Kubernetes timestamps, taken at their second's end); a pending pod the scheduler has not judged yet arrives now (it is
// on its way; the caller counts only young ones, so a pod gated for long does not hold every burst).
// The planner is pure: "now" is the plan's time, and a plan that holds asks to be called back
// (nextContactAfterMs).

/** A node counts as well filled from this share of its CPU, memory or pod slots requested. */
export const FULL_NODE_SHARE = 0.9;

export interface BurstHold {
  /** When the plan should look again: idle after the last arrival, or the oldest held pod's max wait. */
  untilMs: number;
  lastArrivalMs: number;
  oldestHeldMs: number;
}

/** When a pending pod arrived: its creation, or the scheduler's verdict when later (see above). */
export function arrivalMs(pod: Pick<SnapshotPod, 'createdAtMs' | 'unschedulableSinceMs'>): number {
  const ms = Math.max(pod.createdAtMs, pod.unschedulableSinceMs ?? -Infinity);
  // A whole-second stamp (Kubernetes timestamps) stands for any moment of its second: take its end,
  // so a burst is never taken as settled while a pod of the last second may still be coming.
  return ms % 1000 === 0 ? ms + 999 : ms;
}

/** The largest share of a node's CPU, memory or pod slots that its pods (DaemonSets included) request. */
export function nodeFill(node: Pick<SimNode, 'allocatable' | 'requested'>): number {
  const share = (used: number, total: number) => (total > 0 ? used / total : 0);
  return Math.max(share(node.requested.cpuMillis, node.allocatable.cpuMillis), share(node.requested.memoryBytes, node.allocatable.memoryBytes), share(node.requested.pods, node.allocatable.pods));
}

/**
 * Whether the node's offering is the largest of its group's offerings that cost the least per unit
 * of the resource that fills the node (price + spec.nodeOverhead; 1 % slack). A part of a burst
 * planned on its own gets nodes its size (24 pods: a 4-CPU node, full), the next part again; where
 * a larger node costs no more per unit, it is what the whole burst would fill.
 */
function largestOfCheapest(p: PlannedNode, key: Resource): boolean {
  const perUnit = (t: PlannedNode['template']) => (t.offering.priceMonthly + t.group.spec.nodeOverhead.monthlyCost) / Math.max(1, t.free[key]);
  const templates = p.capacity.templates.filter((t) => t.free[key] > 0);
  const cheapest = templates.reduce((m, t) => Math.min(m, perUnit(t)), Infinity);
  const largest = templates.filter((t) => perUnit(t) <= cheapest * 1.01).reduce((m, t) => Math.max(m, t.free[key]), 0);
  return perUnit(p.template) <= cheapest * 1.01 && p.template.free[key] >= largest;
}

type Resource = 'cpuMillis' | 'memoryBytes' | 'pods';
const RESOURCES = ['cpuMillis', 'memoryBytes', 'pods'] as const;

/**
 * The resource that binds the burst seen so far on this node's offering: the one of which the
 * batch's pending pods would fill the most nodes of that size (sum of requests / free room).
 */
export function bindingResource(demand: Record<Resource, number>, free: Record<Resource, number>): Resource {
  const nodes = (k: Resource) => (free[k] > 0 ? demand[k] / free[k] : 0);
  return RESOURCES.reduce((a, k) => (nodes(k) > nodes(a) ? k : a));
}

/**
 * Whether the node is filled at least as the batch would fill nodes of its size on average
 * (FULL_NODE_SHARE of it, in every resource): its binding resource nearly full, and the others at
 * least the batch's share of them. A node full of memory pods alone is full, but the batch needs
 * their room for CPU too: launched early, it leaves the CPU pods to nodes of their own.
 */
export function fillsAsTheBatch(node: Pick<SimNode, 'allocatable' | 'requested'>, demand: Record<Resource, number>, free: Record<Resource, number>): boolean {
  const nodesOf = (k: Resource) => (free[k] > 0 ? demand[k] / free[k] : 0);
  const binding = Math.max(...RESOURCES.map(nodesOf));
  return binding > 0 && RESOURCES.every((k) => share(node, k) >= FULL_NODE_SHARE * (nodesOf(k) / binding));
}

function share(node: Pick<SimNode, 'allocatable' | 'requested'>, key: 'cpuMillis' | 'memoryBytes' | 'pods'): number {
  return node.allocatable[key] > 0 ? node.requested[key] / node.allocatable[key] : 0;
}

/**
 * Whether to hold the less-filled nodes of this plan: the burst still arrives (its last arrival is
 * younger than idleMs) and no pod they would take has waited maxMs yet; undefined = launch them.
 */
export function burstHold(lastArrivalMs: number, heldArrivalsMs: readonly number[], nowMs: number, idleMs: number, maxMs: number): BurstHold | undefined {
  if (idleMs <= 0 || heldArrivalsMs.length === 0) return undefined;
  // A clock ahead of ours must not make a pod arrive in the future (and hold past the max wait).
  const last = Math.min(lastArrivalMs, nowMs);
  if (nowMs - last >= idleMs) return undefined;
  const oldestHeldMs = heldArrivalsMs.reduce((a, b) => Math.min(a, b), nowMs);
  if (nowMs - oldestHeldMs >= maxMs) return undefined;
  return { untilMs: Math.min(last + idleMs, oldestHeldMs + maxMs), lastArrivalMs: last, oldestHeldMs };
}

/**
 * The last arrival of the pending pods (those that fit launches in flight included: they are part of
 * the burst too), pending pods the scheduler has not judged yet (created less than the max wait ago,
 * not ignored) counting as arriving now; undefined when the hold is off or no pod needs a new node.
 */
export function lastArrival(ctx: PlanContext, pending: readonly SnapshotPod[], needNewNodes: boolean): { lastArrivalMs: number; unjudged: number } | undefined {
  const { scaleUpBatchIdleMs: idleMs, scaleUpBatchMaxMs: maxMs, expendablePodsPriorityCutoff: cutoff } = ctx.policy;
  if (idleMs <= 0 || !needNewNodes) return undefined;
  const unjudged = ctx.snapshot.pods.filter((pod) => pod.phase === 'Pending' && pod.nodeName === undefined && !pod.terminating && pod.unschedulableSinceMs === undefined
    && ctx.nowMs - pod.createdAtMs < maxMs && whyIgnored(pod, ctx.snapshot.podShapes[pod.shape]!, cutoff) === undefined).length;
  const lastArrivalMs = unjudged > 0 ? ctx.nowMs : pending.reduce((t, pod) => Math.max(t, arrivalMs(pod)), -Infinity);
  return { lastArrivalMs, unjudged };
}

/**
 * While the burst still arrives: the planned nodes to launch now (every well-filled one, and what
 * is not for pending pods), the less-filled ones held with a decision saying so and a call back.
 */
export function holdBurstTail(ctx: PlanContext, planned: readonly PlannedNode[], placements: readonly { pod: SimPod; node: SimNode }[], arrival: { lastArrivalMs: number; unjudged: number; nothingOnItsWay: boolean }, arrivalOf: (pod: SimPod) => number): PlannedNode[] {
  const { scaleUpBatchIdleMs: idleMs, scaleUpBatchMaxMs: maxMs } = ctx.policy;
  const fresh = new Set(planned.filter((p) => p.reason === 'pending-pods').map((p) => p.node));
  const demand = { cpuMillis: 0, memoryBytes: 0, pods: 0 };
  for (const { pod, node } of placements) {
    if (!fresh.has(node)) continue;
    demand.cpuMillis += pod.shape.requests.cpuMillis;
    demand.memoryBytes += pod.shape.requests.memoryBytes;
    demand.pods += 1;
  }
  const good = (p: PlannedNode) => {
    const key = bindingResource(demand, p.template.free);
    return fillsAsTheBatch(p.node, demand, p.template.free) && largestOfCheapest(p, key);
  };
  const partial = new Set(planned.filter((p) => p.reason === 'pending-pods' && !good(p)).map((p) => p.node));
  const first = arrival.nothingOnItsWay && !planned.some((p) => p.reason === 'pending-pods' && !partial.has(p.node)) ? nearest(planned.filter((p) => partial.has(p.node)), demand) : undefined;
  if (first) partial.delete(first.node);
  if (partial.size === 0) return [...planned];
  const held = placements.filter((p) => partial.has(p.node)).map((p) => arrivalOf(p.pod));
  const hold = burstHold(arrival.lastArrivalMs, held, ctx.nowMs, idleMs, maxMs);
  if (!hold) return [...planned];
  ctx.wakeAt(hold.untilMs);
  const now = planned.filter((p) => !partial.has(p.node));
  const ago = (ms: number) => `${(Math.max(0, ctx.nowMs - ms) / 1000).toFixed(1)} s ago`;
  ctx.decide({
    kind: 'info',
    target: 'cluster',
    reason: 'burst-arriving',
    message: `pods are still arriving (the last ${ago(hold.lastArrivalMs)}, ${arrival.unjudged} not yet judged by the scheduler): launching ${now.length} new node(s) now (${first ? `the burst's first, ${first.template.offering.nickname || first.template.offering.identifier}: nothing is on its way yet` : 'filled as the burst fills nodes, of the largest offering at the lowest price per unit'}); ${held.length} pending pod(s) for ${partial.size} other node(s) wait until ${isoTime(hold.untilMs)} to be planned with the rest of the burst (no arrival for ${idleMs} ms, or ${maxMs} ms after the oldest of them, ${ago(hold.oldestHeldMs)})`,
    details: { launchedNow: now.length, heldNodes: partial.size, heldPods: held.length, unjudged: arrival.unjudged, untilMs: hold.untilMs, firstOfBurst: first !== undefined },
  });
  return now;
}

/**
 * The burst's first node when none passes the rule: of the largest cheapest offering (the rest of
 * the burst fills it), the one filled most as the batch fills nodes (its least-filled resource
 * against the batch's share of it), the first planned on a tie; undefined when none is of that
 * offering (a node of another size would be sized for the part seen: the hold stands).
 */
function nearest(candidates: readonly PlannedNode[], demand: Record<Resource, number>): PlannedNode | undefined {
  const score = (p: PlannedNode) => {
    const nodesOf = (k: Resource) => (p.template.free[k] > 0 ? demand[k] / p.template.free[k] : 0);
    const binding = Math.max(...RESOURCES.map(nodesOf));
    return binding > 0 ? Math.min(...RESOURCES.filter((k) => nodesOf(k) > 0).map((k) => share(p.node, k) / (nodesOf(k) / binding))) : 0;
  };
  const pool = candidates.filter((p) => largestOfCheapest(p, bindingResource(demand, p.template.free)));
  return pool.reduce<PlannedNode | undefined>((best, p) => (best === undefined || score(p) > score(best) ? p : best), undefined);
}
