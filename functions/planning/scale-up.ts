import type { SnapshotPod } from '../../shared/snapshot.ts';
import type { PlanContext } from './context.ts';
import { daemonSetPods } from './node-template.ts';
import { buildClusterModel, inFlightLaunches } from './simulation/build-model.ts';
import type { ClusterModel } from './simulation/cluster-model.ts';
import { explain, place } from './simulation/place.ts';
import type { SimNode, SimPod } from './simulation/types.ts';
import { groupIntoClasses, type PodClass } from './scale-up/classes.ts';
import { emitScaleUp, type PlannedNode } from './scale-up/emit.ts';
import { withinLaunchBudget } from './launch-budget.ts';
import { groupCapacities } from './scale-up/groups.ts';
import { NodePlanner, type PlannerStep } from './scale-up/node-planner.ts';
import { ignoredPodDecisions, whyIgnored, type IgnoredPod } from './scale-up/pending-filter.ts';
import { diagnose } from './scale-up/reasons.ts';
import { arrivalMs, holdBurstTail, lastArrival } from './scale-up/burst.ts';
import { interleaveByClass } from './scale-up/interleave.ts';
import { fillAsOnePlan } from './scale-up/in-flight-fill.ts';
import { startingNodeNames } from './starting-nodes.ts';
import { holdWhileSettling, releaseSettling } from './scale-up/release-settling.ts';
import { releasingWithPods } from './release-nodes.ts';

/**
 * Scale-up: launch the cheapest set of nodes that gives every pending pod a place.
 *
 *   1. Groups serving fewer than minNodes get nodes first (their capacity then counts for pending pods).
 *   2. Pending pods (unschedulable, past a group's stabilization window; not nominated for a node,
 *      not expendable, not DaemonSet pods: scale-up/pending-filter.ts) go first-fit onto existing
 *      nodes, then onto in-flight launches (virtual nodes): what fits there needs nothing new.
 *   3. The rest are grouped into classes and the search (scale-up/pack.ts, uniform.ts) picks node
 *      patterns over every group × offering that admits them, within maxNodes and backoff.
 *   4. The chosen nodes are added to the model and every pod is re-checked with the full
 *      simulation (fits); pods refused by a constraint the search approximates go round again
 *      (at most ROUNDS times), so a plan never places a pod where the simulation forbids it.
 *   5. Optional proactive scale-up from scaleUpPolicy cpu/memoryThreshold (100 = off).
 *   6. Commands, launch operations, decisions, events and summaries (scale-up/emit.ts).
 */
const ROUNDS = 3;

export function planScaleUp(ctx: PlanContext): void {
  runScaleUp(ctx);
}

/** What the scale-up decided, for tests and tools. */
export interface ScaleUpOutcome {
  model: ClusterModel;
  /** Every binding of a pending pod, in the order made. */
  placements: { pod: SimPod; node: SimNode }[];
  planned: readonly PlannedNode[];
  /** New nodes and bindings interleaved in the order the simulation saw them (for a faithful replay). */
  steps: PlannerStep[];
  /** Set when pending pods may still be arriving: their last arrival, and each pod's. */
  burst?: { lastArrivalMs: number; arrivalOf: (pod: SimPod) => number };
}

