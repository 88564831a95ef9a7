import { readFileSync, statSync } from 'node:fs';
import { stringify } from 'yaml';
import { DEMAND_TYPE, demandLineSchema, type DemandLine, type DemandShape } from '../../functions/audit-demand.ts';
import { AUDIT_MESSAGE } from '../../functions/audit.ts';
import { formatIssues } from '../../shared/nodegroup.ts';
import { SimulateInputError } from './input-error.ts';
import { parseTrace, TRACE_LIMITS, type Trace } from './trace.ts';

// `simulate --from-audit <log>`: a recorded day as a trace. The functions log one demand line per
// committed plan (functions/audit-demand.ts): the pods it answered by pod template, running and
// pending. Each template becomes a workload whose replicas (running + pending) follow the log; its
// NodeGroups are those of the last demand line (--cluster overrides them). Other lines of the log
// (commands, decisions, requests, anything not JSON-with-msg) are skipped; a demand line that does
// not parse is an error naming its line. Replicas are kept on the trace's step grid (the largest
// count seen in each step) and only where they change, so a day fits the trace's bounds.

export interface AuditTrace { trace: Trace; yaml: string; lines: number; cluster: string; startMs: number }

const MAX_LOG_BYTES = 512 * 1024 * 1024;

function demandLines(text: string, source: string): { line: DemandLine; lineNo: number }[] {
  const out: { line: DemandLine; lineNo: number }[] = [];
  const rows = text.split('\n');
  for (let i = 0; i < rows.length; i++) {
    const row = rows[i]!.trim();
    if (row === '') continue;
    let value: unknown;
    try {
      value = JSON.parse(row);
    } catch {
      throw new SimulateInputError(`${source} line ${i + 1}: not a JSON log line (the functions' log, one JSON object a line)`);
    }
    const fields = value as Record<string, unknown> | null;
    if (typeof fields !== 'object' || fields === null || Array.isArray(fields)) throw new SimulateInputError(`${source} line ${i + 1}: not a JSON object`);
    if (fields.msg !== AUDIT_MESSAGE || fields.type !== DEMAND_TYPE) continue;
    const parsed = demandLineSchema.safeParse(fields);
    if (!parsed.success) throw new SimulateInputError(`${source} line ${i + 1}: not a valid demand line: ${formatIssues(parsed.error).slice(0, 3).join('; ')}`);
    out.push({ line: parsed.data, lineNo: i + 1 });
  }
  return out;
}

