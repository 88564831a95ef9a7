import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';

// The CloudFormation template that `npm run package` (osls package, offline) leaves in .serverless/:
// the table as infra/dynamodb/state-table.yml defines it, TTL on, and IAM that grants exactly what the
// code uses — no wildcard actions, no wildcard resources (except the log-stream part of the
// functions' own log groups, whose stream names Lambda chooses).

const ROOT = join(import.meta.dirname, '..');
const TEMPLATE = join(ROOT, '.serverless/cloudformation-template-update-stack.json');
const SOURCES = ['serverless.yml', 'infra/dynamodb/state-table.yml'].map((f) => join(ROOT, f));

type Json = any; // CloudFormation JSON, walked loosely
let template: Json;

beforeAll(() => {
  const stale = !existsSync(TEMPLATE) || SOURCES.some((source) => statSync(source).mtimeMs > statSync(TEMPLATE).mtimeMs);
  if (stale) {
    const run = spawnSync('npm', ['run', 'package'], { cwd: ROOT, encoding: 'utf8' });
    if (run.status !== 0) throw new Error(`\`npm run package\` failed (install dev dependencies: npm install):\n${run.stdout}\n${run.stderr}`);
  }
  template = JSON.parse(readFileSync(TEMPLATE, 'utf8'));
}, 180_000);

const resources = () => Object.entries(template.Resources as Record<string, Json>);
const ofType = (type: string) => resources().filter(([, r]) => r.Type === type);

function statements(): Json[] {
  const out: Json[] = [];
  for (const [, r] of resources()) {
    if (r.Type === 'AWS::IAM::Role') for (const p of r.Properties.Policies ?? []) out.push(...p.PolicyDocument.Statement);
    if (r.Type === 'AWS::IAM::Policy' || r.Type === 'AWS::IAM::ManagedPolicy') out.push(...r.Properties.PolicyDocument.Statement);
  }
  return out;
}
const list = <T>(value: T | T[]): T[] => (Array.isArray(value) ? value : [value]);
/** A resource as text: plain strings, or the literal parts of an Fn::Join. */
const resourceText = (resource: Json): string =>
  typeof resource === 'string' ? resource : resource['Fn::Join'] ? resource['Fn::Join'][1].map((p: Json) => (typeof p === 'string' ? p : '')).join('') : JSON.stringify(resource);

/** The DynamoDB actions the adapter can perform, read from the commands it imports. */
function actionsTheAdapterUses(): string[] {
  const source = readFileSync(join(ROOT, 'functions/state/dynamo-adapter.ts'), 'utf8');
  const imported = /import\s*{([^}]*)}\s*from\s*'@aws-sdk\/client-dynamodb'/.exec(source)?.[1] ?? '';
  return [...imported.matchAll(/\b(\w+)Command\b/g)].map((m) => `dynamodb:${m[1]}`).sort();
}

describe('serverless package template', () => {
  it('creates the state table from infra/dynamodb/state-table.yml: pay per request, TTL on `ttl`', () => {
    const definition = parse(readFileSync(SOURCES[1]!, 'utf8'));
    const tables = ofType('AWS::DynamoDB::Table');
    expect(tables).toHaveLength(1);
    const table = tables[0]![1].Properties;
    expect(table.BillingMode).toBe('PAY_PER_REQUEST');
    expect(table.TimeToLiveSpecification).toEqual({ AttributeName: 'ttl', Enabled: true });
    expect(table.KeySchema).toEqual(definition.KeySchema);
    expect(table.AttributeDefinitions).toEqual(definition.AttributeDefinitions);
    expect(table.TableName).toBe('vpsie-autoscaler-dev-state');
  });

  it('grants exactly the table actions the adapter uses, on the table ARN only', () => {
    const dynamo = statements().filter((s) => list(s.Action).some((a: string) => a.startsWith('dynamodb:')));
    expect(dynamo).toHaveLength(1);
    expect([...list(dynamo[0].Action)].sort()).toEqual(actionsTheAdapterUses());
    expect(actionsTheAdapterUses()).toEqual(['dynamodb:DeleteItem', 'dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:Query', 'dynamodb:UpdateItem']);
    expect(list(dynamo[0].Resource)).toEqual([{ 'Fn::GetAtt': ['StateTable', 'Arn'] }]);
  });

  it('has no wildcard in any action or resource, except log streams of the functions\' own log groups', () => {
    const all = statements();
    expect(all.length).toBeGreaterThan(0);
    for (const statement of all) {
      expect(statement.Effect).toBe('Allow');
      for (const action of list(statement.Action)) expect(action).not.toContain('*');
      for (const resource of list(statement.Resource)) {
        const text = resourceText(resource);
        if (!text.includes('*')) continue;
        expect(text).toMatch(/^arn::logs:::log-group:\/aws\/lambda\/vpsie-autoscaler-dev-(api|housekeeping):log-stream:\*$/);
      }
    }
    const ssm = all.find((s) => list(s.Action).includes('ssm:GetParameter'));
    expect(resourceText(list(ssm.Resource)[0])).toBe('arn::ssm:::parameter/vpsie-autoscaler/dev/clusters');
  });

  it('wires the HTTP API routes and the housekeeping schedule to the bundle, with no secret in the template', () => {
    const routes = ofType('AWS::ApiGatewayV2::Route').map(([, r]) => r.Properties.RouteKey).sort();
    expect(routes).toEqual(['GET /healthz', 'GET /v1/clusters/{id}/status', 'POST /v1/clusters/{id}/trigger', 'POST /v1/reconcile']);
    const functions = Object.fromEntries(ofType('AWS::Lambda::Function').map(([, r]) => [r.Properties.FunctionName, r.Properties]));
    expect(functions['vpsie-autoscaler-dev-api']).toMatchObject({ Handler: 'dist/functions/lambda.handler', Runtime: 'nodejs24.x' });
    expect(functions['vpsie-autoscaler-dev-housekeeping']).toMatchObject({ Handler: 'dist/functions/lambda.housekeeping' });
    expect(ofType('AWS::Events::Rule')[0]![1].Properties.ScheduleExpression).toBe('rate(5 minutes)');
    const env = functions['vpsie-autoscaler-dev-api'].Environment.Variables;
    expect(env.VPSIE_AUTOSCALER_CLUSTERS_SSM_PARAMETER).toBe('/vpsie-autoscaler/dev/clusters');
    expect(env.VPSIE_AUTOSCALER_CLUSTERS).toBeUndefined();
    expect(JSON.stringify(template)).not.toMatch(/signingKey|triggerToken|statusToken/);
  });

  it('throttles the HTTP API stage: every route by default, trigger and status tighter, each route key a real route', () => {
    const stages = ofType('AWS::ApiGatewayV2::Stage');
    expect(stages).toHaveLength(1);
    const stage = stages[0]![1].Properties;
    expect(stage.DefaultRouteSettings).toMatchObject({ ThrottlingRateLimit: 50, ThrottlingBurstLimit: 100 });
    expect(stage.RouteSettings['POST /v1/clusters/{id}/trigger']).toEqual({ ThrottlingRateLimit: 5, ThrottlingBurstLimit: 10 });
    expect(stage.RouteSettings['GET /v1/clusters/{id}/status']).toEqual({ ThrottlingRateLimit: 5, ThrottlingBurstLimit: 10 });
    const routes = new Set(ofType('AWS::ApiGatewayV2::Route').map(([, r]) => r.Properties.RouteKey));
    for (const key of Object.keys(stage.RouteSettings)) expect(routes.has(key), key).toBe(true);
  });
});
