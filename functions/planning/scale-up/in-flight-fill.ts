import type { PlanContext } from '../context.ts';
import type { ClusterModel } from '../simulation/cluster-model.ts';
import { place } from '../simulation/place.ts';
import type { SimNode, SimPod } from '../simulation/types.ts';
import { groupIntoClasses, type PodClass } from './classes.ts';
import { solveFewerNodes } from './fewer-nodes.ts';
import { sizedTemplates } from './group-sizing.ts';
import type { GroupCapacity } from './groups.ts';
import { buildPackInput, type PackInput } from './pack-input.ts';
import type { NodePattern } from './pack.ts';
import { weightTiers } from './weights.ts';

// The nodes on their way, filled as one plan of all the pending pods would fill them (issue #22).
//
// During a burst, the first plans launch nodes for the pods seen so far. When the rest arrive,
// filling those nodes first-fit and searching only for what is left commits the fleet to the
// first plans' guesses: on the memory burst (60 × 6 GiB, 40 × 3 GiB, 20 × 1 CPU/2 GiB), 11 launched
// 8-CPU nodes filled first-fit left pods that needed 26 more nodes (37, +4.3 % over the optimum of 36),
// and which 26 depended on the order the pods came in. The fleet is a set cover: the nodes already
// bought are only a good start if they are filled the way the whole fleet would fill them.
//
// So: search the fleet for all pending pods as if nothing were on its way (the same search and
// fewer-nodes choice as a launch; rooms count the nodes on their way as free again). When every node
// on its way is a node of that fleet (same group and offering), each takes one node's pattern of it
// (its pods, re-checked with the full simulation), and the plan launches the fleet's other nodes
// first (node-planner.ts launchPatterns: limits, rooms and the re-check as for any launch); pods left
// over go the usual way. The next plan sees the same pods, finds the same fleet, and its nodes on
// their way: the burst ends with the fleet of one plan of it, whatever the arrival order.
//   memory burst, 3 orders (scripts/burst-arrival.ts): 36 × 8-CPU + a 2-CPU, or 19 nodes with
//   5 × 16-CPU at +8.6 %, before; 34 × 8-CPU + a 4-CPU + a 2-CPU (the optimum, $3.808/h), after.
// When a node on its way is not part of that fleet (a plan bought for a guess the whole burst does
// not bear out), the guide is not used: those nodes are filled first-fit as before, since a fleet
// that counts on them can only come from a search that has them as capacity.

export interface InFlightFill {
  placed: { pod: SimPod; node: SimNode }[];
  /** The pods left for the usual way, in the order given. */
  rest: SimPod[];
  /** The fleet's nodes that nothing on its way stands for: what to launch first (over `input` and `classes`). */
  unmatched: NodePattern[];
  input: PackInput;
  classes: PodClass[];
}

/**
 * `nodes`: the nodes on their way (in-flight launches, our starting nodes), `pods` the pending pods
 * not placed on Ready nodes, `room(g)`: new nodes group g may still take in this plan.
 */
export function fillAsOnePlan(ctx: PlanContext, model: ClusterModel, capacities: readonly GroupCapacity[], nodes: readonly SimNode[], pods: readonly SimPod[], eligible: (pod: SimPod) => ReadonlySet<number>, room: (g: number) => number, arrivalOf: (pod: SimPod) => number): InFlightFill | undefined {
  // Weight tiers (weights.ts) give the pods to groups in turn: one search of all is not that plan.
  if (nodes.length === 0 || pods.length === 0 || weightTiers(capacities).length > 1) return undefined;
  const groupOf = new Map(capacities.map((c, g) => [c.group.key, g]));
  const onItsWay = capacities.map(() => 0);
  for (const node of nodes) {
    const g = node.nodeGroup === undefined ? undefined : groupOf.get(node.nodeGroup);
    if (g !== undefined) onItsWay[g]!++;
  }
  const classes = groupIntoClasses(pods, eligible);
  const sized = capacities.map((c, g) => ({ ...c, templates: sizedTemplates(ctx, model, c.group.key, g, c.templates, classes, arrivalOf) }));
  // A group that may not mix offerings keeps the one its nodes on their way have.
  const locks = capacities.map((c) => (c.group.spec.allowMixedInstances ? undefined : nodes.find((n) => n.nodeGroup === c.group.key)?.offeringId));
  const input = buildPackInput(model, classes, sized, capacities.map((_, g) => room(g) + onItsWay[g]!), locks);
  const { solution } = solveFewerNodes(input.classes, input.templates, input.groups, ctx.policy.searchBudget, ctx.policy.fewerNodesTolerancePercent);

  // Per template, its nodes' patterns in the order the search made them.
  const patterns = new Map<number, [number, number][][]>();
  for (const pattern of solution.patterns) {
    const list = patterns.get(pattern.template) ?? [];
    for (let i = 0; i < pattern.nodes; i++) list.push(pattern.pods);
    patterns.set(pattern.template, list);
  }
  // IMPORTANT: every node is matched before any pod is bound. Binding as it went and giving up at the
  // first node the fleet does not hold left those pods bound in the model but in no placement: the
  // nodes were released with nothing nominated while the plan counted them full, and bought more
  // (Karpenter bench, issue-22: 8 nodes released empty, 23 nodes for the optimum's 22).
  const matched: { node: SimNode; pattern: [number, number][] }[] = [];
  for (const node of [...nodes].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    const t = input.refs.findIndex((r) => capacities[r.groupIndex]!.group.key === node.nodeGroup && r.template.offering.identifier === node.offeringId);
    const pattern = patterns.get(t)?.shift();
    if (!pattern) return undefined;
    matched.push({ node, pattern });
  }
  const queues = classes.map((cls) => [...cls.pods]);
  const taken = new Set<SimPod>();
  const placed: InFlightFill['placed'] = [];
  for (const { node, pattern } of matched) {
    const wanted = pattern.flatMap(([c, n]) => queues[c]!.splice(0, n));
    for (const p of place(model, wanted, { filter: (n) => n === node }).placed) {
      placed.push(p);
      taken.add(p.pod);
    }
  }
  if (placed.length === 0) return undefined;
  const unmatched = [...patterns].flatMap(([template, list]) => list.map((pods) => ({ template, pods, nodes: 1 })));
  return { placed, rest: pods.filter((pod) => !taken.has(pod)), unmatched, input, classes };
}
