import { DO_NOT_DISRUPT, SCALE_DOWN_DISABLED } from '../../../shared/labels.ts';
import { describeShortfall } from '../pdb-budget.ts';
import { removalKeepsMinimum } from '../../../shared/membership.ts';
import type { SnapshotNode } from '../../../shared/snapshot.ts';
import type { PlanContext, ValidGroup } from '../context.ts';
import { isTainted, startDrain } from '../drains.ts';
import { matchNodeGroup, offeringOfNode, unmarkedVmMessage, unmarkedVmOf } from '../managed-nodes.ts';
import { nodesOf, openDrains } from '../open-drains.ts';
import type { RemovalBudget } from '../removal-budget.ts';
import { launchBudgetMessage, launchesLeft } from '../launch-budget.ts';
import { classifyNodePods, removalSimulation } from '../removal-simulation.ts';
import type { DisruptionBook } from './disruption-book.ts';
import { driftOf, type Drift } from './drift.ts';
import { emitReplacement } from './emit-replacement.ts';
import { capacityOf, freshHostname, pickOneNode } from './pick-replacement.ts';
import { consolidationRoles } from './replacement-nodes.ts';

// Drifted nodes (drift.ts) are replaced gracefully, after scale-down and consolidation have used
// their share of the budgets: within the group's disruption budget for reason Drifted and the
// forwarder's limits, with every safety rule of scale-down (annotations, blocking pods, PDBs,
// unmarked VMs, minNodes, a synced snapshot). Empty drifted nodes first, then oldest first. A node
// whose pods fit on the other nodes (and whose group stays at minNodes) is drained and deleted;
// otherwise ONE new node of the group's CURRENT template is launched for the pods that fit nowhere
// else — any of its offerings, the cheapest that holds them, not necessarily cheaper than the old
// node — and the old node is drained only once it is Ready (handoff.ts). Not applied: underuse,
// minSavingPercent, minNodeAgeSeconds (the operator asked for the change) and consolidationPolicy.

export function planDrift(ctx: PlanContext, book: DisruptionBook, limits: RemovalBudget): void {
  const drifted: Array<{ node: SnapshotNode; group: ValidGroup; drift: Drift; empty: boolean }> = [];
  const leaving = nodesOf(openDrains(ctx.state));
  const consolidationRole = consolidationRoles(ctx); // the operations do not change in this pass
  for (const node of ctx.snapshot.nodes) {
    const match = matchNodeGroup(ctx, node);
    if (match.kind !== 'managed' || leaving.has(node.name) || consolidationRole(node.name)) continue;
    if (!node.ready || node.unschedulable || isTainted(node) || node.terminating) continue;
    const drift = driftOf(ctx, node, match.group);
    if (drift) drifted.push({ node, group: match.group, drift, empty: classifyNodePods(ctx, node.name).empty });
  }
  drifted.sort((a, b) => Number(b.empty) - Number(a.empty) || a.node.createdAtMs - b.node.createdAtMs || a.node.name.localeCompare(b.node.name));
  for (const d of drifted) replaceDrifted(ctx, d.node, d.group, d.drift, book, limits);
}

