import type { SnapshotPod } from '../../shared/snapshot.ts';
import type { PlanContext } from './context.ts';
import { addTemplateNode, daemonSetPods, type NodeTemplate } from './node-template.ts';
import { buildClusterModel, inFlightLaunches } from './simulation/build-model.ts';
import type { ClusterModel } from './simulation/cluster-model.ts';
import { explain, place } from './simulation/place.ts';
import { fits } from './simulation/predicates.ts';
import type { SimNode, SimPod } from './simulation/types.ts';
import { buildPackInput, groupIntoClasses, type PodClass } from './scale-up/classes.ts';
import { emitScaleUp, type PlannedNode } from './scale-up/emit.ts';
import { groupCapacities, type GroupCapacity } from './scale-up/groups.ts';
import { hostnameFor } from './scale-up/hostname.ts';
import { ignoredPodDecisions, whyIgnored, type IgnoredPod } from './scale-up/pending-filter.ts';
import { diagnose } from './scale-up/reasons.ts';
import { solve } from './scale-up/solve.ts';

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
  steps: ({ kind: 'node'; planned: PlannedNode } | { kind: 'bind'; pod: SimPod; node: SimNode })[];
}

export function runScaleUp(ctx: PlanContext): ScaleUpOutcome {
  const launches = inFlightLaunches(ctx.state.operations);
  const { model, pods } = buildClusterModel(ctx.snapshot, { groups: ctx.groups, launches });
  const capacities = groupCapacities(ctx.snapshot, ctx.state, ctx.policy.hostnamePrefix, ctx.groups, launches, daemonSetPods(ctx.snapshot), ctx.nowMs);
  const planner = new NodePlanner(ctx, model, capacities);

  planner.launchMinNodes();

  const snapshotPods = new Map<SimPod, SnapshotPod>();
  ctx.snapshot.pods.forEach((pod, i) => snapshotPods.set(pods[i]!, pod));
  const ignored: IgnoredPod[] = [];
  const cutoff = ctx.policy.expendablePodsPriorityCutoff;
  const pending = pods.filter((sim) => {
    const pod = snapshotPods.get(sim)!;
    if (!isUnschedulable(pod)) return false;
    const why = whyIgnored(pod, sim.shape, cutoff);
    if (why === undefined) return true;
    ignored.push({ key: sim.key, why, priority: sim.shape.priority, ...(pod.nominatedNodeName !== undefined ? { nominatedNodeName: pod.nominatedNodeName } : {}) });
    return false;
  })
    .sort((a, b) => b.shape.priority - a.shape.priority || snapshotPods.get(a)!.createdAtMs - snapshotPods.get(b)!.createdAtMs || (a.key < b.key ? -1 : 1));
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

  // The scheduler's queue order: higher priority first, then older.
  const first = place(model, pending);
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

  emitScaleUp(ctx, planner.planned);
  const kept = new Set(planner.planned.map((p) => p.node));
  const placements = planner.placements.filter((p) => p.node.kind !== 'new' || kept.has(p.node));
  const steps = planner.steps.filter((step) => step.kind === 'bind' || kept.has(step.planned.node));
  return { model, placements, planned: planner.planned, steps };
}

/** Pending, unbound, not terminating, and marked unschedulable by the scheduler. */
export function isUnschedulable(pod: SnapshotPod): boolean {
  return pod.phase === 'Pending' && pod.nodeName === undefined && !pod.terminating && pod.unschedulableSinceMs !== undefined;
}

function minDefined(values: (number | undefined)[]): number | undefined {
  const defined = values.filter((v): v is number => v !== undefined);
  return defined.length > 0 ? Math.min(...defined) : undefined;
}

/** New nodes decided in this plan, and the pods they take. */
class NodePlanner {
  readonly planned: PlannedNode[] = [];
  readonly placements: { pod: SimPod; node: SimNode }[] = [];
  readonly steps: ScaleUpOutcome['steps'] = [];
  private readonly taken = new Set<string>();

  constructor(private readonly ctx: PlanContext, private readonly model: ClusterModel, private readonly capacities: readonly GroupCapacity[]) {
    for (const node of ctx.snapshot.nodes) this.taken.add(node.name);
    for (const vm of ctx.snapshot.vms ?? []) this.taken.add(vm.hostname);
    for (const op of ctx.state.operations) this.taken.add(op.hostname);
  }

