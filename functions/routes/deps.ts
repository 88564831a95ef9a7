import type { Logger } from '../../shared/logger.ts';
import type { Clock } from '../clock.ts';
import type { FunctionsConfig } from '../config.ts';
import type { MetricWriter } from '../metrics.ts';
import type { Planner } from '../reconcile.ts';
import type { StateTable } from '../state/state-table.ts';

/** Everything the app needs, built once by the composition root (compose.ts). */
export interface AppDeps {
  config: FunctionsConfig;
  table: StateTable;
  clock: Clock;
  logger: Logger;
  planner: Planner;
  /** Unique ids (request ids, lease owners). */
  newId(): string;
  /** CloudWatch embedded-metric lines (functions/metrics.ts); absent = no metrics. */
  metrics?: MetricWriter;
}
