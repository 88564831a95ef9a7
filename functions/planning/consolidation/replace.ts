import type { PlanContext } from '../context.ts';
import { describeShortfall } from '../pdb-budget.ts';
import type { RemovalBudget } from '../removal-budget.ts';
import { launchBudgetMessage, launchesLeft } from '../launch-budget.ts';
import { removalSimulation } from '../removal-simulation.ts';
import type { DisruptionBook } from './disruption-book.ts';
import type { ReplaceCandidate } from './eligibility.ts';
import { emitReplacement } from './emit-replacement.ts';
import { capacityOf, freshHostname, pickOneNode } from './pick-replacement.ts';

// Single-node consolidation by replacement (Karpenter's "replace" move, without its churn): an
// eligible node (eligibility.ts) whose pods do not all fit on the other nodes is replaced by ONE
// cheaper node of its group, chosen for exactly the pods that fit nowhere else (pick-replacement.ts).
// Nothing is evicted now: the node is tainted and drained only once the replacement is Ready
// (handoff.ts), with every safety check run again then. Not replaced (reasons as data): the
// disruption budget or the forwarder's limits; the group at maxNodes or backed off; no offering
// cheaper by minSavingPercent (never like-for-like); a PDB; pods needing more than one new node.

export type ReplaceVerdict = { ok: true } | { ok: false; reason: string; message: string };

const EPSILON = 1e-9;

export function no(reason: string, message: string): { ok: false; reason: string; message: string } {
  return { ok: false, reason, message };
}

/** Decides whether to replace; on success the launch is emitted and recorded. `notTaken`: why multi-node was not. */
export function tryReplacement(ctx: PlanContext, c: ReplaceCandidate & { monthlyPrice: number; identifier: string }, book: DisruptionBook, forwarderLimits: RemovalBudget, notTaken: string[]): ReplaceVerdict {
  const { node, group, pods } = c;
  const d = group.spec.disruption;
  const budget = book.check(group, 'Underutilized');
  if (!budget.ok) return no(budget.reason, budget.message);
  const paced = forwarderLimits.check();
  if (!paced.ok) return no(paced.reason, paced.message);
  const maxPrice = c.monthlyPrice * (1 - d.minSavingPercent / 100);
  const capacity = capacityOf(ctx, group);
  if (capacity.backoffUntilMs !== undefined) return no('group-backoff', `NodeGroup ${group.key} is backed off after failed launches`);
  if (capacity.room < 1) return no('group-at-maximum', `NodeGroup ${group.key} is at maxNodes ${group.spec.maxNodes}; a replacement needs room for one more node while the old one drains`);
  if (launchesLeft(ctx) < 1) return no('launch-budget', launchBudgetMessage(ctx));
  const cheaper = capacity.templates.filter((t) => t.offering.identifier !== c.identifier && t.offering.priceMonthly < c.monthlyPrice - EPSILON && t.offering.priceMonthly <= maxPrice + EPSILON);
  if (cheaper.length === 0) {
    return no('no-cheaper-offering', `no offering of NodeGroup ${group.key} costs at most ${maxPrice.toFixed(2)}/month (${d.minSavingPercent}% below ${c.identifier} at ${c.monthlyPrice.toFixed(2)})`);
  }
  const sim = removalSimulation(ctx);
  const shortfall = sim.pdbs.shortfall(pods.evictable);
  if (shortfall) return no('pdb', describeShortfall(shortfall, `replacing node ${node.name}`));

  const hostname = freshHostname(ctx, group);
  const picked = sim.whatIfReplaced(node.name, pods.evictable, (model, left) => {
    if (left.length === 0) return no('pods-fit-elsewhere', `the pods of node ${node.name} fit on the other nodes; scale-down removes it`);
    return pickOneNode(ctx, model, left, capacity, cheaper, hostname, `node ${node.name}`);
  });
  if (!picked.ok) return picked;
  const offering = picked.template.offering;
  emitReplacement(ctx, {
    group,
    method: 'single-node',
    replaced: [{ name: node.name, monthlyPrice: c.monthlyPrice, pods: pods.evictable.length }],
    hostname,
    offering,
    notTaken: [`delete without replacement: ${c.fitMessage}`, ...notTaken],
  }, book);
  forwarderLimits.spend();
  return { ok: true };
}
