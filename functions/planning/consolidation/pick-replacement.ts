import type { PlanContext, ValidGroup } from '../context.ts';
import { clusterIndex } from '../cluster-index.ts';
import { addTemplateNode, daemonSetPods, type NodeTemplate } from '../node-template.ts';
import { groupIntoClasses } from '../scale-up/classes.ts';
import { buildPackInput } from '../scale-up/pack-input.ts';
import { groupCapacities, type GroupCapacity } from '../scale-up/groups.ts';
import { hostnameFor } from '../scale-up/hostname.ts';
import { solve } from '../scale-up/solve.ts';
import { inFlightLaunches, place, type ClusterModel, type SimPod } from '../simulation/index.ts';

// The one new node of a replacement (single-node, multi-node or drift), chosen by the scale-up
// search (scale-up/solve.ts) for exactly the pods that fit nowhere else among the offerings the
// caller allows, then checked by the same scheduling simulation as scale-up: the search
// approximates some rules (zone spread, cross-class affinity), the simulation decides.

export type Picked = { ok: true; template: NodeTemplate } | { ok: false; reason: 'no-single-replacement' | 'replacement-does-not-fit'; message: string };

/** The group's capacity now (room under maxNodes, backoff, offerings as node templates). */
export function capacityOf(ctx: PlanContext, group: ValidGroup): GroupCapacity {
  const launches = inFlightLaunches(ctx.state.operations);
  return groupCapacities(ctx.snapshot, ctx.state, ctx.policy.hostnamePrefix, [group], launches, daemonSetPods(ctx.snapshot), ctx.nowMs)[0]!;
}

/** A hostname no node and no launch in flight has. */
export function freshHostname(ctx: PlanContext, group: ValidGroup): string {
  const launches = inFlightLaunches(ctx.state.operations);
  let hostname: string;
  do hostname = hostnameFor(ctx.policy.hostnamePrefix, group.name, ctx.id('host', group.key));
  while (clusterIndex(ctx.snapshot).nodeByName.has(hostname) || launches.some((l) => l.hostname === hostname));
  return hostname;
}

/** Adds the chosen node to `model` (the caller rolls back) and places `left` on it. */
export function pickOneNode(ctx: PlanContext, model: ClusterModel, left: SimPod[], capacity: GroupCapacity, templates: NodeTemplate[], hostname: string, what: string): Picked {
  const ONLY = new Set([0]);
  const classes = groupIntoClasses(left, () => ONLY);
  const input = buildPackInput(model, classes, [{ ...capacity, templates }], [1], [undefined]);
  const solution = solve(input.classes, input.templates, input.groups, ctx.policy.searchBudget);
  const pattern = solution.patterns[0];
  if (solution.placed < left.length || !pattern || solution.patterns.length !== 1 || pattern.nodes !== 1) {
    return { ok: false, reason: 'no-single-replacement', message: `${left.length} pod(s) of ${what} fit nowhere else and on no single new node of the offerings allowed` };
  }
  const template = input.refs[pattern.template]!.template;
  addTemplateNode(model, template, hostname, 'new');
  const check = place(model, left, { explain: true });
  if (check.unplaced.length > 0) return { ok: false, reason: 'replacement-does-not-fit', message: `pod ${check.unplaced[0]!.pod.key} would not fit on a new ${template.offering.identifier}: ${check.unplaced[0]!.message}` };
  return { ok: true, template };
}