  roomLeft(g: number): number {
    return this.capacities[g]!.room - this.planned.filter((p) => p.capacity === this.capacities[g]).length;
  }

  /** With allowMixedInstances false, the offering this plan already chose for the group. */
  private lock(g: number): string | undefined {
    const capacity = this.capacities[g]!;
    if (capacity.group.spec.allowMixedInstances) return undefined;
    return this.planned.find((p) => p.capacity === capacity)?.template.offering.identifier;
  }

  private add(g: number, template: NodeTemplate, reason: PlannedNode['reason']): PlannedNode {
    const capacity = this.capacities[g]!;
    let hostname: string;
    do hostname = hostnameFor(this.ctx.policy.hostnamePrefix, capacity.group.name, this.ctx.id('host', capacity.group.key));
    while (this.taken.has(hostname) || this.model.node(hostname));
    this.taken.add(hostname);
    const node = addTemplateNode(this.model, template, hostname, 'new');
    const planned: PlannedNode = { capacity, template, hostname, node, reason, pods: 0 };
    this.planned.push(planned);
    this.steps.push({ kind: 'node', planned });
    return planned;
  }

  recordPlaced(placements: readonly { pod: SimPod; node: SimNode }[]): void {
    const byNode = new Map(this.planned.map((p) => [p.node, p]));
    for (const { pod, node } of placements) {
      this.placements.push({ pod, node });
      this.steps.push({ kind: 'bind', pod, node });
      const planned = node.kind === 'new' ? byNode.get(node) : undefined;
      if (planned) planned.pods++;
    }
  }

  /** The group's preferred offering, else its cheapest, honouring a mixed-instances lock. */
  private defaultTemplate(g: number): NodeTemplate | undefined {
    const capacity = this.capacities[g]!;
    const lock = this.lock(g);
    const templates = capacity.templates.filter((t) => lock === undefined || t.offering.identifier === lock);
    const preferred = templates.find((t) => t.offering.identifier === capacity.group.spec.preferredInstanceType);
    return preferred ?? [...templates].sort((a, b) => a.offering.priceMonthly - b.offering.priceMonthly)[0];
  }

  /**
   * Groups serving fewer than minNodes (Ready nodes not leaving, plus launches in flight) get nodes,
   * within the room under maxNodes (which counts everything billed, a NotReady node included). Not
   * while the group backs off after failed launches (a group whose launches keep failing must not
   * buy a VM every reconcile) — except the first failure in a row: its replacement is launched in
   * the plan that fails it, before the failed VM and Node are gone (the backoff holds from the next).
   */
  launchMinNodes(): void {
    this.capacities.forEach((capacity, g) => {
      const missing = Math.min(capacity.group.spec.minNodes - capacity.serving, this.roomLeft(g));
      if (missing <= 0) return;
      if (capacity.backoffUntilMs !== undefined && !this.replacesFirstFailure(capacity)) return;
      const template = this.defaultTemplate(g);
      if (!template) return;
      for (let i = 0; i < missing; i++) this.add(g, template, 'min-nodes');
    });
  }

  /** A launch of the group failed in this very plan, and it is the first failure in a row. */
  private replacesFirstFailure(capacity: GroupCapacity): boolean {
    const { ctx } = this;
    if ((ctx.state.groups[capacity.group.key]?.consecutiveFailures ?? 0) > 1) return false;
    return ctx.state.operations.some((op) => op.kind === 'launch' && op.nodeGroup === capacity.group.key && op.status === 'failed' && op.updatedAtMs === ctx.nowMs);
  }

