import type { Logger } from '../util/logger.ts';
import type { UnreadableRowsEvent } from './api-calls.ts';

// What the forwarder does with rows of a VPSie list it could not read (the client skipped them): a
// warning that names the operation and the first problem — the answer's shape has changed, or a row is
// odd, and nothing depending on absence is decided from that listing — and a metric
// (vpsie_autoscaler_vpsie_unreadable_rows_total, forwarder/metrics.ts), so an alert can see it.

export function unreadableRowsReporter(logger: Logger, count: ((event: UnreadableRowsEvent) => void) | undefined): (event: UnreadableRowsEvent) => void {
  return (event) => {
    count?.(event);
    if (event.unreadable.length === 0) return; // only harmless rows (pending work that is not a VM create)
    const first = event.unreadable[0]!;
    logger.warn(
      {
        operation: event.operation,
        unreadableRows: event.unreadable.length,
        skippedNonVm: event.skippedNonVm,
        firstRow: { index: first.index, problem: first.problem, ...(first.identifier ? { identifier: first.identifier } : {}), ...(first.hostname ? { hostname: first.hostname } : {}) },
      },
      `VPSie ${event.operation}: ${event.unreadable.length} row(s) could not be read and were skipped (${first.problem}); decisions that depend on their absence wait for a readable listing`,
    );
  };
}
