import type { PlanContext } from '../context.ts';
import { addTemplateNode, type NodeTemplate } from '../node-template.ts';
import type { ClusterModel } from '../simulation/cluster-model.ts';
import { place } from '../simulation/place.ts';
import { fits } from '../simulation/predicates.ts';
import type { SimNode, SimPod } from '../simulation/types.ts';
import { balancedRef } from './balance.ts';
import type { PodClass } from './classes.ts';
import { buildPackInput, type PackInput } from './pack-input.ts';
import { dropEmptyNodes } from './drop-empty.ts';
import type { NodePattern } from './pack.ts';
import type { PlannedNode } from './emit.ts';
import type { GroupCapacity } from './groups.ts';
import { hostnameFor } from './hostname.ts';
import { addUsage, describeBreach, hasLimits, limitBreach, offeringUsage, roomUnderLimits, type GroupUsage } from './limits.ts';
import { describeTradeOff, solveFewerNodes } from './fewer-nodes.ts';
import { sizedTemplates } from './group-sizing.ts';
import { byWeightTiers, weightTiers, type RoundOutcome } from './weights.ts';

export type PlannerStep = { kind: 'node'; planned: PlannedNode } | { kind: 'bind'; pod: SimPod; node: SimNode };

/** New nodes decided in this plan, and the pods they take (weights, limits and balancing included). */
export class NodePlanner {
  readonly planned: PlannedNode[] = [];
  readonly placements: { pod: SimPod; node: SimNode }[] = [];
  readonly steps: PlannerStep[] = [];
  private readonly limitNoted = new Set<number>();
  private readonly taken = new Set<string>();

  constructor(private readonly ctx: PlanContext, private readonly model: ClusterModel, private readonly capacities: readonly GroupCapacity[], private readonly options: { balanceSimilar: boolean; arrivalOf: (pod: SimPod) => number }) {
    for (const node of ctx.snapshot.nodes) this.taken.add(node.name);
    for (const vm of ctx.snapshot.vms ?? []) this.taken.add(vm.hostname);
    for (const op of ctx.state.operations) this.taken.add(op.hostname);
  }

  roomLeft(g: number): number {
    return this.capacities[g]!.room - this.planned.filter((p) => p.capacity === this.capacities[g]).length;
  }

  /** The group's members plus this plan's new nodes, at their offerings' size and price. */
  usage(g: number): GroupUsage {
    const capacity = this.capacities[g]!;
    return this.planned.filter((p) => p.capacity === capacity).reduce((u, p) => addUsage(u, offeringUsage(p.template.offering)), capacity.usage);
  }

  /** Why one more node of this template would pass the group's spec.limits; undefined when it fits. */
  limitProblem(g: number, template: NodeTemplate): string | undefined {
    if (!hasLimits(this.capacities[g]!.limits)) return undefined; // the common case costs nothing
    const breach = limitBreach(this.capacities[g]!.limits, this.usage(g), offeringUsage(template.offering));
    return breach ? describeBreach(breach, template.offering.nickname || template.offering.identifier) : undefined;
  }

