import type { PlanMessage } from '../shared/plan-message.ts';

// The functions' own metrics as CloudWatch embedded metric format (EMF): one JSON log line per
// observation, which CloudWatch Logs turns into metrics in namespace VpsieAutoscaler without an API
// call or an agent (Lambda's stdout goes to the log group). The shape is small and documented
// (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Specification.html),
// so it is written by hand rather than through a library. Alarms on these metrics: serverless.yml.

export const METRIC_NAMESPACE = 'VpsieAutoscaler';

/** Where a metric line goes: Lambda's stdout (compose.ts), or a test's array. */
export type MetricWriter = (line: string) => void;

export const stdoutMetricWriter: MetricWriter = (line) => {
  process.stdout.write(`${line}\n`);
};

type Unit = 'Milliseconds' | 'Count' | 'None';
interface Metric {
  name: string;
  value: number;
  unit: Unit;
}

/**
 * One EMF document: the metrics under one set of dimensions (values as top-level members); with
 * `aggregate`, also without dimensions (the account-wide series serverless.yml's alarms watch).
 */
export function emfLine(nowMs: number, dimensions: Record<string, string>, metrics: Metric[], aggregate = false): string {
  const doc: Record<string, unknown> = {
    _aws: {
      Timestamp: nowMs,
      CloudWatchMetrics: [{ Namespace: METRIC_NAMESPACE, Dimensions: aggregate ? [Object.keys(dimensions), []] : [Object.keys(dimensions)], Metrics: metrics.map((m) => ({ Name: m.name, Unit: m.unit })) }],
    },
  };
  for (const [key, value] of Object.entries(dimensions)) doc[key] = value;
  for (const m of metrics) doc[m.name] = m.value;
  return JSON.stringify(doc);
}

export interface ReconcileObservation {
  nowMs: number;
  /** Unknown when the request was refused before its signature named a cluster. */
  cluster: string | undefined;
  status: number;
  durationMs: number;
  /** The error code of a refused request (body.error: lease-held, stale-snapshot, ...). */
  refused: string | undefined;
  plan: PlanMessage | undefined;
}

/**
 * One reconcile request: its duration and outcome per cluster (Reconciles, ReconcileErrors for 5xx,
 * LeaseConflicts for 409 lease-held, Refusals for other 4xx), and per decision kind the decisions of
 * its plan (Decisions, dimensions Cluster + DecisionKind).
 */
export function reconcileMetricLines(o: ReconcileObservation): string[] {
  const cluster = o.cluster ?? 'unknown';
  const lines = [
    emfLine(o.nowMs, { Cluster: cluster }, [
      { name: 'ReconcileDuration', value: o.durationMs, unit: 'Milliseconds' },
      { name: 'Reconciles', value: 1, unit: 'Count' },
      { name: 'ReconcileErrors', value: o.status >= 500 ? 1 : 0, unit: 'Count' },
      { name: 'LeaseConflicts', value: o.refused === 'lease-held' ? 1 : 0, unit: 'Count' },
      { name: 'Refusals', value: o.status >= 400 && o.status < 500 && o.refused !== 'lease-held' ? 1 : 0, unit: 'Count' },
      { name: 'Commands', value: o.plan?.commands.length ?? 0, unit: 'Count' },
    ], true),
  ];
  const byKind = new Map<string, number>();
  for (const d of o.plan?.decisions ?? []) byKind.set(d.kind, (byKind.get(d.kind) ?? 0) + 1);
  for (const [kind, count] of [...byKind].sort()) lines.push(emfLine(o.nowMs, { Cluster: cluster, DecisionKind: kind }, [{ name: 'Decisions', value: count, unit: 'Count' }]));
  lines.push(...disruptionMetricLines(o.nowMs, cluster, o.plan));
  return lines;
}

/**
 * Consolidation and drift in one plan (docs/consolidation.md), only when the plan has any:
 * ConsolidationMoves (replacements by a cheaper fleet; also per Method: single-node, multi-node),
 * NodesReplaced (old nodes those moves and drift replace), DriftDisruptions (drifted nodes replaced
 * or removed), PlannedMonthlySaving (sum of the saving of every removal and replacement decided;
 * a drift replacement may count negative), and ConsolidationBlocked (nodes a consolidation or drift
 * would have moved, kept by a rule; also per BlockedReason: disruption-budget, pdb, node-too-young…).
 */
export function disruptionMetricLines(nowMs: number, cluster: string, plan: PlanMessage | undefined): string[] {
  let moves = 0;
  let replaced = 0;
  let drift = 0;
  let saving = 0;
  let blocked = 0;
  const byMethod = new Map<string, number>();
  const byBlock = new Map<string, number>();
  for (const d of plan?.decisions ?? []) {
    const details = d.details ?? {};
    if (d.kind === 'replace-node' && (d.reason === 'consolidation' || d.reason === 'drifted')) {
      replaced += typeof details.replacedNodes === 'number' ? details.replacedNodes : 1;
      if (d.reason === 'drifted') drift += 1;
      else {
        moves += 1;
        const method = String(details.method ?? 'single-node');
        byMethod.set(method, (byMethod.get(method) ?? 0) + 1);
      }
    }
    if (d.kind === 'scale-down' && d.reason === 'drifted') drift += 1;
    if ((d.kind === 'replace-node' || d.kind === 'scale-down') && typeof details.monthlySaving === 'number') saving += details.monthlySaving;
    if (d.kind === 'keep-node' && (typeof details.consolidation === 'string' || typeof details.drift === 'string')) {
      blocked += 1;
      const why = typeof details.consolidation === 'string' && details.consolidation !== 'given-up' ? details.consolidation : d.reason;
      byBlock.set(why, (byBlock.get(why) ?? 0) + 1);
    }
  }
  if (moves + replaced + drift + blocked === 0 && saving === 0) return [];
  const lines = [emfLine(nowMs, { Cluster: cluster }, [
    { name: 'ConsolidationMoves', value: moves, unit: 'Count' },
    { name: 'NodesReplaced', value: replaced, unit: 'Count' },
    { name: 'DriftDisruptions', value: drift, unit: 'Count' },
    { name: 'PlannedMonthlySaving', value: Math.round(saving * 100) / 100, unit: 'None' },
    { name: 'ConsolidationBlocked', value: blocked, unit: 'Count' },
  ])];
  for (const [method, count] of [...byMethod].sort()) lines.push(emfLine(nowMs, { Cluster: cluster, Method: method }, [{ name: 'ConsolidationMoves', value: count, unit: 'Count' }]));
  for (const [reason, count] of [...byBlock].sort()) lines.push(emfLine(nowMs, { Cluster: cluster, BlockedReason: reason }, [{ name: 'ConsolidationBlocked', value: count, unit: 'Count' }]));
  return lines;
}

/** What the scheduled housekeeping found per cluster: a forwarder silent, operations past their deadline. */
export function housekeepingMetricLines(nowMs: number, report: Array<{ clusterId: string; forwarder: 'ok' | 'silent' | 'never-contacted'; staleOperations: string[] }>): string[] {
  return report.map((r) => emfLine(nowMs, { Cluster: r.clusterId }, [
    { name: 'ForwarderSilent', value: r.forwarder === 'ok' ? 0 : 1, unit: 'Count' },
    { name: 'StaleOperations', value: r.staleOperations.length, unit: 'Count' },
  ], true));
}
