import { readFileSync, statSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { formatIssues, labelKeyProblem, labelValueProblem } from '../../shared/nodegroup.ts';
import { isQuantity, parseBytes, parseCpuMillis } from '../../shared/quantity.ts';
import { tolerationSchema } from '../../shared/snapshot.ts';
import { formatTraceTime, parseTraceTimeMs } from './durations.ts';
import { SimulateInputError } from './input-error.ts';

// The trace: a day (or any span) of workload for `vpsie-autoscaler simulate`. Documented in
// docs/simulate.md; examples in examples/traces/. Validated with zod; every problem names its field.
// Bounds keep memory bounded whatever the file says.

export const TRACE_LIMITS = {
  fileBytes: 2 * 1024 * 1024,
  maxHours: 7 * 24,
  minStepSeconds: 10,
  maxSteps: 50_000,
  workloads: 200,
  points: 2_000,
  replicas: 5_000,
  totalReplicas: 20_000,
  nodeGroups: 20,
} as const;

const seconds = z.number().int('must be a whole number of seconds').min(0, 'must not be negative').max(24 * 3600, 'must be at most a day');
/** A fixed delay, or a range drawn from (deterministic for a seed). */
const delay = z.union([seconds, z.strictObject({ min: seconds, max: seconds }).refine((r) => r.min <= r.max, { message: 'min must not exceed max' })]);

const time = z.union([z.string(), z.number()]).transform((value, ctx) => {
  const ms = parseTraceTimeMs(value);
  if (ms === undefined) {
    ctx.addIssue({ code: 'custom', message: `"${value}" is not a time (e.g. 0h, 7h30m, 90m, 45s)` });
    return z.NEVER;
  }
  return ms;
});

const quantity = (what: 'cpu' | 'memory') => z.union([z.string(), z.number()]).transform((value, ctx) => {
  const text = String(value);
  if (!isQuantity(text)) {
    ctx.addIssue({ code: 'custom', message: `"${text}" is not a Kubernetes quantity (e.g. ${what === 'cpu' ? '250m, 1' : '512Mi, 2Gi'})` });
    return z.NEVER;
  }
  return what === 'cpu' ? parseCpuMillis(text) : parseBytes(text);
});

const labels = z.record(z.string(), z.string()).superRefine((map, ctx) => {
  for (const [key, value] of Object.entries(map)) {
    const problem = labelKeyProblem(key) ?? labelValueProblem(value);
    if (problem) ctx.addIssue({ code: 'custom', path: [key], message: problem });
  }
});

const dnsLabel = z.string().regex(/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/, 'lowercase letters, digits and dashes (a DNS label)');

const workloadSchema = z.strictObject({
  name: dnsLabel,
  namespace: dnsLabel.default('default'),
  requests: z.strictObject({ cpu: quantity('cpu'), memory: quantity('memory') }),
  /** [[time, count], …]: piecewise linear between points, constant before the first and after the last. */
  replicas: z.array(z.tuple([time, z.number().int('must be a whole number').min(0).max(TRACE_LIMITS.replicas)]))
    .min(1, 'needs at least one [time, count] point').max(TRACE_LIMITS.points),
  labels: labels.default({}),
  nodeSelector: labels.default({}),
  tolerations: z.array(tolerationSchema).max(50).default([]),
  pdb: z.strictObject({ maxUnavailable: z.number().int().min(0) }).optional(),
}).superRefine((w, ctx) => {
  for (let i = 1; i < w.replicas.length; i++) {
    if (w.replicas[i]![0] <= w.replicas[i - 1]![0]) ctx.addIssue({ code: 'custom', path: ['replicas', i, 0], message: `times must increase (${formatTraceTime(w.replicas[i]![0])} after ${formatTraceTime(w.replicas[i - 1]![0])})` });
  }
});

const nodeGroupSchema = z.strictObject({
  name: dnsLabel,
  namespace: dnsLabel.default('default'),
  /** A NodeGroup spec (shared/nodegroup.ts), validated by the planner's own parser later. */
  spec: z.record(z.string(), z.unknown()),
});

export const traceSchema = z.strictObject({
  durationHours: z.number().positive('must be positive').max(TRACE_LIMITS.maxHours, `must be at most ${TRACE_LIMITS.maxHours}`),
  stepSeconds: z.number().int().min(TRACE_LIMITS.minStepSeconds, `must be at least ${TRACE_LIMITS.minStepSeconds}`).max(3600).default(60),
  seed: z.number().int().optional(),
  provisioning: z.strictObject({ launchSeconds: delay.optional(), joinSeconds: delay.optional() }).prefault({}),
  nodeGroups: z.array(nodeGroupSchema).max(TRACE_LIMITS.nodeGroups).optional(),
  workloads: z.array(workloadSchema).min(1, 'needs at least one workload').max(TRACE_LIMITS.workloads),
}).superRefine((trace, ctx) => {
  const steps = (trace.durationHours * 3600) / trace.stepSeconds;
  if (steps > TRACE_LIMITS.maxSteps) ctx.addIssue({ code: 'custom', path: ['stepSeconds'], message: `${Math.ceil(steps)} steps; at most ${TRACE_LIMITS.maxSteps} (raise stepSeconds)` });
  const names = new Set<string>();
  trace.workloads.forEach((w, i) => {
    const key = `${w.namespace}/${w.name}`;
    if (names.has(key)) ctx.addIssue({ code: 'custom', path: ['workloads', i, 'name'], message: `workload ${key} is listed twice` });
    names.add(key);
  });
  const peak = trace.workloads.reduce((sum, w) => sum + Math.max(...w.replicas.map(([, n]) => n)), 0);
  if (peak > TRACE_LIMITS.totalReplicas) ctx.addIssue({ code: 'custom', path: ['workloads'], message: `${peak} replicas at the workloads' peaks; at most ${TRACE_LIMITS.totalReplicas}` });
});

export type Trace = z.output<typeof traceSchema>;
export type TraceWorkload = Trace['workloads'][number];
export type TraceNodeGroup = NonNullable<Trace['nodeGroups']>[number];
export type Delay = number | { min: number; max: number };

/** PRD defaults: a VM up to 5 minutes to provision, up to 2 more to join as a Ready node. */
export const DEFAULT_PROVISIONING: { launchSeconds: Delay; joinSeconds: Delay } = {
  launchSeconds: { min: 60, max: 300 },
  joinSeconds: { min: 30, max: 120 },
};

export function parseTrace(text: string, source: string): Trace {
  let raw: unknown;
  try {
    raw = parseYaml(text, { maxAliasCount: 100 });
  } catch (error) {
    throw new SimulateInputError(`${source}: invalid YAML: ${(error as Error).message.split('\n')[0]}`, { cause: error });
  }
  const parsed = traceSchema.safeParse(raw);
  if (!parsed.success) {
    const problems = formatIssues(parsed.error);
    throw new SimulateInputError(`${source}: not a valid trace: ${problems.slice(0, 5).join('; ')}${problems.length > 5 ? `; and ${problems.length - 5} more` : ''}`, { cause: parsed.error });
  }
  return parsed.data;
}

export function readTrace(path: string): Trace {
  let text: string;
  try {
    const size = statSync(path).size;
    if (size > TRACE_LIMITS.fileBytes) throw new SimulateInputError(`--trace ${path}: ${size} bytes; at most ${TRACE_LIMITS.fileBytes}`);
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if (error instanceof SimulateInputError) throw error;
    throw new SimulateInputError(`cannot read --trace ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`, { cause: error });
  }
  return parseTrace(text, path);
}

/** Desired replicas at `atMs`: linear between points, rounded to the nearest whole pod. */
export function replicasAt(workload: Pick<TraceWorkload, 'replicas'>, atMs: number): number {
  const points = workload.replicas;
  const first = points[0]!;
  if (atMs <= first[0]) return first[1];
  for (let i = 1; i < points.length; i++) {
    const [t1, n1] = points[i]!;
    if (atMs <= t1) {
      const [t0, n0] = points[i - 1]!;
      return Math.round(n0 + ((n1 - n0) * (atMs - t0)) / (t1 - t0));
    }
  }
  return points[points.length - 1]![1];
}

/** Every time at which some workload's count can peak (its points), within the trace. */
export function breakpointsMs(trace: Trace): number[] {
  const end = trace.durationHours * 3600_000;
  const times = new Set<number>([0, end]);
  for (const w of trace.workloads) for (const [t] of w.replicas) if (t <= end) times.add(t);
  return [...times].sort((a, b) => a - b);
}
