import { serve, type ServerType } from '@hono/node-server';
import { Hono } from 'hono';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../shared/errors.ts';
import { configFromEnv, configFromEnvAndSsm } from './config-sources.ts';
import { parseFunctionsConfig } from './config.ts';

// The clusters' secrets from SSM Parameter Store: a signed GetParameter to a local stand-in for
// the SSM endpoint (which checks the call's shape: target, SigV4 authorization, session token).

const CLUSTERS = { prod: { signingKey: 'k'.repeat(32), triggerToken: 't'.repeat(16) } };
let server: ServerType;
let endpoint: string;
const seen: { target?: string; authorization?: string; token?: string; body?: unknown }[] = [];

beforeAll(async () => {
  const app = new Hono();
  app.post('/', async (c) => {
    const body = (await c.req.json()) as { Name: string; WithDecryption: boolean };
    seen.push({ target: c.req.header('x-amz-target'), authorization: c.req.header('authorization'), token: c.req.header('x-amz-security-token'), body });
    if (body.Name !== '/vpsie-autoscaler/dev/clusters') return c.json({ __type: 'ParameterNotFound', message: 'no such parameter' }, 400);
    return c.json({ Parameter: { Name: body.Name, Type: 'SecureString', Value: JSON.stringify(CLUSTERS), Version: 1 } });
  });
  server = await new Promise((resolve) => {
    const s = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(s));
  });
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

const env = (parameter: string) => ({
  VPSIE_AUTOSCALER_TABLE: 'state',
  VPSIE_AUTOSCALER_CLUSTERS_SSM_PARAMETER: parameter,
  VPSIE_AUTOSCALER_SSM_ENDPOINT: endpoint,
  AWS_REGION: 'eu-west-1',
  AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE',
  AWS_SECRET_ACCESS_KEY: 'secret-example',
  AWS_SESSION_TOKEN: 'session-example',
});

describe('clusters from SSM Parameter Store', () => {
  it('reads and decrypts the parameter with a SigV4-signed GetParameter', async () => {
    const draft = await configFromEnvAndSsm(env('/vpsie-autoscaler/dev/clusters'));
    expect(draft.problems).toEqual([]);
    expect(draft.input).toMatchObject({ tableName: 'state', clusters: CLUSTERS });
    const call = seen.at(-1)!;
    expect(call.target).toBe('AmazonSSM.GetParameter');
    expect(call.body).toEqual({ Name: '/vpsie-autoscaler/dev/clusters', WithDecryption: true });
    expect(call.authorization).toMatch(/^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/\d{8}\/eu-west-1\/ssm\/aws4_request, SignedHeaders=[a-z0-9;-]*x-amz-target[a-z0-9;-]*, Signature=[0-9a-f]{64}$/);
    expect(call.token).toBe('session-example');
  });

  it('turns a failure into a configuration problem naming the AWS error, not a crash', async () => {
    const draft = await configFromEnvAndSsm(env('/missing'));
    expect(draft.problems).toEqual([{ path: 'clusters', message: expect.stringContaining('ParameterNotFound') }]);
  });

  it('needs credentials', async () => {
    const { AWS_ACCESS_KEY_ID: _a, ...withoutKey } = env('/vpsie-autoscaler/dev/clusters');
    const draft = await configFromEnvAndSsm(withoutKey);
    expect(draft.problems[0]?.message).toMatch(/needs AWS credentials/);
  });
});

describe('configuration problems never quote secret text', () => {
  const key = 'Zq9sUPERsecretKEYmaterial0123456789abcdef';
  /** Every 6-character piece of the key: a message containing any of them leaks part of it. */
  const pieces = Array.from({ length: key.length - 5 }, (_, i) => key.slice(i, i + 6));
  const malformed = [
    `{"prod":{"signingKey":"${key}","triggerToken":"tttttttttttttttt",}}`, // trailing comma
    `{"prod":{"signingKey":${key},"triggerToken":"tttttttttttttttt"}}`, // unquoted: V8 quotes the text around it
    `{"prod":{"signingKey":"${key}"`, // cut off
    `{"prod":{"signingKey":"${key}" "triggerToken":"x"}}`, // missing comma
  ];

  it.each(malformed.map((text, i) => [i, text]))('malformed VPSIE_AUTOSCALER_CLUSTERS #%s', (_i, text) => {
    const draft = configFromEnv({ VPSIE_AUTOSCALER_TABLE: 'state', VPSIE_AUTOSCALER_CLUSTERS: text as string });
    expect(draft.problems).toHaveLength(1);
    expect(draft.problems[0]!.message).toMatch(/^VPSIE_AUTOSCALER_CLUSTERS is not valid JSON/);
    const error = (() => {
      try {
        parseFunctionsConfig(draft.input, draft.problems);
      } catch (e) {
        return e as Error;
      }
      throw new Error('expected a ConfigError');
    })();
    expect(error).toBeInstanceOf(ConfigError);
    const message = error.message;
    for (const piece of pieces) expect(message).not.toContain(piece);
  });
});
