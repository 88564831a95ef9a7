import { handle } from 'hono/aws-lambda';
import { createApp } from './app.ts';
import { depsFromEnvironment } from './compose.ts';
import { runHousekeeping } from './housekeeping.ts';

// AWS Lambda entry points. Composition happens once per cold start (top-level await reads the
// configuration, and the clusters' keys from SSM, before the first request is served).
const deps = await depsFromEnvironment();

/** HTTP API (payload v2) → the hono app. */
export const handler = handle(createApp(deps));

/** EventBridge schedule → housekeeping. */
export const housekeeping = async (): Promise<{ clusters: number }> => ({ clusters: (await runHousekeeping(deps)).length });