  /** One round: search, add the nodes, re-check every pod with the simulation. */
  launchFor(classes: PodClass[]): { placed: number; unplaced: SimPod[]; refused: SimPod[] } {
    const rooms = this.capacities.map((_, g) => this.roomLeft(g));
    const locks = this.capacities.map((_, g) => this.lock(g));
    const input = buildPackInput(this.model, classes, this.capacities, rooms, locks);
    const solution = solve(input.classes, input.templates, input.groups, this.ctx.policy.searchBudget);
    const queues = classes.map((cls) => [...cls.pods]);
    const added: { planned: PlannedNode; pods: [number, number][] }[] = [];
    for (const pattern of solution.patterns) {
      const ref = input.refs[pattern.template]!;
      for (let i = 0; i < pattern.nodes; i++) added.push({ planned: this.add(ref.groupIndex, ref.template, 'pending-pods'), pods: pattern.pods });
    }
    const refused: SimPod[] = [];
    const placements: { pod: SimPod; node: SimNode }[] = [];
    // Round-robin over the new nodes, one pod per node and class per turn, as the scheduler would
    // spread replicas over nodes that come up together (keeps hostname spread balanced).
    const wants = added.flatMap(({ planned, pods }) => pods.map(([c, n]) => ({ node: planned.node, c, n })));
    for (let turn = 0; wants.some((w) => w.n > turn); turn++) {
      for (const want of wants) {
        if (want.n <= turn) continue;
        const pod = queues[want.c]!.shift();
        if (!pod) continue;
        if (fits(this.model, want.node, pod, false)) refused.push(pod);
        else {
          this.model.bind(pod, want.node);
          placements.push({ pod, node: want.node });
        }
      }
    }
    const newNodes = new Set(added.map((a) => a.planned.node));
    const retry = place(this.model, refused, { filter: (node) => newNodes.has(node) });
    placements.push(...retry.placed);
    const dropped = this.dropEmptyNodes(added.map((a) => a.planned), placements);
    this.recordPlaced(placements);
    return { placed: placements.length, unplaced: queues.flat(), refused: [...retry.unplaced.map((u) => u.pod), ...dropped] };
  }

  /**
   * A node the re-check left without pending pods is not launched. Its presence may have allowed
   * a binding elsewhere (it was a topology domain with 0 matching pods), so this round's bindings
   * are checked again without it, in the same order; pods that no longer fit are returned.
   * Mutates `placements` to what remains bound.
   */
  private dropEmptyNodes(round: PlannedNode[], placements: { pod: SimPod; node: SimNode }[]): SimPod[] {
    const dropped: SimPod[] = [];
    for (let pass = 0; pass < 3; pass++) {
      const counts = new Map<SimNode, number>();
      for (const p of placements) counts.set(p.node, (counts.get(p.node) ?? 0) + 1);
      const empty = round.filter((planned) => this.planned.includes(planned) && !counts.has(planned.node));
      if (empty.length === 0) break;
      for (const planned of empty) {
        this.model.removeNode(planned.node.name);
        this.planned.splice(this.planned.indexOf(planned), 1);
      }
      for (let i = placements.length - 1; i >= 0; i--) this.model.unbind(placements[i]!.pod, placements[i]!.node);
      const kept = placements.splice(0, placements.length);
      for (const p of kept) {
        if (fits(this.model, p.node, p.pod, false)) dropped.push(p.pod);
        else {
          this.model.bind(p.pod, p.node);
          placements.push(p);
        }
      }
    }
    return dropped;
  }

  /** Proactive: a group whose ready nodes' requests exceed its cpu/memory threshold gets one node. */
  launchForThresholds(): void {
    this.capacities.forEach((capacity, g) => {
      const { cpuThreshold, memoryThreshold } = capacity.group.spec.scaleUpPolicy;
      if ((cpuThreshold >= 100 && memoryThreshold >= 100) || capacity.backoffUntilMs !== undefined || this.roomLeft(g) <= 0) return;
      const nodes = this.model.nodes.filter((n) => n.nodeGroup === capacity.group.key);
      if (nodes.length === 0 || nodes.some((n) => n.kind !== 'existing')) return; // growth already under way
      const sum = (f: (n: SimNode) => number) => nodes.reduce((s, n) => s + f(n), 0);
      const cpuPercent = (100 * sum((n) => n.requested.cpuMillis)) / Math.max(1, sum((n) => n.allocatable.cpuMillis));
      const memoryPercent = (100 * sum((n) => n.requested.memoryBytes)) / Math.max(1, sum((n) => n.allocatable.memoryBytes));
      if (cpuPercent <= cpuThreshold && memoryPercent <= memoryThreshold) return;
      const template = this.defaultTemplate(g);
      if (!template) return;
      this.add(g, template, 'utilization-threshold').detail = `requests at ${Math.round(cpuPercent)}% CPU / ${Math.round(memoryPercent)}% memory of the group's nodes (thresholds ${cpuThreshold}% / ${memoryThreshold}%)`;
    });
  }
}
