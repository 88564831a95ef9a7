import { describe, expect, it } from 'vitest';
import { createLogger } from '../shared/logger.ts';
import type { PlanMessage } from '../shared/plan-message.ts';
import { createApp, type AppDeps } from './app.ts';
import { parseFunctionsConfig } from './config.ts';
import { disruptionMetricLines, emfLine, housekeepingMetricLines, METRIC_NAMESPACE, reconcileMetricLines } from './metrics.ts';
import { bodyLimits } from './http/body-limits.ts';

// EMF lines as CloudWatch reads them: _aws.CloudWatchMetrics names the metrics and their dimension
// set; each metric and dimension is a top-level member of the same JSON object.

function assertEmf(line: string): Record<string, unknown> {
  const doc = JSON.parse(line) as Record<string, unknown> & { _aws: { Timestamp: number; CloudWatchMetrics: Array<{ Namespace: string; Dimensions: string[][]; Metrics: Array<{ Name: string; Unit: string }> }> } };
  expect(Number.isInteger(doc._aws.Timestamp)).toBe(true);
  for (const directive of doc._aws.CloudWatchMetrics) {
    expect(directive.Namespace).toBe(METRIC_NAMESPACE);
    for (const set of directive.Dimensions) for (const d of set) expect(typeof doc[d]).toBe('string');
    for (const m of directive.Metrics) expect(typeof doc[m.Name]).toBe('number');
  }
  return doc;
}

describe('functions metrics (CloudWatch embedded metric format)', () => {
  it('writes an EMF document', () => {
    const doc = assertEmf(emfLine(1_700_000_000_000, { Cluster: 'c1' }, [{ name: 'X', value: 3, unit: 'Count' }]));
    expect(doc).toEqual({ _aws: { Timestamp: 1_700_000_000_000, CloudWatchMetrics: [{ Namespace: 'VpsieAutoscaler', Dimensions: [['Cluster']], Metrics: [{ Name: 'X', Unit: 'Count' }] }] }, Cluster: 'c1', X: 3 });
  });

  it('counts a reconcile: duration, outcome, commands, and decisions by kind', () => {
    const plan = { commands: [{}, {}], decisions: [{ kind: 'scale-up' }, { kind: 'keep-node' }, { kind: 'scale-up' }] } as unknown as PlanMessage;
    const [main, ...byKind] = reconcileMetricLines({ nowMs: 5, cluster: 'c1', status: 200, durationMs: 42, refused: undefined, plan }).map(assertEmf);
    expect(main).toMatchObject({ Cluster: 'c1', ReconcileDuration: 42, Reconciles: 1, ReconcileErrors: 0, LeaseConflicts: 0, Refusals: 0, Commands: 2 });
    expect(byKind.map((d) => [d.DecisionKind, d.Decisions])).toEqual([['keep-node', 1], ['scale-up', 2]]);
    // Per cluster and account-wide (serverless.yml's alarms have no dimensions).
    expect((main!._aws as { CloudWatchMetrics: Array<{ Dimensions: string[][] }> }).CloudWatchMetrics[0]!.Dimensions).toEqual([['Cluster'], []]);
  });

  it('tells lease conflicts, refusals and errors apart', () => {
    const one = (status: number, refused?: string) => assertEmf(reconcileMetricLines({ nowMs: 5, cluster: undefined, status, durationMs: 1, refused, plan: undefined })[0]!);
    expect(one(409, 'lease-held')).toMatchObject({ Cluster: 'unknown', LeaseConflicts: 1, Refusals: 0, ReconcileErrors: 0 });
    expect(one(401, 'unauthorized')).toMatchObject({ LeaseConflicts: 0, Refusals: 1, ReconcileErrors: 0 });
    expect(one(500)).toMatchObject({ LeaseConflicts: 0, Refusals: 0, ReconcileErrors: 1 });
  });

  it('reports housekeeping: a silent forwarder and stale operations per cluster', () => {
    const lines = housekeepingMetricLines(5, [{ clusterId: 'a', forwarder: 'ok', staleOperations: [] }, { clusterId: 'b', forwarder: 'silent', staleOperations: ['op-1', 'op-2'] }]).map(assertEmf);
    expect(lines.map((d) => [d.Cluster, d.ForwarderSilent, d.StaleOperations])).toEqual([['a', 0, 0], ['b', 1, 2]]);
  });

  it('is emitted by the app for every POST /v1/reconcile, refused ones included', async () => {
    const lines: string[] = [];
    const deps: AppDeps = {
      config: parseFunctionsConfig({ tableName: 'state-table', clusters: { c1: { signingKey: 's'.repeat(40), triggerToken: 't'.repeat(40) } } }),
      table: {} as AppDeps['table'], // refused before any read: an unsigned request
      clock: () => 1_700_000_000_000,
      logger: createLogger({ name: 'test', level: 'silent' }),
      planner: () => { throw new Error('not reached'); },
      newId: () => 'id-1',
      bodyLimits: bodyLimits({ heapLimitBytes: 1024 ** 3 }),
      metrics: (line) => lines.push(line),
    };
    const app = createApp(deps);
    const response = await app.request('/v1/reconcile', { method: 'POST', body: '{}' });
    expect(response.status).toBeGreaterThanOrEqual(400);
    expect(lines).toHaveLength(1);
    expect(assertEmf(lines[0]!)).toMatchObject({ Cluster: 'unknown', Reconciles: 1, Refusals: 1 });
    await app.request('/healthz');
    expect(lines).toHaveLength(1);
  });
});

