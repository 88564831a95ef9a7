import type { PlanningState } from './types.ts';

// A plan for a dry-run forwarder is a what-if: it is shown (commands logged and announced as
// events) but nothing of it happens. IMPORTANT: its new operations must not be persisted, or the
// live mode would count launches that never happened as in flight (and fail them all together at
// their deadline, backing the group off) and drains that never started as in progress.
//
// Kept: what was observed (node timers, results applied to operations that existed before, the
// results seen). Dropped: the operations this plan started, the commands it sent for them (their
// dry-run results then find nothing to act on) and the scale-up / scale-down times it set (they
// would hold scale-down in a cooldown for a scale-up that never happened).

export function discardWhatIf(before: PlanningState, after: PlanningState): PlanningState {
  const known = new Set(before.operations.map((op) => op.id));
  const sentBefore = new Set((before.sentCommands ?? []).map((s) => s.commandId));
  const started = new Set(after.operations.filter((op) => !known.has(op.id)).map((op) => op.id));
  const groups: PlanningState['groups'] = {};
  for (const [key, group] of Object.entries(after.groups)) {
    const { lastScaleUpMs: _up, lastScaleDownMs: _down, ...rest } = group;
    const previous = before.groups[key];
    groups[key] = {
      ...rest,
      ...(previous?.lastScaleUpMs !== undefined ? { lastScaleUpMs: previous.lastScaleUpMs } : {}),
      ...(previous?.lastScaleDownMs !== undefined ? { lastScaleDownMs: previous.lastScaleDownMs } : {}),
    };
  }
  const result: PlanningState = {
    ...after,
    groups,
    operations: after.operations.filter((op) => !started.has(op.id)),
  };
  if (after.sentCommands !== undefined) {
    // A command sent now for an operation that existed before keeps its entry (its dry-run result
    // ends that operation quietly, results.ts); every other command sent now is forgotten.
    result.sentCommands = after.sentCommands.filter((s) => sentBefore.has(s.commandId) || (s.operationId !== undefined && known.has(s.operationId)));
  }
  return result;
}
