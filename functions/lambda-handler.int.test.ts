import { handle, type LambdaContext, type LambdaEvent } from 'hono/aws-lambda';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryNonceStore, PLAN_METHOD, SIGNATURE_HEADERS, signMessage, verifyMessage } from '../shared/signing.ts';
import { planMessageSchema } from '../shared/plan-message.ts';
import { startDynamo, type Dynamo } from '../test/harness/dynamo.ts';
import { nodeGroup, snapPods, snapshot, TEST_CLUSTER_ID } from '../test/fixtures/snapshot-builders.ts';
import { functionsFixture, SIGNING_KEY, STATUS_TOKEN, type FunctionsFixture } from '../test/functions/fixture.ts';
import { launchingPlanner } from '../test/functions/launching-planner.ts';
import { createApp } from './app.ts';

// The Lambda path: API Gateway HTTP API (payload v2) events through hono/aws-lambda, as lambda.ts
// wires it — a gzip body arrives base64-encoded and must be verified over the decoded bytes.

type APIGatewayProxyEventV2 = Extract<LambdaEvent, { rawPath: string }>;

let dynamo: Dynamo;
let fx: FunctionsFixture;
let handler: ReturnType<typeof handle>;

beforeAll(async () => {
  dynamo = await startDynamo({ tableName: 'functions-lambda' });
  fx = await functionsFixture(dynamo, { planner: launchingPlanner });
  handler = handle(createApp(fx.deps));
});
afterAll(async () => dynamo?.stop());

function event(method: string, path: string, headers: Record<string, string>, body?: Uint8Array): APIGatewayProxyEventV2 {
  return {
    version: '2.0',
    routeKey: `${method} ${path}`,
    rawPath: path,
    rawQueryString: '',
    headers: { host: 'abc123.execute-api.us-east-1.amazonaws.com', ...headers },
    body: body ? Buffer.from(body).toString('base64') : null,
    isBase64Encoded: body !== undefined,
    requestContext: {
      accountId: '123456789012', apiId: 'abc123', authentication: null, authorizer: {} as never, domainName: 'abc123.execute-api.us-east-1.amazonaws.com', domainPrefix: 'abc123',
      http: { method, path, protocol: 'HTTP/1.1', sourceIp: '203.0.113.9', userAgent: 'forwarder' },
      requestId: 'req-1', routeKey: `${method} ${path}`, stage: '$default', time: '', timeEpoch: fx.now(),
    },
  };
}
const context = {} as LambdaContext;

describe('Lambda handler (HTTP API payload v2)', () => {
  it('reconciles a base64-encoded gzip body and answers a signed plan', async () => {
    const body = new Uint8Array(gzipSync(JSON.stringify(snapshot({ takenAtMs: fx.now(), nodeGroups: [nodeGroup({ name: 'workers' })], pods: snapPods(1, 'web') }))));
    const headers = signMessage({ key: SIGNING_KEY, clusterId: TEST_CLUSTER_ID, method: 'POST', path: '/v1/reconcile', body, nowMs: fx.now() });
    const result = (await handler(event('POST', '/v1/reconcile', { 'content-type': 'application/json', 'content-encoding': 'gzip', ...headers }, body), context)) as {
      statusCode: number; body: string; headers: Record<string, string>; isBase64Encoded: boolean;
    };
    expect(result.statusCode).toBe(200);
    expect(result.isBase64Encoded).toBe(false);
    await verifyMessage({ key: SIGNING_KEY, method: PLAN_METHOD, path: '/v1/reconcile', body: result.body, headers: result.headers, nowMs: fx.now(), nonceStore: new MemoryNonceStore(), inReplyTo: headers[SIGNATURE_HEADERS.nonce] });
    expect(planMessageSchema.parse(JSON.parse(result.body)).commands).toHaveLength(1);
  });

  it('maps refusals to status codes the same way', async () => {
    const body = new TextEncoder().encode('{}');
    const unsigned = (await handler(event('POST', '/v1/reconcile', { 'content-type': 'application/json' }, body), context)) as { statusCode: number };
    expect(unsigned.statusCode).toBe(401);
    const status = (await handler(event('GET', `/v1/clusters/${TEST_CLUSTER_ID}/status`, { authorization: `Bearer ${STATUS_TOKEN}` }), context)) as { statusCode: number; body: string };
    expect(status.statusCode).toBe(200);
    expect(JSON.parse(status.body)).toMatchObject({ clusterId: TEST_CLUSTER_ID });
  });
});
