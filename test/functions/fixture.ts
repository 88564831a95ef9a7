import { ScanCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, beforeEach } from 'vitest';
import { gzipSync } from 'node:zlib';
import { createLogger } from '../../shared/logger.ts';
import { signMessage, verifyMessage, MemoryNonceStore, PLAN_METHOD } from '../../shared/signing.ts';
import { planMessageSchema, type PlanMessage } from '../../shared/plan-message.ts';
import type { Snapshot } from '../../shared/snapshot.ts';
import { createApp } from '../../functions/app.ts';
import { composeDeps } from '../../functions/compose.ts';
import { parseFunctionsConfig, type FunctionsConfigInput } from '../../functions/config.ts';
import { plan } from '../../functions/planning/plan.ts';
import type { Planner } from '../../functions/reconcile.ts';
import type { AppDeps } from '../../functions/routes/deps.ts';
import { IN_REPLY_TO_HEADER } from '../../functions/routes/reconcile-route.ts';
import { createStateTable as createHarnessTable, startDynamo, type Dynamo } from '../harness/dynamo.ts';
import { TEST_CLUSTER_ID, TEST_NOW_MS } from '../fixtures/snapshot-builders.ts';

// The functions app wired to a real dynalite table (one fresh table per fixture), a controlled
// clock and captured log lines. Requests go through app.fetch — the same path as Lambda and Node.

export const SIGNING_KEY = 'signing-key-of-the-test-cluster-0123456789';
export const TRIGGER_TOKEN = 'trigger-token-of-the-test-cluster';
export const STATUS_TOKEN = 'status-token-of-the-test-cluster';
export const OTHER_CLUSTER = 'other';
export const OTHER_SIGNING_KEY = 'signing-key-of-the-other-cluster-0123456789';

let tables = 0;

export interface FunctionsFixture {
  deps: AppDeps;
  app: ReturnType<typeof createApp>;
  tableName: string;
  now(): number;
  advance(ms: number): void;
  setNow(ms: number): void;
  /** Parsed JSON log lines. */
  logs: Record<string, unknown>[];
  auditLines(): Record<string, unknown>[];
  /** Every item in the table, sorted (for "the table is unchanged" assertions). */
  scan(): Promise<unknown[]>;
  fetch(request: Request): Promise<Response>;
}

export interface FunctionsFixtureOptions { planner?: Planner; config?: Partial<FunctionsConfigInput> }

/**
 * The preamble of a functions integration file: a DynamoDB-compatible server for the file (table
 * `tableName`), and a fresh fixture (its own table, clock and logs) before each test, handed to `use`.
 */
export function useFunctionsFixture(tableName: string, options: FunctionsFixtureOptions, use: (fx: FunctionsFixture) => void): void {
  let dynamo: Dynamo | undefined;
  beforeAll(async () => {
    dynamo = await startDynamo({ tableName });
  });
  afterAll(async () => dynamo?.stop());
  beforeEach(async () => {
    use(await functionsFixture(dynamo!, options));
  });
}

export async function functionsFixture(dynamo: Dynamo, options: FunctionsFixtureOptions = {}): Promise<FunctionsFixture> {
  const tableName = `functions-${process.pid}-${++tables}`;
  await createHarnessTable(dynamo.client, tableName);
  let nowMs = TEST_NOW_MS;
  const logs: Record<string, unknown>[] = [];
  const config = parseFunctionsConfig({
    tableName,
    dynamoEndpoint: dynamo.endpoint,
    clusters: {
      [TEST_CLUSTER_ID]: { signingKey: SIGNING_KEY, triggerToken: TRIGGER_TOKEN, statusToken: STATUS_TOKEN, hostnamePrefix: 'test-' },
      [OTHER_CLUSTER]: { signingKey: OTHER_SIGNING_KEY, triggerToken: 'trigger-token-of-the-other-cluster' },
    },
    ...options.config,
  });
  const deps = composeDeps(config, {
    client: dynamo.client,
    clock: () => nowMs,
    planner: options.planner ?? plan,
    logger: createLogger({ name: 'functions', level: 'debug', destination: { write: (line: string) => { logs.push(JSON.parse(line) as Record<string, unknown>); } } }),
  });
  const app = createApp(deps);
  return {
    deps,
    app,
    tableName,
    now: () => nowMs,
    advance: (ms) => { nowMs += ms; },
    setNow: (ms) => { nowMs = ms; },
    logs,
    auditLines: () => logs.filter((line) => line.audit === true),
    scan: async () => {
      const out = await dynamo.client.send(new ScanCommand({ TableName: tableName, ConsistentRead: true }));
      return (out.Items ?? []).map((item) => JSON.stringify(item)).sort();
    },
    fetch: async (request) => app.fetch(request),
  };
}

export interface SignedRequestOptions {
  nowMs: number;
  gzip?: boolean;
  key?: string;
  clusterId?: string;
  nonce?: string;
  path?: string;
  /** Replace the body after signing (tampering). */
  tamper?: (body: Uint8Array) => Uint8Array;
}

/** A signed POST /v1/reconcile as the forwarder sends it. */
export function reconcileRequest(body: Snapshot | string | Uint8Array, options: SignedRequestOptions): Request {
  const json = typeof body === 'string' || body instanceof Uint8Array ? body : JSON.stringify(body);
  const raw = typeof json === 'string' ? new TextEncoder().encode(json) : json;
  const bytes = options.gzip ? new Uint8Array(gzipSync(raw)) : raw;
  const path = options.path ?? '/v1/reconcile';
  const headers = signMessage({
    key: options.key ?? SIGNING_KEY,
    clusterId: options.clusterId ?? (typeof body === 'object' && !(body instanceof Uint8Array) ? body.clusterId : TEST_CLUSTER_ID),
    method: 'POST',
    path,
    body: bytes,
    nowMs: options.nowMs,
    ...(options.nonce ? { nonce: options.nonce } : {}),
  });
  const sent = options.tamper ? options.tamper(bytes) : bytes;
  return new Request(`http://functions.local${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(options.gzip ? { 'content-encoding': 'gzip' } : {}), ...headers },
    body: sent,
  });
}

/**
 * Verifies the plan's signature as the forwarder does and parses it. The plan is bound to the
 * request's nonce: pass the one sent (`requestNonce`), or the echo header is used (tests that are not
 * about the binding; the binding itself is tested with the nonce sent).
 */
export async function readPlan(response: Response, nowMs: number, key = SIGNING_KEY, requestNonce?: string): Promise<PlanMessage> {
  const body = await response.text();
  if (response.status !== 200) throw new Error(`expected 200, got ${response.status}: ${body}`);
  const inReplyTo = requestNonce ?? response.headers.get(IN_REPLY_TO_HEADER) ?? undefined;
  await verifyMessage({ key, method: PLAN_METHOD, path: '/v1/reconcile', body, headers: response.headers, nowMs, nonceStore: new MemoryNonceStore(() => nowMs), inReplyTo });
  return planMessageSchema.parse(JSON.parse(body));
}
