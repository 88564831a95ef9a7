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

export type ConsolidationRole = { reason: 'consolidation-replacement' | 'consolidation-pending'; message: string };

/**
 * The role of every node in the consolidations now in progress, looked up by name. Built once from
 * the operations as they are (a scale-down pass asks it for every node: one scan of the operations
 * per node was O(nodes × operations)); ask again after the operations change.
 * The first active launch (in operation order) that names a node decides its role, and a launch's
 * own node counts before the nodes it replaces.
 */
export function consolidationRoles(ctx: PlanContext): (nodeName: string) => ConsolidationRole | undefined {
  const draining = new Set(activeDrains(ctx).map((op) => op.node));
  const roles = new Map<string, ConsolidationRole>();
  for (const op of consolidationLaunches(ctx)) {
    if (op.status === 'failed') continue;
    const link = op.consolidation;
    const active = !link.handedOff || link.replaces.some((n) => draining.has(n));
    if (!active) continue;
    const nodeName = op.hostname;
    if (!roles.has(nodeName)) roles.set(nodeName, { reason: 'consolidation-replacement', message: `node ${nodeName} replaces ${link.replaces.join(', ')} (consolidation in progress)` });
    if (link.handedOff) continue;
    for (const replaced of link.replaces) {
      if (!roles.has(replaced)) roles.set(replaced, { reason: 'consolidation-pending', message: `node ${replaced} is drained once its replacement ${op.hostname} is Ready` });
    }
  }
  return (nodeName) => roles.get(nodeName);
}

/** A replacement whose move was given up before any of its nodes was drained (handoff.ts): surplus. */
export function isAbandonedReplacement(ctx: PlanContext, nodeName: string): boolean {
  return consolidationLaunches(ctx).some((op) => op.hostname === nodeName && op.consolidation.abandoned === true);
}