describe('CloudWatch alarms in serverless.yml', () => {
  it('watch metrics these lines publish without dimensions, each with a runbook', async () => {
    const { readFileSync, existsSync } = await import('node:fs');
    const { join } = await import('node:path');
    const { parse } = await import('yaml');
    const root = join(import.meta.dirname, '..');
    const resources = (parse(readFileSync(join(root, 'serverless.yml'), 'utf8')) as { resources: { Resources: Record<string, { Type: string; Properties: Record<string, unknown> }> } }).resources.Resources;
    const alarms = Object.values(resources).filter((r) => r.Type === 'AWS::CloudWatch::Alarm').map((r) => r.Properties);
    expect(alarms.length).toBe(4);
    const published = new Set<string>();
    const plan = { commands: [], decisions: [] } as unknown as PlanMessage;
    for (const line of [...reconcileMetricLines({ nowMs: 1, cluster: 'c', status: 200, durationMs: 1, refused: undefined, plan }), ...housekeepingMetricLines(1, [{ clusterId: 'c', forwarder: 'ok', staleOperations: [] }])]) {
      const directive = (JSON.parse(line) as { _aws: { CloudWatchMetrics: Array<{ Dimensions: string[][]; Metrics: Array<{ Name: string }> }> } })._aws.CloudWatchMetrics[0]!;
      if (directive.Dimensions.some((d) => d.length === 0)) for (const m of directive.Metrics) published.add(m.Name);
    }
    for (const alarm of alarms) {
      expect(alarm.Namespace).toBe(METRIC_NAMESPACE);
      expect(alarm.Dimensions).toBeUndefined();
      expect({ metric: alarm.MetricName, published: published.has(alarm.MetricName as string) }).toEqual({ metric: alarm.MetricName, published: true });
      const runbook = /docs\/runbooks\/([\w-]+\.md)/.exec(alarm.AlarmDescription as string)?.[1];
      expect(runbook && existsSync(join(root, 'docs', 'runbooks', runbook)), String(alarm.AlarmName)).toBe(true);
    }
  });
});

describe('disruption metrics (issue 17)', () => {
  it('counts consolidation moves, nodes replaced, drift, the planned saving and blocked candidates', () => {
    const plan = { commands: [], decisions: [
      { kind: 'replace-node', reason: 'consolidation', target: 'nodes a,b', message: '', details: { method: 'multi-node', replacedNodes: 2, monthlySaving: 105 } },
      { kind: 'replace-node', reason: 'consolidation', target: 'node c', message: '', details: { method: 'single-node', replacedNodes: 1, monthlySaving: 40 } },
      { kind: 'replace-node', reason: 'drifted', target: 'node d', message: '', details: { method: 'drift', replacedNodes: 1, monthlySaving: -5 } },
      { kind: 'scale-down', reason: 'underused', target: 'node e', message: '', details: { monthlySaving: 20 } },
      { kind: 'keep-node', reason: 'pods-do-not-fit', target: 'node f', message: '', details: { consolidation: 'node-too-young' } },
      { kind: 'keep-node', reason: 'disruption-budget', target: 'node g', message: '', details: { drift: 'launch-template' } },
      { kind: 'keep-node', reason: 'not-underused', target: 'node h', message: '' },
    ] } as unknown as PlanMessage;
    const lines = reconcileMetricLines({ nowMs: 5, cluster: 'c1', status: 200, durationMs: 1, refused: undefined, plan }).map(assertEmf);
    const main = lines.find((l) => 'ConsolidationMoves' in l && !('Method' in l));
    expect(main).toMatchObject({ Cluster: 'c1', ConsolidationMoves: 2, NodesReplaced: 4, DriftDisruptions: 1, PlannedMonthlySaving: 160, ConsolidationBlocked: 2 });
    expect(lines.filter((l) => 'Method' in l).map((l) => [l.Method, l.ConsolidationMoves])).toEqual([['multi-node', 1], ['single-node', 1]]);
    expect(lines.filter((l) => 'BlockedReason' in l).map((l) => [l.BlockedReason, l.ConsolidationBlocked])).toEqual([['disruption-budget', 1], ['node-too-young', 1]]);
  });

  it('writes nothing for a plan without consolidation or drift', () => {
    const plan = { commands: [], decisions: [{ kind: 'scale-up', reason: 'pending', target: 'ng x', message: '' }] } as unknown as PlanMessage;
    expect(disruptionMetricLines(5, 'c1', plan)).toEqual([]);
  });
});
