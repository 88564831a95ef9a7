import type { Offering } from '../../../shared/snapshot.ts';
import type { PlanContext, ValidGroup } from '../context.ts';
import { groupEvent } from '../lifecycle-events.ts';
import { startLaunch } from '../start-launch.ts';
import type { DisruptionBook } from './disruption-book.ts';

// The first half of every replacement (single-node, multi-node, drift): the launch of ONE new node,
// recorded with the link to the nodes it replaces (LaunchOperation.consolidation); nothing is
// tainted now. handoff.ts drains them once the new node is Ready. What the plan says about it is
// data: a replace-node decision (which nodes, which replacement, the saving, the options not
// taken), a provision entry and remove entries sharing the reason and the `replaces` list, the
// cost delta, and an Event on the NodeGroup.

export type ReplaceMethod = 'single-node' | 'multi-node' | 'drift';

export interface Replacement {
  group: ValidGroup;
  method: ReplaceMethod;
  replaced: Array<{ name: string; monthlyPrice: number; pods: number }>;
  hostname: string;
  offering: Offering;
  /** Why a cheaper or less disruptive option was not taken (one sentence each). */
  notTaken: string[];
  /** For drift: what drifted on each node. */
  drift?: Record<string, string>;
}

const cents = (n: number) => Math.round(n * 100) / 100;

export function emitReplacement(ctx: PlanContext, r: Replacement, book: DisruptionBook): void {
  const { group } = r;
  const reason = r.method === 'drift' ? 'drifted' : 'consolidation';
  const replacedPrice = r.replaced.reduce((sum, n) => sum + n.monthlyPrice, 0);
  const saving = cents(replacedPrice - r.offering.priceMonthly);
  const names = r.replaced.map((n) => n.name);
  const what = names.length === 1 ? `node ${names[0]}` : `nodes ${names.join(', ')}`;
  const why = r.method === 'drift' ? ` (drifted: ${Object.values(r.drift ?? {}).join('; ')})` : '';
  const message = `replace ${what}${why} (${replacedPrice.toFixed(2)}/month) by ${r.hostname} (${r.offering.identifier}, ${r.offering.priceMonthly.toFixed(2)}/month): ${saving >= 0 ? `saves ${saving.toFixed(2)}` : `costs ${(-saving).toFixed(2)} more`}/month; drained once ${r.hostname} is Ready`;
  const { id: operationId } = startLaunch(ctx, {
    group,
    hostname: r.hostname,
    offering: r.offering,
    reason,
    message,
    consolidation: { replaces: names, monthlySaving: saving, ...(r.method === 'drift' ? { cause: 'drifted' as const } : {}) },
  });
  book.spend(group, names.length);
  ctx.provision.push({ nodeGroup: group.key, offering: r.offering.identifier, count: 1, monthlyCost: r.offering.priceMonthly, reason, replaces: names });
  // The saving is shared out over the replaced nodes by price (it sums to the whole saving).
  for (const n of r.replaced) {
    ctx.remove.push({ node: n.name, nodeGroup: group.key, reason, monthlySaving: cents(replacedPrice > 0 ? saving * (n.monthlyPrice / replacedPrice) : saving / names.length), replacedBy: r.hostname });
  }
  ctx.monthlyCostDelta -= replacedPrice - r.offering.priceMonthly;
  ctx.decide({
    kind: 'replace-node',
    target: names.length === 1 ? `node ${names[0]}` : `nodes ${names.join(',')}`,
    nodeGroup: group.key,
    reason,
    message,
    details: {
      method: r.method,
      replaces: names.length === 1 ? names[0]! : names.join(','),
      replacedNodes: names.length,
      replacement: r.hostname,
      offering: r.offering.identifier,
      replacedMonthlyPrice: cents(replacedPrice),
      monthlyPrice: r.offering.priceMonthly,
      monthlySaving: saving,
      podsToMove: r.replaced.reduce((sum, n) => sum + n.pods, 0),
      notTaken: r.notTaken.join(' | '),
      ...(r.drift ? { drift: Object.entries(r.drift).map(([n, d]) => `${n}: ${d}`).join('; ') } : {}),
      operationId,
    },
  });
  groupEvent(ctx, group.key, { type: 'Normal', eventReason: r.method === 'drift' ? 'DriftReplacementTriggered' : 'ConsolidationTriggered', reason, message, operationId });
}
