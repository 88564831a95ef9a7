import type { PlanContext, ValidGroup } from '../context.ts';
import { describeShortfall } from '../pdb-budget.ts';
import type { RemovalBudget } from '../removal-budget.ts';
import { launchBudgetMessage, launchesLeft } from '../launch-budget.ts';
import { removalSimulation } from '../removal-simulation.ts';
import type { GroupKey } from '../types.ts';
import type { DisruptionBook } from './disruption-book.ts';
import type { ReplaceCandidate } from './eligibility.ts';
import { emitReplacement } from './emit-replacement.ts';
import { capacityOf, freshHostname, pickOneNode } from './pick-replacement.ts';
import { no } from './replace.ts';

// Multi-node consolidation: several eligible nodes of one group (eligibility.ts) whose pods do not
// fit on the remaining nodes, replaced together by ONE cheaper node (Karpenter's multi-node move).
// Runs after the deletions of scale-down (which already take every node whose pods fit elsewhere,
// one after the other — a multi-node deletion in effect) and before single-node replacement.
// Candidates are taken least utilized first; the largest prefix that one new node can hold is
// found by binary search over its length (as Karpenter does: 2 … the budget), each length checked
// by the same simulation: all k nodes leave the model, the pods that fit elsewhere are placed there,
// the rest must fit on one new node of an offering costing at most (100 − minSavingPercent) % of
// the k nodes together, never the offering of one of them (never like-for-like). One move per
// group per plan; the disruption budget and the forwarder's limits must cover all k nodes.

/** Bounds the set (and the search): a plan never disrupts more than this many nodes in one move. */
export const MAX_MULTI_NODES = 10;

type Eligible = ReplaceCandidate & { monthlyPrice: number; identifier: string };
type Tried = { ok: true; hostname: string; offering: import('../../../shared/snapshot.ts').Offering } | { ok: false; reason: string; message: string };

export interface MultiOutcome {
  /** Nodes replaced by a multi-node move in this plan. */
  replaced: Set<string>;
  /** Per group, why no multi-node move was made (told to the single-node decisions as an option not taken). */
  notTaken: Map<GroupKey, string>;
}

export function planMultiNode(ctx: PlanContext, eligible: Eligible[], book: DisruptionBook, limits: RemovalBudget): MultiOutcome {
  const out: MultiOutcome = { replaced: new Set(), notTaken: new Map() };
  const byGroup = new Map<GroupKey, Eligible[]>();
  for (const c of eligible) byGroup.set(c.group.key, [...(byGroup.get(c.group.key) ?? []), c]);
  for (const [key, list] of byGroup) {
    const why = consolidateGroup(ctx, list[0]!.group, list, book, limits, out.replaced);
    if (why) out.notTaken.set(key, why);
  }
  return out;
}

function consolidateGroup(ctx: PlanContext, group: ValidGroup, list: Eligible[], book: DisruptionBook, limits: RemovalBudget, replaced: Set<string>): string | undefined {
  if (list.length < 2) return 'multi-node: no other node of the group could be replaced with it';
  let maxK = Math.min(list.length, MAX_MULTI_NODES);
  while (maxK >= 2 && (!book.check(group, 'Underutilized', maxK).ok || !limits.check(maxK).ok)) maxK -= 1;
  if (maxK < 2) return 'multi-node: the disruption budget or the forwarder\'s limits allow fewer than 2 nodes at once';
  const capacity = capacityOf(ctx, group);
  if (capacity.backoffUntilMs !== undefined) return `multi-node: NodeGroup ${group.key} is backed off after failed launches`;
  if (capacity.room < 1) return `multi-node: NodeGroup ${group.key} is at maxNodes ${group.spec.maxNodes}`;
  if (launchesLeft(ctx) < 1) return `multi-node: ${launchBudgetMessage(ctx)}`;

  const hostname = freshHostname(ctx, group);
  let lo = 2;
  let hi = maxK;
  let best: { k: number; tried: Extract<Tried, { ok: true }> } | undefined;
  let firstFailure: string | undefined;
  let largerFailure: string | undefined;
  while (lo <= hi) {
    const k = Math.floor((lo + hi) / 2);
    const tried = tryK(ctx, group, list.slice(0, k), capacity, hostname);
    if (tried.ok) {
      best = { k, tried };
      lo = k + 1;
    } else {
      if (k === 2) firstFailure = tried.message;
      if (best === undefined || k > best.k) largerFailure = `multi-node of ${k} nodes: ${tried.message}`;
      hi = k - 1;
    }
  }
  if (!best) return `multi-node: ${firstFailure ?? largerFailure ?? 'no set of nodes fits one cheaper node'}`;
  const nodes = list.slice(0, best.k);
  emitReplacement(ctx, {
    group,
    method: 'multi-node',
    replaced: nodes.map((c) => ({ name: c.node.name, monthlyPrice: c.monthlyPrice, pods: c.pods.evictable.length })),
    hostname: best.tried.hostname,
    offering: best.tried.offering,
    notTaken: [
      `delete without replacement: ${nodes[0]!.fitMessage}`,
      ...(best.k < maxK && largerFailure ? [largerFailure] : []),
      `single-node: one replacement per node would launch ${best.k} nodes instead of 1`,
    ],
  }, book);
  limits.spend(best.k);
  for (const c of nodes) replaced.add(c.node.name);
  return undefined;
}

function tryK(ctx: PlanContext, group: ValidGroup, nodes: Eligible[], capacity: ReturnType<typeof capacityOf>, hostname: string): Tried {
  const total = nodes.reduce((sum, c) => sum + c.monthlyPrice, 0);
  const maxPrice = total * (1 - group.spec.disruption.minSavingPercent / 100);
  const theirs = new Set(nodes.map((c) => c.identifier));
  const cheaper = capacity.templates.filter((t) => !theirs.has(t.offering.identifier) && t.offering.priceMonthly <= maxPrice + 1e-9 && t.offering.priceMonthly < total - 1e-9);
  const names = nodes.map((c) => c.node.name).join(', ');
  if (cheaper.length === 0) return no('no-cheaper-offering', `no offering other than theirs costs at most ${maxPrice.toFixed(2)}/month (${group.spec.disruption.minSavingPercent}% below the ${total.toFixed(2)} of nodes ${names})`);
  const sim = removalSimulation(ctx);
  const evictable = nodes.flatMap((c) => c.pods.evictable);
  const shortfall = sim.pdbs.shortfall(evictable);
  if (shortfall) return no('pdb', describeShortfall(shortfall, `replacing nodes ${names}`));
  return sim.whatIfReplaced(nodes.map((c) => c.node.name), evictable, (model, left): Tried => {
    if (left.length === 0) return no('pods-fit-elsewhere', `the pods of nodes ${names} fit on the other nodes together`);
    const picked = pickOneNode(ctx, model, left, capacity, cheaper, hostname, `nodes ${names}`);
    return picked.ok ? { ok: true, hostname, offering: picked.template.offering } : picked;
  });
}