export function runScaleUp(ctx: PlanContext): ScaleUpOutcome {
  const launches = inFlightLaunches(ctx.state.operations);
  const { model, pods } = buildClusterModel(ctx.snapshot, { groups: ctx.groups, launches, holdNominated: true });
  const capacities = groupCapacities(ctx.snapshot, ctx.state, ctx.policy.hostnamePrefix, ctx.groups, launches, daemonSetPods(ctx.snapshot), ctx.nowMs);
  // The snapshot pod of every unschedulable pod (only those are asked about: not the running ones).
  const snapshotPods = new Map<SimPod, SnapshotPod>();
  ctx.snapshot.pods.forEach((pod, i) => {
    if (isUnschedulable(pod)) snapshotPods.set(pods[i]!, pod);
  });
  const arrivalOf = (pod: SimPod) => arrivalMs(snapshotPods.get(pod) ?? { createdAtMs: ctx.nowMs });
  const planner = new NodePlanner(ctx, model, capacities, { balanceSimilar: ctx.policy.balanceSimilarNodeGroups, arrivalOf });

  planner.launchMinNodes();
  const ignored: IgnoredPod[] = [];
  const cutoff = ctx.policy.expendablePodsPriorityCutoff;
  // Each pod with its snapshot pod for the sort (not two Map lookups per comparison).
  const pending = [...snapshotPods].filter(([sim, pod]) => {
    const why = whyIgnored(pod, sim.shape, cutoff, (name) => model.node(name) !== undefined);
    if (why === undefined) return true;
    ignored.push({ key: sim.key, why, priority: sim.shape.priority, ...(pod.nominatedNodeName !== undefined ? { nominatedNodeName: pod.nominatedNodeName } : {}) });
    return false;
  })
    .sort(([a, pa], [b, pb]) => b.shape.priority - a.shape.priority || pa.createdAtMs - pb.createdAtMs || (a.key < b.key ? -1 : 1))
    .map(([sim]) => sim);
  const windowEnd = (pod: SimPod, g: number): number | undefined => {
    if (ctx.policy.assumeWindowsElapsed) return undefined;
    const windowMs = capacities[g]!.group.spec.scaleUpPolicy.stabilizationWindowSeconds * 1000;
    const end = snapshotPods.get(pod)!.unschedulableSinceMs! + windowMs;
    return windowMs === 0 || end <= ctx.nowMs ? undefined : end;
  };
  const eligibleBySince = new Map<number, ReadonlySet<number>>();
  const eligible = (pod: SimPod): ReadonlySet<number> => {
    const since = snapshotPods.get(pod)!.unschedulableSinceMs!;
    let set = eligibleBySince.get(since);
    if (!set) {
      set = new Set(capacities.map((_, g) => g).filter((g) => windowEnd(pod, g) === undefined));
      eligibleBySince.set(since, set);
    }
    return set;
  };

  for (const decision of ignoredPodDecisions(ignored, cutoff)) ctx.decide(decision);

  // Existing nodes in the scheduler's queue order (higher priority first, then older); then the
  // nodes on their way (launches in flight, this plan's minNodes): first the pods that were there when
  // those launches were decided (the nodes were sized for them), then the later ones, each part
  // largest pod first — an order that depends on the pods, not on when each came, so the same pods
  // fill them the same way on every run.
  // Our nodes still carrying the startup taint are filled with the in-flight ones (starting-nodes.ts).
  const starting = startingNodeNames(ctx.snapshot.nodes);
  const onReady = place(model, pending, { filter: (node) => node.kind === 'existing' && !starting.has(node.name) });
  const decidedAtMs = Math.max(-Infinity, ...launches.map((op) => op.createdAtMs));
  const later = (pod: SimPod) => (arrivalOf(pod) > decidedAtMs ? 1 : 0);
  // The nodes on their way first take what one plan of all these pods would give them (in-flight-fill.ts).
  const onItsWay = model.nodes.filter((node) => node.kind === 'in-flight' || starting.has(node.name));
  const asOnePlan = fillAsOnePlan(ctx, model, capacities, onItsWay, onReady.unplaced.map((u) => u.pod).sort(canonicalPodOrder), eligible, (g) => planner.roomLeft(g), arrivalOf);
  const unplacedPods = asOnePlan ? asOnePlan.rest : onReady.unplaced.map((u) => u.pod);
  const parts: SimPod[][] = [[], []];
  for (const pod of unplacedPods) parts[later(pod)]!.push(pod);
  const toInFlight = parts.flatMap((part) => interleaveByClass(part, canonicalPodOrder));
  const first = place(model, toInFlight, { filter: (node) => node.kind !== 'existing' || starting.has(node.name) });
  first.placed.unshift(...onReady.placed, ...(asOnePlan?.placed ?? []));
  planner.recordPlaced(first.placed);
  const onCapacity = first.placed.filter((p) => p.node.kind !== 'new');
  if (onCapacity.length > 0) {
    const inFlight = onCapacity.filter((p) => p.node.kind === 'in-flight').length;
    ctx.decide({
      kind: 'info',
      target: 'cluster',
      reason: 'fits-existing-capacity',
      message: `${onCapacity.length} pending pod(s) fit on existing or launching nodes (${inFlight} on launching nodes); no new node needed for them`,
      details: { pods: onCapacity.length, onInFlightNodes: inFlight },
    });
  }

  // Pods the search leaves out stay out (rooms only shrink); pods the re-check refused go round again.
  let retry = first.unplaced.map((u) => u.pod);
  // While the burst still arrives, only well-filled new nodes are launched (scale-up/burst.ts).
  // Read once (it walks every pod): the early-launch rule needs it only when new nodes are planned,
  // the release hold of joined nodes always (release-nodes.ts).
  const stillArriving = lastArrival(ctx, pending.map((p) => snapshotPods.get(p)!), true);
  // Nothing on its way (no launch in flight, none of our nodes starting): the burst's first plan.
  const arrival = retry.length > 0 && stillArriving ? { ...stillArriving, nothingOnItsWay: launches.length === 0 && starting.size === 0 } : undefined;
  // The rest of that one plan's fleet comes first, so that the next plan, seeing the same pods, finds
  // its nodes on their way (in-flight-fill.ts); what it leaves goes to the search.
  if (asOnePlan && asOnePlan.unmatched.length > 0 && retry.length > 0) {
    const left = new Set(retry);
    const guided = planner.launchPatterns(asOnePlan.input, asOnePlan.unmatched, asOnePlan.classes.map((cls) => ({ ...cls, pods: cls.pods.filter((p) => left.has(p)) })));
    retry = [...guided.unplaced, ...guided.refused];
  }
  const remaining: SimPod[] = [];
  let simulationMessage: string | undefined;
  for (let round = 0; round < ROUNDS && retry.length > 0; round++) {
    const outcome = planner.launchFor(groupIntoClasses(retry, eligible));
    remaining.push(...outcome.unplaced);
    retry = outcome.refused;
    if (outcome.placed === 0) break;
  }
  remaining.push(...retry);
  if (remaining.length > 0) {
    const example = remaining[0]!;
    simulationMessage = explain(model, model.nodes, example).message;
  }

  planner.launchForThresholds();

  const classes = groupIntoClasses(remaining, eligible);
  const roomLeft = capacities.map((_, g) => planner.roomLeft(g));
  for (const cls of classes) {
    const diagnosis = diagnose({
      model,
      capacities,
      roomLeft,
      limitProblem: (g: number) => {
        const problems = capacities[g]!.templates.map((t) => planner.limitProblem(g, t));
        return problems.length > 0 && problems.every((p) => p !== undefined) ? problems[0] : undefined;
      },
      windowEndsMs: (c: PodClass, g: number) => minDefined(c.pods.map((p) => windowEnd(p, g))),
      ...(simulationMessage !== undefined ? { simulationMessage } : {}),
      nowMs: ctx.nowMs,
    }, cls);
    if (diagnosis.reason === 'stabilization-window') {
      ctx.wakeAt(diagnosis.waitUntilMs!);
      ctx.decide({ kind: 'info', target: `pod ${cls.pods[0]!.key}`, reason: 'stabilization-window', message: `${cls.pods.length} pending pod(s): ${diagnosis.message}`, details: { pods: cls.pods.length } });
      continue;
    }
    for (const pod of cls.pods) ctx.unschedulable.push({ pod: pod.key, reason: diagnosis.reason, message: diagnosis.message });
    ctx.decide({
      kind: 'unschedulable',
      target: `pod ${cls.pods[0]!.key}`,
      reason: diagnosis.reason,
      message: `${cls.pods.length} pending pod(s) like ${cls.pods[0]!.key} cannot be helped: ${diagnosis.message}`,
      details: { pods: cls.pods.length },
    });
  }

  // The forwarder's launch window (launch-budget.ts): nodes past it wait, their pods stay pending.
  const budgeted = withinLaunchBudget(ctx, planner.planned);
  const afterBurst = arrival ? holdBurstTail(ctx, budgeted, planner.placements, arrival, arrivalOf) : budgeted;
  // While the burst still arrives, a joined node's release waits with it (release-nodes.ts).
  const burst = stillArriving && { lastArrivalMs: stillArriving.lastArrivalMs, arrivalOf };
  // While a release of ours settles, the tail waits to be planned with what it leaves over (release-settling.ts).
  const settling = afterBurst.some((p) => p.reason === 'pending-pods') ? releaseSettling(ctx, releasingWithPods(ctx, planner.placements, burst || undefined), onReady.placed) : undefined;
  const launched = holdWhileSettling(ctx, afterBurst, settling);
  emitScaleUp(ctx, launched);
  const kept = new Set(launched.map((p) => p.node));
  const placements = planner.placements.filter((p) => p.node.kind !== 'new' || kept.has(p.node));
  const steps = planner.steps.filter((step) => step.kind === 'bind' || kept.has(step.planned.node));
  return { model, placements, planned: launched, steps, ...(burst ? { burst } : {}) };
}

/** Largest requests first, then by name: an order of the pods that does not depend on their arrival. */
function canonicalPodOrder(a: SimPod, b: SimPod): number {
  // Pods of one shape (replicas, the common case) differ by name only.
  if (a.shape === b.shape) return a.key < b.key ? -1 : a.key > b.key ? 1 : 0;
  const ra = a.shape.requests;
  const rb = b.shape.requests;
  return b.shape.priority - a.shape.priority || rb.cpuMillis - ra.cpuMillis || rb.memoryBytes - ra.memoryBytes || rb.ephemeralBytes - ra.ephemeralBytes || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0);
}

/** Pending, unbound, not terminating, and marked unschedulable by the scheduler. */
export function isUnschedulable(pod: SnapshotPod): boolean {
  return pod.phase === 'Pending' && pod.nodeName === undefined && !pod.terminating && pod.unschedulableSinceMs !== undefined;
}

function minDefined(values: (number | undefined)[]): number | undefined {
  const defined = values.filter((v): v is number => v !== undefined);
  return defined.length > 0 ? Math.min(...defined) : undefined;
}
