import type { Condition } from '../../shared/nodegroup.ts';
import type { PlanContext } from './context.ts';
import type { GroupKey } from './types.ts';

// metav1.Condition as controllers keep it (apimachinery's meta.SetStatusCondition): lastTransitionTime
// moves only when the status changes. The planner is stateless between reconciles, so when each
// condition last changed is kept in the planning state (PlanningState.conditionsSince), which changes
// only on a transition.

export function isoTime(ms: number): string {
  return Number.isFinite(ms) && Math.abs(ms) <= 8.64e15 ? new Date(ms).toISOString() : new Date(8.64e15).toISOString();
}

export class ConditionBook {
  readonly conditions: Condition[] = [];
  private readonly seen = new Set<string>();

  constructor(private readonly ctx: PlanContext, private readonly group: GroupKey, private readonly generation: number) {}

  /**
   * `firstSinceMs`: when the state began, for a condition never recorded before (the oldest launch
   * of a ScalingUp=True, say); now by default.
   */
  set(type: string, status: boolean, reason: string, message: string, firstSinceMs?: number): Condition {
    const value = status ? 'True' : 'False';
    const since = ((this.ctx.state.conditionsSince ??= {})[this.group] ??= {});
    const previous = since[type];
    if (previous?.status !== value) since[type] = { status: value, sinceMs: previous === undefined ? Math.min(this.ctx.nowMs, firstSinceMs ?? this.ctx.nowMs) : this.ctx.nowMs };
    this.seen.add(type);
    const condition: Condition = { type, status: value, reason, message: message.slice(0, 32_768), lastTransitionTime: isoTime(since[type]!.sinceMs), observedGeneration: this.generation };
    this.conditions.push(condition);
    return condition;
  }

  /** Conditions no longer reported (a group that became invalid) are forgotten, so a return is a transition. */
  prune(): void {
    const since = this.ctx.state.conditionsSince?.[this.group];
    if (!since) return;
    for (const type of Object.keys(since)) if (!this.seen.has(type)) delete since[type];
  }

  status(type: string): boolean {
    return this.conditions.find((c) => c.type === type)?.status === 'True';
  }
}

/** Groups that no longer exist are forgotten (bounds the state; a group made again starts afresh). */
export function forgetGoneGroups(ctx: PlanContext): void {
  const since = ctx.state.conditionsSince;
  if (!since) return;
  const live = new Set([...ctx.groups, ...ctx.invalidGroups].map((g) => g.key));
  for (const key of Object.keys(since)) if (!live.has(key)) delete since[key];
}
