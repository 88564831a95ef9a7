import { handle } from 'hono/aws-lambda';
import { createApp } from './app.ts';
import { depsFromEnvironment } from './compose.ts';
import { runHousekeeping } from './housekeeping.ts';
import { housekeepingMetricLines, stdoutMetricWriter } from './metrics.ts';
import { warmUpPlanner } from './planning/warm-up.ts';

// AWS Lambda entry points. Composition happens once per cold start (top-level await reads the
// configuration, and the clusters' keys from SSM, before the first request is served).
// Metrics as embedded-metric-format lines on stdout: CloudWatch Logs extracts them (functions/metrics.ts).
const deps = { ...(await depsFromEnvironment()), metrics: stdoutMetricWriter };
// In the cold start, not in the first request: a burst's first reconcile is the one whose time counts most.
warmUpPlanner();

/** HTTP API (payload v2) → the hono app. */
export const handler = handle(createApp(deps));

/** EventBridge schedule → housekeeping. */
export const housekeeping = async (): Promise<{ clusters: number }> => {
  const report = await runHousekeeping(deps);
  for (const line of housekeepingMetricLines(deps.clock(), report)) deps.metrics(line);
  return { clusters: report.length };
};
