import type { PlanMessage } from '../../shared/plan-message.ts';

/** Per-request variables of the hono app (set by routes, read by the request log line). */
export interface AppEnv {
  Variables: {
    requestId: string;
    clusterId: string;
    logFields: Record<string, unknown>;
    /** The plan a reconcile answered with (its metrics: functions/metrics.ts). */
    plan: PlanMessage | undefined;
  };
}
