import type { PlanContext } from './context.ts';
import type { PlannedNode } from './scale-up/emit.ts';

// The forwarder's launch window as the planner reads it (snapshot.forwarder.limits.launchesRemaining):
// the forwarder refuses a createVm past it (rule launch-rate), so a plan never asks for more. Counted
// against the createVm commands this plan already holds (scale-up first, then replacements), so every
// phase sees what the earlier ones used. Without limits (an older forwarder) nothing is held back.

export const LAUNCH_BUDGET_RETRY_MS = 60_000;

/** Creates the forwarder would still accept from this plan. */
export function launchesLeft(ctx: PlanContext): number {
  const limits = ctx.snapshot.forwarder.limits;
  if (!limits) return Number.POSITIVE_INFINITY;
  const planned = ctx.commands.reduce((n, c) => n + (c.kind === 'createVm' ? 1 : 0), 0);
  return Math.max(0, limits.launchesRemaining - planned);
}

export function launchBudgetMessage(ctx: PlanContext): string {
  const limits = ctx.snapshot.forwarder.limits;
  const windowMinutes = limits ? Math.round(limits.windowMs / 60_000) : 10;
  return `the forwarder's launch budget for its ${windowMinutes}-minute window (${limits?.launchesPerWindow ?? '?'} VMs) is used up; waiting for the window`;
}

/**
 * The planned scale-up nodes the launch window still covers, in the planner's order (minNodes first,
 * then the pending pods' nodes); the rest are not launched now, with a decision saying so, and their
 * pods stay pending until the window has room (the next plans ask again).
 */
export function withinLaunchBudget(ctx: PlanContext, planned: readonly PlannedNode[]): readonly PlannedNode[] {
  const left = launchesLeft(ctx);
  if (planned.length <= left) return planned;
  const kept = planned.slice(0, left);
  const held = planned.slice(left);
  const pods = held.reduce((sum, n) => sum + n.pods, 0);
  ctx.wakeAt(ctx.nowMs + LAUNCH_BUDGET_RETRY_MS);
  ctx.decide({
    kind: 'info',
    target: 'cluster',
    reason: 'launch-budget',
    message: `${held.length} of ${planned.length} planned node(s) not launched now${pods > 0 ? ` (${pods} pending pod(s) wait)` : ''}: ${launchBudgetMessage(ctx)}`,
    details: { planned: planned.length, launched: kept.length, held: held.length, pods },
  });
  return kept;
}
