import type { GroupKey, GroupState, PlanningState, Policy } from './types.ts';

// Launch failures back a group off: backoffInitialMs after the first failure, doubling with each
// consecutive failure up to backoffMaxMs (5 → 10 → 20 → 30 min by default); a success resets it.

export function groupState(state: PlanningState, key: GroupKey): GroupState {
  return (state.groups[key] ??= { consecutiveFailures: 0 });
}

export function backoffDelayMs(consecutiveFailures: number, policy: Policy): number {
  if (consecutiveFailures <= 0) return 0;
  // 2 ** 30 already exceeds any sane maximum; the cap keeps the exponent from overflowing.
  const doubled = policy.backoffInitialMs * 2 ** Math.min(consecutiveFailures - 1, 30);
  return Math.min(doubled, policy.backoffMaxMs);
}

export function recordGroupFailure(state: PlanningState, key: GroupKey, policy: Policy, nowMs: number): number {
  const group = groupState(state, key);
  group.consecutiveFailures += 1;
  group.backoffUntilMs = nowMs + backoffDelayMs(group.consecutiveFailures, policy);
  return group.backoffUntilMs;
}

export function recordGroupSuccess(state: PlanningState, key: GroupKey): void {
  const group = groupState(state, key);
  group.consecutiveFailures = 0;
  delete group.backoffUntilMs;
}

/** A failed drain keeps the node out of scale-down for the longest backoff (retrying churns pods). */
export function recordDrainFailure(state: PlanningState, node: string, policy: Policy, nowMs: number): number {
  const timers = (state.nodes[node] ??= {});
  timers.drainBackoffUntilMs = nowMs + policy.backoffMaxMs;
  delete timers.underusedSinceMs;
  return timers.drainBackoffUntilMs;
}
