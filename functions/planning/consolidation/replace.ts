import type { Offering, SnapshotNode } from '../../../shared/snapshot.ts';
import type { PlanContext, ValidGroup } from '../context.ts';
import { groupEvent } from '../lifecycle-events.ts';
import { offeringOfNode } from '../managed-nodes.ts';
import { addTemplateNode, daemonSetPods, type NodeTemplate } from '../node-template.ts';
import type { RemovalBudget } from '../removal-budget.ts';
import { removalSimulation, type NodePods } from '../removal-simulation.ts';
import { buildPackInput, groupIntoClasses } from '../scale-up/classes.ts';
import { groupCapacities } from '../scale-up/groups.ts';
import { hostnameFor } from '../scale-up/hostname.ts';
import { solve } from '../scale-up/solve.ts';
import { inFlightLaunches, isBoundActivePod, place } from '../simulation/index.ts';
import type { LaunchOperation } from '../types.ts';
import { formatDuration } from '../durations.ts';
import type { DisruptionBook } from './disruption-book.ts';
import { clusterIndex } from '../cluster-index.ts';

// Single-node consolidation by replacement (Karpenter's "replace" move, without its churn): a node
// that scale-down would remove but whose pods do not all fit on the other nodes is replaced by ONE
// cheaper node of its group, chosen by the scale-up search (scale-up/solve.ts) for exactly the pods
// that fit nowhere else, and checked by the same scheduling simulation. Nothing is evicted now: the
// launch carries the link (LaunchOperation.consolidation) and the node is tainted and drained only
// once the replacement is Ready (handoff.ts), with every safety check run again then.
//
// Not replaced (each is a reason as data): consolidation off; a price unknown; the node younger than
// minNodeAgeSeconds (VPSie's abuse rule) or a pod landed within consolidateAfterSeconds; the
// disruption budget or the forwarder's limits; the group at maxNodes, backed off or not allowed mixed
// instances; no offering cheaper by minSavingPercent (never like-for-like); a PDB; pods needing more
// than one new node.

export interface ReplaceCandidate { node: SnapshotNode; group: ValidGroup; pods: NodePods }

export type ReplaceVerdict =
  | { ok: true; hostname: string; offering: Offering; replacedPrice: number; monthlySaving: number }
  | { ok: false; reason: string; message: string };

const EPSILON = 1e-9;

function no(reason: string, message: string): ReplaceVerdict {
  return { ok: false, reason, message };
}

/** When the node last changed: its join, or the newest pod bound to it (a pod landing resets the wait). */
export function lastChangeMs(ctx: PlanContext, node: SnapshotNode): number {
  let last = node.createdAtMs;
  for (const pod of clusterIndex(ctx.snapshot).podsByNode.get(node.name) ?? []) if (isBoundActivePod(pod)) last = Math.max(last, pod.createdAtMs);
  return last;
}

/** Decides whether to replace; on success the launch is emitted and recorded. */
export function tryReplacement(ctx: PlanContext, c: ReplaceCandidate, book: DisruptionBook, forwarderLimits: RemovalBudget): ReplaceVerdict {
  const verdict = chooseReplacement(ctx, c, book, forwarderLimits);
  if (verdict.ok) emitReplacement(ctx, c, verdict, book);
  return verdict;
}

