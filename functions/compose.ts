import { randomUUID } from 'node:crypto';
import { getHeapStatistics } from 'node:v8';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { createLogger, type Logger } from '../shared/logger.ts';
import { systemClock, type Clock } from './clock.ts';
import { parseFunctionsConfig, type FunctionsConfig } from './config.ts';
import { configFromEnvAndSsm } from './config-sources.ts';
import { bodyLimits } from './http/body-limits.ts';
import { plan } from './planning/plan.ts';
import type { Planner } from './reconcile.ts';
import type { AppDeps } from './routes/deps.ts';
import { createStateTable } from './state/state-table.ts';

// The composition root: the one place where the real clock, logger, DynamoDB client and planner are
// chosen. Entry points (lambda.ts, local.ts, the CLI) call it once, at module scope or start-up.

export interface ComposeOverrides {
  clock?: Clock;
  logger?: Logger;
  planner?: Planner;
  client?: DynamoDBClient;
  newId?: () => string;
}

export function composeDeps(config: FunctionsConfig, overrides: ComposeOverrides = {}): AppDeps {
  const clock = overrides.clock ?? systemClock;
  const client = overrides.client ?? dynamoClient(config);
  return {
    config,
    clock,
    logger: overrides.logger ?? createLogger({ name: 'functions', level: config.logLevel }),
    planner: overrides.planner ?? plan,
    newId: overrides.newId ?? randomUUID,
    bodyLimits: bodyLimits({ maxSnapshotBytes: config.maxSnapshotBytes, functionMemoryMb: config.functionMemoryMb, heapLimitBytes: getHeapStatistics().heap_size_limit }),
    table: createStateTable({ client, tableName: config.tableName, clock, leaseMs: config.leaseMs, store: { operationRetentionMs: config.operationRetentionMs } }),
  };
}

/** Reads the environment (and SSM when named) once, validating everything: for Lambda's cold start. */
export async function depsFromEnvironment(env: Record<string, string | undefined> = process.env): Promise<AppDeps> {
  const { input, problems } = await configFromEnvAndSsm(env);
  return composeDeps(parseFunctionsConfig(input, problems));
}

export function dynamoClient(config: Pick<FunctionsConfig, 'region' | 'dynamoEndpoint'>): DynamoDBClient {
  if (!config.dynamoEndpoint) return new DynamoDBClient({ region: config.region });
  // A local store (dynalite) checks that requests are signed, not by whom; don't require AWS credentials.
  const hasCredentials = Boolean(process.env.AWS_ACCESS_KEY_ID && process.env.AWS_SECRET_ACCESS_KEY);
  return new DynamoDBClient({
    region: config.region,
    endpoint: config.dynamoEndpoint,
    ...(hasCredentials ? {} : { credentials: { accessKeyId: 'local', secretAccessKey: 'local' } }),
  });
}
