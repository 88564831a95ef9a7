import type { Logger } from '../../shared/logger.ts';
import type { Clock } from '../clock.ts';
import type { FunctionsConfig } from '../config.ts';
import type { BodyLimits } from '../http/body-limits.ts';
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
  /** How large a reconcile's body may be, as sent and decompressed (http/body-limits.ts). */
  bodyLimits: BodyLimits;
  /** CloudWatch embedded-metric lines (functions/metrics.ts); absent = no metrics. */
  metrics?: MetricWriter;
}