function chooseReplacement(ctx: PlanContext, c: ReplaceCandidate, book: DisruptionBook, forwarderLimits: RemovalBudget): ReplaceVerdict {
  const { node, group, pods } = c;
  const { nowMs } = ctx;
  const d = group.spec.disruption;
  if (d.consolidationPolicy !== 'WhenEmptyOrUnderutilized') return no('consolidation-off', `consolidationPolicy is ${d.consolidationPolicy}`);
  const current = offeringOfNode(ctx, node, group);
  if (!current) return no('price-unknown', `the offering of node ${node.name} is unknown, so no saving can be shown`);
  const ageMs = nowMs - node.createdAtMs;
  if (ageMs < d.minNodeAgeSeconds * 1000) {
    return no('node-too-young', `node ${node.name} is ${formatDuration(ageMs)} old; replacing waits until ${formatDuration(d.minNodeAgeSeconds * 1000)} (VPSie may flag VMs deleted soon after creation)`);
  }
  const stableMs = nowMs - lastChangeMs(ctx, node);
  if (stableMs < d.consolidateAfterSeconds * 1000) {
    ctx.wakeAt(nowMs - stableMs + d.consolidateAfterSeconds * 1000);
    return no('consolidate-after', `a pod landed on node ${node.name} ${formatDuration(stableMs)} ago; consolidateAfterSeconds is ${d.consolidateAfterSeconds}`);
  }
  if (!group.spec.allowMixedInstances) return no('mixed-instances-not-allowed', `NodeGroup ${group.key} does not allow mixed instances, so a cheaper offering cannot join it`);
  const budget = book.check(group, 'Underutilized');
  if (!budget.ok) return no(budget.reason, budget.message);
  const paced = forwarderLimits.check();
  if (!paced.ok) return no(paced.reason, paced.message);

  const maxPrice = current.priceMonthly * (1 - d.minSavingPercent / 100);
  const launches = inFlightLaunches(ctx.state.operations);
  const [capacity] = groupCapacities(ctx.snapshot, ctx.state, ctx.policy.hostnamePrefix, [group], launches, daemonSetPods(ctx.snapshot), nowMs);
  if (capacity!.backoffUntilMs !== undefined) return no('group-backoff', `NodeGroup ${group.key} is backed off after failed launches`);
  if (capacity!.room < 1) return no('group-at-maximum', `NodeGroup ${group.key} is at maxNodes ${group.spec.maxNodes}; a replacement needs room for one more node while the old one drains`);
  const cheaper = capacity!.templates.filter((t) => t.offering.identifier !== current.identifier && t.offering.priceMonthly < current.priceMonthly - EPSILON && t.offering.priceMonthly <= maxPrice + EPSILON);
  if (cheaper.length === 0) {
    return no('no-cheaper-offering', `no offering of NodeGroup ${group.key} costs at most ${maxPrice.toFixed(2)}/month (${d.minSavingPercent}% below ${current.identifier} at ${current.priceMonthly.toFixed(2)})`);
  }
  const sim = removalSimulation(ctx);
  const shortfall = sim.pdbs.shortfall(pods.evictable);
  if (shortfall) return no('pdb', `PodDisruptionBudget ${shortfall.pdb.namespace}/${shortfall.pdb.name} allows ${shortfall.allowed} disruption(s) now; replacing node ${node.name} needs ${shortfall.needed}`);

  let hostname: string;
  do hostname = hostnameFor(ctx.policy.hostnamePrefix, group.name, ctx.id('host', group.key));
  while (clusterIndex(ctx.snapshot).nodeByName.has(hostname) || launches.some((l) => l.hostname === hostname));

  return sim.whatIfReplaced(node.name, pods.evictable, (model, left): ReplaceVerdict => {
    if (left.length === 0) return no('pods-fit-elsewhere', `the pods of node ${node.name} fit on the other nodes; scale-down removes it`);
    const ONLY = new Set([0]);
    const classes = groupIntoClasses(left, () => ONLY);
    const input = buildPackInput(model, classes, [{ ...capacity!, templates: cheaper }], [1], [undefined]);
    const solution = solve(input.classes, input.templates, input.groups, ctx.policy.searchBudget);
    const pattern = solution.patterns[0];
    if (solution.placed < left.length || !pattern || solution.patterns.length !== 1 || pattern.nodes !== 1) {
      return no('no-single-replacement', `${left.length} pod(s) of node ${node.name} fit nowhere else and on no single node of an offering cheaper by ${d.minSavingPercent}%`);
    }
    const template: NodeTemplate = input.refs[pattern.template]!.template;
    // The search approximates some rules (zone spread, cross-class affinity): the simulation decides.
    addTemplateNode(model, template, hostname, 'new');
    const check = place(model, left, { explain: true });
    if (check.unplaced.length > 0) return no('replacement-does-not-fit', `pod ${check.unplaced[0]!.pod.key} would not fit on a new ${template.offering.identifier}: ${check.unplaced[0]!.message}`);
    return { ok: true, hostname, offering: template.offering, replacedPrice: current.priceMonthly, monthlySaving: current.priceMonthly - template.offering.priceMonthly };
  });
}

function emitReplacement(ctx: PlanContext, c: ReplaceCandidate, v: Extract<ReplaceVerdict, { ok: true }>, book: DisruptionBook): void {
  const { node, group } = c;
  const saving = Math.round(v.monthlySaving * 100) / 100;
  const operationId = ctx.id('launch', v.hostname);
  const message = `replace node ${node.name} (${v.replacedPrice.toFixed(2)}/month) by ${v.hostname} (${v.offering.identifier}, ${v.offering.priceMonthly.toFixed(2)}/month): saves ${saving.toFixed(2)}/month; the node is drained once ${v.hostname} is Ready`;
  ctx.emit({
    kind: 'createVm',
    reason: 'consolidation',
    message,
    operationId,
    nodeGroup: { namespace: group.namespace, name: group.name },
    hostname: v.hostname,
    offeringId: v.offering.identifier,
    datacenterID: group.spec.datacenterID,
    osImageID: group.spec.osImageID,
  });
  const launch: LaunchOperation = {
    id: operationId,
    kind: 'launch',
    nodeGroup: group.key,
    hostname: v.hostname,
    offeringId: v.offering.identifier,
    status: 'launching',
    createdAtMs: ctx.nowMs,
    updatedAtMs: ctx.nowMs,
    launchDeadlineMs: ctx.nowMs + ctx.policy.launchDeadlineMs,
    registrationDeadlineMs: ctx.nowMs + ctx.policy.registrationDeadlineMs,
    consolidation: { replaces: [node.name], monthlySaving: saving },
  };
  ctx.state.operations.push(launch);
  ctx.wakeAt(launch.launchDeadlineMs);
  book.spend(group);
  ctx.provision.push({ nodeGroup: group.key, offering: v.offering.identifier, count: 1, monthlyCost: v.offering.priceMonthly, reason: 'consolidation', replaces: [node.name] });
  ctx.remove.push({ node: node.name, nodeGroup: group.key, reason: 'consolidation', monthlySaving: saving, replacedBy: v.hostname });
  ctx.monthlyCostDelta -= v.monthlySaving;
  ctx.decide({
    kind: 'replace-node',
    target: `node ${node.name}`,
    nodeGroup: group.key,
    reason: 'consolidation',
    message,
    details: { method: 'single-node', replaces: node.name, replacement: v.hostname, offering: v.offering.identifier, replacedMonthlyPrice: v.replacedPrice, monthlyPrice: v.offering.priceMonthly, monthlySaving: saving, podsToMove: c.pods.evictable.length, operationId },
  });
  groupEvent(ctx, group.key, { type: 'Normal', eventReason: 'ConsolidationTriggered', reason: 'consolidation', message, operationId });
}