  /** A group passed over for its limits says so once per plan (the decision names the limit). */
  private noteLimit(g: number, problem: string, what: string): void {
    if (this.limitNoted.has(g)) return;
    this.limitNoted.add(g);
    const key = this.capacities[g]!.group.key;
    this.ctx.decide({ kind: 'info', target: `ng ${key}`, nodeGroup: key, reason: 'group-limit', message: `group ${key}: no new node for ${what}: it would pass ${problem}` });
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
      for (let i = 0; i < missing; i++) {
        const problem = this.limitProblem(g, template);
        if (problem) return this.noteLimit(g, problem, 'minNodes');
        this.add(g, template, 'min-nodes');
      }
    });
  }

  /** A launch of the group failed in this very plan, and it is the first failure in a row. */
  private replacesFirstFailure(capacity: GroupCapacity): boolean {
    const { ctx } = this;
    if ((ctx.state.groups[capacity.group.key]?.consecutiveFailures ?? 0) > 1) return false;
    return ctx.state.operations.some((op) => op.kind === 'launch' && op.nodeGroup === capacity.group.key && op.status === 'failed' && op.updatedAtMs === ctx.nowMs);
  }

  /**
   * One round, tier by tier (scale-up/weights.ts): the highest-weight groups get the pods first;
   * what they cannot take goes down to the next tier. Pods the re-check refused come back for the
   * next round (which starts again from the top tier).
   */
  launchFor(classes: PodClass[]): RoundOutcome {
    return byWeightTiers(classes, weightTiers(this.capacities), (tierClasses) => this.launchForTier(tierClasses));
  }

  /** One search over the classes' eligible groups; new nodes over a limit are dropped, their pods refused (retried). */
  private launchForTier(classes: PodClass[]): RoundOutcome {
    if (classes.length === 0) return { placed: 0, unplaced: [], refused: [] };
    // Rooms for the search: maxNodes, and under spec.limits the most nodes of the group's smallest offering.
    const rooms = this.capacities.map((c, g) => (hasLimits(c.limits) ? Math.min(this.roomLeft(g), roomUnderLimits(c.limits, this.usage(g), c.templates.map((t) => t.offering))) : this.roomLeft(g)));
    const locks = this.capacities.map((_, g) => this.lock(g));
    // Offerings of which even one node would pass a limit are left out of the search.
    // Offerings smaller than the group's load calls for are left out (scale-up/group-sizing.ts).
    const capacities = this.capacities.map((c, g) => ({ ...c, templates: sizedTemplates(this.ctx, this.model, c.group.key, g, c.templates.filter((t) => this.limitProblem(g, t) === undefined), classes, this.options.arrivalOf) }));
    const input = buildPackInput(this.model, classes, capacities, rooms, locks);
    const { solution, tradeOff } = solveFewerNodes(input.classes, input.templates, input.groups, this.ctx.policy.searchBudget, this.ctx.policy.fewerNodesTolerancePercent);
    if (tradeOff) this.ctx.decide({ kind: 'info', target: 'cluster', reason: 'fewer-nodes', message: describeTradeOff(tradeOff), details: { ...tradeOff } });
    return this.launchPatterns(input, solution.patterns, classes);
  }

  /** New nodes of these patterns (over `input`'s templates and `classes`), their pods re-checked; pods over a limit or room refused (retried). */
  launchPatterns(input: PackInput, patterns: readonly NodePattern[], classes: readonly PodClass[]): RoundOutcome {
    const queues = classes.map((cls) => [...cls.pods]);
    const added: { planned: PlannedNode; pods: [number, number][] }[] = [];
    const limited: SimPod[] = [];
    for (const pattern of patterns) {
      for (let i = 0; i < pattern.nodes; i++) {
        const ref = this.options.balanceSimilar ? balancedRef(input, pattern.template, pattern.pods, this.capacities, {
          size: (g) => this.capacities[g]!.current + this.planned.filter((p) => p.capacity === this.capacities[g]).length,
          hasRoom: (g, template) => this.roomLeft(g) > 0 && this.limitProblem(g, template) === undefined && [undefined, template.offering.identifier].includes(this.lock(g)),
        }) : input.refs[pattern.template]!;
        // A search's patterns keep within the rooms; a guide's (in-flight-fill.ts) may not.
        const problem = this.roomLeft(ref.groupIndex) > 0 ? this.limitProblem(ref.groupIndex, ref.template) : 'the group\'s maxNodes';
        if (problem) {
          // The search's room is an upper bound when offerings differ in size: the limit decides.
          this.noteLimit(ref.groupIndex, problem, 'pending pods');
          for (const [c, n] of pattern.pods) limited.push(...queues[c]!.splice(0, n));
          continue;
        }
        added.push({ planned: this.add(ref.groupIndex, ref.template, 'pending-pods'), pods: pattern.pods });
      }
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
    const dropped = dropEmptyNodes(this.model, this.planned, added.map((a) => a.planned), placements);
    this.recordPlaced(placements);
    const unplaced = queues.flat();
    if (unplaced.length > 0) this.noteLimitsReached(classes);
    return { placed: placements.length, unplaced, refused: [...retry.unplaced.map((u) => u.pod), ...dropped, ...limited] };
  }

  /** Pods are left over and a group they could use has no offering left under its limits: say so. */
  private noteLimitsReached(classes: readonly PodClass[]): void {
    const eligible = new Set<number>();
    for (const cls of classes) for (const g of cls.eligibleGroups) eligible.add(g);
    for (const g of eligible) {
      const templates = this.capacities[g]!.templates;
      const problems = templates.map((t) => this.limitProblem(g, t));
      if (templates.length > 0 && problems.every((p) => p !== undefined)) this.noteLimit(g, problems[0]!, 'pending pods');
    }
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
      const problem = this.limitProblem(g, template);
      if (problem) return this.noteLimit(g, problem, 'the utilization threshold');
      this.add(g, template, 'utilization-threshold').detail = `requests at ${Math.round(cpuPercent)}% CPU / ${Math.round(memoryPercent)}% memory of the group's nodes (thresholds ${cpuThreshold}% / ${memoryThreshold}%)`;
    });
  }
}