/** A DNS label from an owner or pod name: a ReplicaSet's pod-template-hash suffix is dropped (its Deployment's name). */
function workloadName(shape: DemandShape): string {
  const [kind, name] = shape.owner ? [shape.owner.slice(0, shape.owner.indexOf('/')), shape.owner.slice(shape.owner.indexOf('/') + 1)] : ['Pod', shape.pod ?? 'pod'];
  const base = kind === 'ReplicaSet' ? name.replace(/-[a-z0-9]{5,10}$/, '') : name;
  return base.toLowerCase().replace(/[^a-z0-9-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 55) || 'workload';
}

/**
 * The count at each line, kept only where it changes (the last point before and the first after a
 * change, so a step stays a step); when that is more points than a trace takes, the largest count
 * of each step-long bucket instead (a busy day read on a coarser grid, never below what ran).
 */
function replicaPoints(offsetsMs: readonly number[], counts: readonly number[], stepMs: number): [string, number][] {
  const at = (ms: number) => `${Math.round(ms / 1000)}s`;
  let times = [...offsetsMs];
  let values = [...counts];
  const keep = (i: number) => i === 0 || i === values.length - 1 || values[i] !== values[i - 1] || values[i] !== values[i + 1];
  let kept = values.map((_, i) => i).filter(keep);
  for (let bucketMs = stepMs; kept.length > TRACE_LIMITS.points; bucketMs *= 2) {
    const buckets = new Map<number, number>();
    offsetsMs.forEach((t, i) => { const b = Math.floor(t / bucketMs); buckets.set(b, Math.max(buckets.get(b) ?? 0, counts[i]!)); });
    times = [...buckets.keys()].map((b) => b * bucketMs);
    values = [...buckets.values()];
    kept = values.map((_, i) => i).filter(keep);
  }
  // Two lines in the same second: the later one wins (a trace's times must increase).
  const points: [string, number][] = [];
  for (const i of kept) {
    const time = at(times[i]!);
    if (points.length > 0 && points[points.length - 1]![0] === time) points[points.length - 1]![1] = values[i]!;
    else points.push([time, values[i]!]);
  }
  return points;
}

const shapeKey = (s: DemandShape) => JSON.stringify([s.namespace, s.owner, s.pod ?? null, s.cpuMillis, s.memoryBytes, s.nodeSelector, s.tolerations]);

export function traceFromAudit(text: string, source: string, options: { stepSeconds?: number } = {}): AuditTrace {
  const lines = demandLines(text, source);
  if (lines.length === 0) throw new SimulateInputError(`${source}: no demand lines (msg "audit", type "demand"); the functions log one per plan since simulate --from-audit exists — is this the functions' log?`);
  const clusters = new Set(lines.map((l) => l.line.cluster));
  if (clusters.size > 1) throw new SimulateInputError(`${source}: demand lines of ${clusters.size} clusters (${[...clusters].slice(0, 3).join(', ')}); give the log of one cluster`);
  for (let i = 1; i < lines.length; i++) {
    if (lines[i]!.line.snapshotTakenAtMs < lines[i - 1]!.line.snapshotTakenAtMs) {
      throw new SimulateInputError(`${source} line ${lines[i]!.lineNo}: snapshotTakenAtMs goes back in time (log lines must be in order)`);
    }
  }
  const startMs = lines[0]!.line.snapshotTakenAtMs;
  const spanMs = lines[lines.length - 1]!.line.snapshotTakenAtMs - startMs;
  const durationHours = Math.max(1, Math.ceil(spanMs / 3600_000));
  if (durationHours > TRACE_LIMITS.maxHours) throw new SimulateInputError(`${source}: the log spans ${durationHours} h; at most ${TRACE_LIMITS.maxHours} (cut it)`);
  const stepSeconds = options.stepSeconds ?? 60;
  // Each template's count (running + pending) at each demand line; absent from a line = none then.
  const series = new Map<string, { shape: DemandShape; counts: number[] }>();
  lines.forEach(({ line }, i) => {
    for (const shape of line.shapes) {
      const key = shapeKey(shape);
      let entry = series.get(key);
      if (!entry) {
        entry = { shape, counts: new Array<number>(lines.length).fill(0) };
        series.set(key, entry);
      }
      entry.counts[i] = shape.running + shape.pending;
    }
  });
  const offsetsMs = lines.map(({ line }) => line.snapshotTakenAtMs - startMs);
  const names = new Map<string, number>();
  const workloads = [...series.values()].map(({ shape, counts }) => {
    const base = workloadName(shape);
    const n = (names.get(`${shape.namespace}/${base}`) ?? 0) + 1;
    names.set(`${shape.namespace}/${base}`, n);
    return {
      name: n === 1 ? base : `${base}-${n}`,
      namespace: shape.namespace,
      requests: { cpu: `${shape.cpuMillis}m`, memory: `${shape.memoryBytes}` },
      replicas: replicaPoints(offsetsMs, counts, stepSeconds * 1000),
      ...(Object.keys(shape.nodeSelector).length > 0 ? { nodeSelector: shape.nodeSelector } : {}),
      ...(shape.tolerations.length > 0 ? { tolerations: shape.tolerations } : {}),
    };
  });
  const nodeGroups = lines[lines.length - 1]!.line.nodeGroups;
  const document = {
    durationHours,
    stepSeconds,
    ...(nodeGroups.length > 0 ? { nodeGroups } : {}),
    workloads,
  };
  const yaml = `# From the audit log ${source}: cluster ${[...clusters][0]}, ${lines.length} demand lines from ${new Date(startMs).toISOString()}\n${stringify(document)}`;
  return { trace: parseTrace(yaml, `${source} (as a trace)`), yaml, lines: lines.length, cluster: [...clusters][0]!, startMs };
}

export function readAuditTrace(path: string): AuditTrace {
  let text: string;
  try {
    const size = statSync(path).size;
    if (size > MAX_LOG_BYTES) throw new SimulateInputError(`--from-audit ${path}: ${size} bytes; at most ${MAX_LOG_BYTES} (cut the log to the span to replay)`);
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if (error instanceof SimulateInputError) throw error;
    throw new SimulateInputError(`cannot read --from-audit ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`, { cause: error });
  }
  return traceFromAudit(text, path);
}
