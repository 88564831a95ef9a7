import type { PlanContext } from './context.ts';
import { formatDuration } from './durations.ts';
import { nodeEvent } from './lifecycle-events.ts';
import type { DrainOperation } from './types.ts';

// A drain waiting at a PodDisruptionBudget's pace. The Eviction API answers 429 while the budget is
// spent; that is not a failure: the next drain step sends the eviction again (results.ts forgets
// the sent command), and only the drain deadline (policy.drainDeadlineMs, from the drain's start)
// ends the wait. So that people can tell a slow drain from a stuck one, the wait is recorded on the
// operation, said once as a node Event when it begins, and as an `info` decision every step.

/** An eviction of `pod` was refused with 429; the node Event goes out when a wait begins. */
export function notePdbRefusal(ctx: PlanContext, op: DrainOperation, pod: string, message: string): void {
  const began = op.pdbWait === undefined;
  op.pdbWait = { sinceMs: op.pdbWait?.sinceMs ?? ctx.nowMs, pod, message, refusals: (op.pdbWait?.refusals ?? 0) + 1 };
  if (!began) return;
  nodeEvent(ctx, op.node, {
    type: 'Normal',
    eventReason: 'DrainWaitingForPDB',
    reason: 'pdb',
    message: `eviction of pod ${pod} refused by its PodDisruptionBudget for now (${message}); evictions are retried at the budget's pace until the drain deadline`,
    operationId: op.id,
  });
}

/** An eviction went through: the budget moves, the wait (if any) is over. */
export function notePdbProgress(op: DrainOperation): void {
  delete op.pdbWait;
}

/** While the drain waits on a PDB: one decision per step, saying since when and until when. */
export function reportPdbWait(ctx: PlanContext, op: DrainOperation): void {
  const wait = op.pdbWait;
  if (!wait) return;
  ctx.decide({
    kind: 'info',
    target: `node ${op.node}`,
    nodeGroup: op.nodeGroup,
    reason: 'drain-waiting-for-pdb',
    message: `drain of node ${op.node} waits on a PodDisruptionBudget: eviction of pod ${wait.pod} refused ${wait.refusals} time(s) over ${formatDuration(ctx.nowMs - wait.sinceMs)} (${wait.message}); retried every step, the drain is aborted ${formatDuration(Math.max(0, op.deadlineMs - ctx.nowMs))} from now if its pods are not gone`,
    details: { operationId: op.id, pod: wait.pod, refusals: wait.refusals, waitingMs: ctx.nowMs - wait.sinceMs },
  });
}