function replaceDrifted(ctx: PlanContext, node: SnapshotNode, group: ValidGroup, drift: Drift, book: DisruptionBook, limits: RemovalBudget): void {
  const kept = (reason: string, message: string) => keepDrifted(ctx, node, group, drift, reason, message);
  if (!group.spec.scaleDownPolicy.enabled) return kept('scale-down-disabled', `scale-down (every removal) is disabled for NodeGroup ${group.key}`);
  if (node.annotations[SCALE_DOWN_DISABLED] === 'true') return kept('scale-down-disabled-annotation', `node ${node.name} has ${SCALE_DOWN_DISABLED}: "true"`);
  if (node.annotations[DO_NOT_DISRUPT] === 'true') return kept('do-not-disrupt-annotation', `node ${node.name} has ${DO_NOT_DISRUPT}: "true"`);
  if (!ctx.snapshot.synced) return kept('snapshot-not-synced', 'the forwarder has not finished its initial lists');
  if (unmarkedVmOf(ctx, node)) return kept('vm-unmarked', unmarkedVmMessage(node));
  const pods = classifyNodePods(ctx, node.name);
  if (pods.block) return kept(pods.block.reason, pods.block.message);
  const budget = book.check(group, 'Drifted');
  if (!budget.ok) return kept(budget.reason, budget.message);
  const paced = limits.check();
  if (!paced.ok) {
    ctx.wakeAt(ctx.nowMs + 60_000);
    return kept(paced.reason, paced.message);
  }
  const sim = removalSimulation(ctx);
  const shortfall = sim.pdbs.shortfall(pods.evictable);
  if (shortfall) return kept('pdb', describeShortfall(shortfall, `node ${node.name}`));
  const price = offeringOfNode(ctx, node, group)?.priceMonthly;
  const leaving = nodesOf(openDrains(ctx.state));
  const minimum = removalKeepsMinimum(group.name, ctx.snapshot.nodes, node.name, group.spec.minNodes, leaving);

  let whyNotDelete = `NodeGroup ${group.key} would fall below minNodes ${group.spec.minNodes}`;
  if (minimum.allowed) {
    const fit = sim.tryRemove(node.name, pods.evictable);
    if (fit.ok) {
      sim.pdbs.spend(pods.evictable);
      limits.spend();
      book.spend(group);
      const message = `node ${node.name} is drifted (${drift.message}); its ${pods.evictable.length} pod(s) fit on the remaining nodes`;
      startDrain(ctx, { node, group, empty: pods.empty, reason: 'drifted', message });
      dropKept(ctx, node.name);
      ctx.remove.push({ node: node.name, nodeGroup: group.key, reason: 'drifted', monthlySaving: price ?? null });
      if (price !== undefined) ctx.monthlyCostDelta -= price;
      ctx.decide({ kind: 'scale-down', target: `node ${node.name}`, nodeGroup: group.key, reason: 'drifted', message, details: { drift: drift.reason, podsToEvict: pods.evictable.length, monthlySaving: price ?? null } });
      return;
    }
    whyNotDelete = fit.message;
  }
  if (price === undefined) return kept('price-unknown', `node ${node.name}'s offering is unknown; its replacement's cost could not be shown`);
  const capacity = capacityOf(ctx, group);
  if (capacity.backoffUntilMs !== undefined) return kept('group-backoff', `NodeGroup ${group.key} is backed off after failed launches`);
  if (capacity.room < 1) return kept('group-at-maximum', `NodeGroup ${group.key} is at maxNodes ${group.spec.maxNodes}; a replacement needs room for one more node while the old one drains`);
  if (launchesLeft(ctx) < 1) return kept('launch-budget', launchBudgetMessage(ctx));
  if (capacity.templates.length === 0) return kept('no-offering', `no offering of NodeGroup ${group.key} is in the catalogue`);
  const hostname = freshHostname(ctx, group);
  const picked = sim.whatIfReplaced(node.name, pods.evictable, (model, left) => pickOneNode(ctx, model, left, capacity, capacity.templates, hostname, `node ${node.name}`));
  if (!picked.ok) return kept(picked.reason, picked.message);
  dropKept(ctx, node.name);
  emitReplacement(ctx, {
    group,
    method: 'drift',
    replaced: [{ name: node.name, monthlyPrice: price, pods: pods.evictable.length }],
    hostname,
    offering: picked.template.offering,
    notTaken: [`delete without replacement: ${whyNotDelete}`],
    drift: { [node.name]: drift.message },
  }, book);
  limits.spend();
}

/** Scale-down kept the node for its own reasons (not underused…); drift acts on it now. */
function dropKept(ctx: PlanContext, name: string): void {
  for (let i = ctx.kept.length - 1; i >= 0; i -= 1) if (ctx.kept[i]!.node === name) ctx.kept.splice(i, 1);
}

function keepDrifted(ctx: PlanContext, node: SnapshotNode, group: ValidGroup, drift: Drift, reason: string, message: string): void {
  const text = `node ${node.name} is drifted (${drift.message}) but kept: ${message}`;
  ctx.decide({ kind: 'keep-node', target: `node ${node.name}`, nodeGroup: group.key, reason, message: text, details: { drift: drift.reason } });
}
