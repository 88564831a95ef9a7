import type { PlanContext } from '../context.ts';
import { activeDrains } from '../removal-simulation.ts';
import type { LaunchOperation } from '../types.ts';

// The two sides of a consolidation in progress, which scale-down must leave alone: the replacement
// (empty when it joins; removing it would strand the pods it was launched for) and the nodes it
// replaces (drained by handoff.ts once the replacement is Ready, not by scale-down meanwhile).

export type ConsolidationLaunch = LaunchOperation & { consolidation: NonNullable<LaunchOperation['consolidation']> };

export function consolidationLaunches(ctx: PlanContext): ConsolidationLaunch[] {
  return ctx.state.operations.filter((op): op is ConsolidationLaunch => op.kind === 'launch' && op.consolidation !== undefined);
}

export function consolidationRole(ctx: PlanContext, nodeName: string): { reason: 'consolidation-replacement' | 'consolidation-pending'; message: string } | undefined {
  const draining = new Set(activeDrains(ctx).map((op) => op.node));
  for (const op of consolidationLaunches(ctx)) {
    if (op.status === 'failed') continue;
    const link = op.consolidation;
    const active = !link.handedOff || link.replaces.some((n) => draining.has(n));
    if (!active) continue;
    if (op.hostname === nodeName) return { reason: 'consolidation-replacement', message: `node ${nodeName} replaces ${link.replaces.join(', ')} (consolidation in progress)` };
    if (!link.handedOff && link.replaces.includes(nodeName)) return { reason: 'consolidation-pending', message: `node ${nodeName} is drained once its replacement ${op.hostname} is Ready` };
  }
  return undefined;
}

/** A replacement whose move was given up before any of its nodes was drained (handoff.ts): surplus. */
export function isAbandonedReplacement(ctx: PlanContext, nodeName: string): boolean {
  return consolidationLaunches(ctx).some((op) => op.hostname === nodeName && op.consolidation.abandoned === true);
}
