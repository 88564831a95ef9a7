import type { PlanContext } from './context.ts';
import { advanceDrain } from './drains.ts';
import { advanceLaunch } from './launches.ts';
import { replaceNotReadyNodes } from './not-ready.ts';
import { sweepOrphanVms } from './orphan-vms.ts';
import type { Operation } from './types.ts';

/** Finished operations stay this long in the ledger (status, cooldowns), then are forgotten. */
export const FINISHED_OPERATION_RETENTION_MS = 60 * 60_000;

/**
 * Drives every operation in the ledger one step (launches, then drains, oldest first), then looks
 * for what no operation accounts for: orphan VMs and NotReady nodes to replace.
 */
export function advanceOperations(ctx: PlanContext): void {
  ctx.state.operations = ctx.state.operations.filter((op) => !isFinished(op) || ctx.nowMs - op.updatedAtMs < FINISHED_OPERATION_RETENTION_MS);
  const ordered = [...ctx.state.operations].sort((a, b) => a.createdAtMs - b.createdAtMs || a.id.localeCompare(b.id));
  for (const op of ordered) if (op.kind === 'launch') advanceLaunch(ctx, op);
  for (const op of ordered) if (op.kind === 'drain') advanceDrain(ctx, op);
  sweepOrphanVms(ctx);
  replaceNotReadyNodes(ctx);
}

export function isFinished(op: Operation): boolean {
  return op.status === 'succeeded' || op.status === 'failed';
}
