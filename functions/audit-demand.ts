import { z } from 'zod';
import { MIRROR_POD_ANNOTATION } from '../shared/labels.ts';
import type { PlanMessage } from '../shared/plan-message.ts';
import { tolerationSchema, type Snapshot } from '../shared/snapshot.ts';
import { AUDIT_MESSAGE, type AuditSink } from './audit.ts';

// The audit trail's demand line (docs/audit-trail.md): once per committed plan, the pods the plan was
// made for, counted by pod template (the snapshot's pod shapes) and namespace — running (bound to a
// node) and pending — with the NodeGroups' specs as written. The decision and command lines say what
// the planner did; this line says what it answered, so a recorded day can be replayed
// (`vpsie-autoscaler simulate --from-audit`). DaemonSet and mirror pods, terminating and finished
// pods are left out: they are not what the autoscaler provisions for.

export const DEMAND_TYPE = 'demand';

/**
 * At most this many shapes per line: a log event stays far below CloudWatch Logs' event size limit
 * (a shape is ~250 bytes: ~125 KB) whatever the cluster holds. Over it, the shapes with the fewest
 * pods are left out and counted in `omitted`, so a replay says what it lacks.
 */
export const MAX_DEMAND_SHAPES = 500;

const count = z.number().int().min(0);

export const demandShapeSchema = z.strictObject({
  namespace: z.string().min(1),
  /** The controlling owner, `<Kind>/<name>` (e.g. `ReplicaSet/web-5d8f9c7b6`), or null for a bare pod. */
  owner: z.string().min(1).nullable(),
  /** Bare pods (owner null) of one template and namespace are one shape; this is the first one's name. */
  pod: z.string().min(1).optional(),
  cpuMillis: count,
  memoryBytes: count,
  nodeSelector: z.record(z.string(), z.string()),
  tolerations: z.array(tolerationSchema),
  running: count,
  pending: count,
});
export type DemandShape = z.infer<typeof demandShapeSchema>;

/** What --from-audit reads of a demand line; the common audit fields are checked where it needs them. */
export const demandLineSchema = z.object({
  msg: z.literal(AUDIT_MESSAGE),
  audit: z.literal(true),
  type: z.literal(DEMAND_TYPE),
  cluster: z.string().min(1),
  planId: z.string().min(1),
  snapshotTakenAtMs: count,
  shapes: z.array(demandShapeSchema).max(20_000),
  /** Shapes left out of the line by MAX_DEMAND_SHAPES, and their pods. */
  omitted: z.strictObject({ shapes: count, pods: count }).optional(),
  nodeGroups: z.array(z.strictObject({ namespace: z.string().min(1), name: z.string().min(1), spec: z.record(z.string(), z.unknown()) })).max(100),
});
export type DemandLine = z.infer<typeof demandLineSchema>;

export interface DemandShapes {
  shapes: DemandShape[];
  omitted: { shapes: number; pods: number };
}

export function demandShapes(snapshot: Snapshot, maxShapes = MAX_DEMAND_SHAPES): DemandShapes {
  const byKey = new Map<string, DemandShape>();
  for (const pod of snapshot.pods) {
    const shape = snapshot.podShapes[pod.shape];
    if (!shape || pod.terminating || pod.phase === 'Succeeded' || pod.phase === 'Failed') continue;
    if (shape.owner?.kind === 'DaemonSet' || shape.annotations[MIRROR_POD_ANNOTATION] !== undefined) continue;
    const owner = shape.owner ? `${shape.owner.kind}/${shape.owner.name}` : null;
    const key = `${pod.namespace}\u0000${pod.shape}\u0000${owner ?? ''}`;
    let entry = byKey.get(key);
    if (!entry) {
      entry = {
        namespace: pod.namespace,
        owner,
        ...(owner === null ? { pod: pod.name } : {}),
        cpuMillis: shape.requests.cpuMillis,
        memoryBytes: shape.requests.memoryBytes,
        nodeSelector: shape.nodeSelector,
        tolerations: shape.tolerations,
        running: 0,
        pending: 0,
      };
      byKey.set(key, entry);
    }
    if (pod.nodeName !== undefined) entry.running++;
    else entry.pending++;
  }
  const all = [...byKey.values()];
  if (all.length <= maxShapes) return { shapes: all, omitted: { shapes: 0, pods: 0 } };
  // Keep the shapes with the most pods (ties: first seen), in the order they were seen.
  const podsOf = (s: DemandShape): number => s.running + s.pending;
  const kept = new Set(all.map((s, i) => ({ s, i })).sort((a, b) => podsOf(b.s) - podsOf(a.s) || a.i - b.i).slice(0, maxShapes).map(({ s }) => s));
  const left = all.filter((s) => !kept.has(s));
  return { shapes: all.filter((s) => kept.has(s)), omitted: { shapes: left.length, pods: left.reduce((sum, s) => sum + podsOf(s), 0) } };
}

/** Logs the demand line of a committed plan (reconcile.ts, beside auditPlan). */
export function auditDemand(sink: AuditSink, message: Pick<PlanMessage, 'clusterId' | 'planId' | 'fencingToken'>, snapshot: Snapshot): void {
  const { shapes, omitted } = demandShapes(snapshot);
  sink.info({
    audit: true,
    type: DEMAND_TYPE,
    cluster: message.clusterId,
    planId: message.planId,
    fencingToken: message.fencingToken,
    forwarderId: snapshot.forwarder.id,
    snapshotTakenAtMs: snapshot.takenAtMs,
    dryRun: snapshot.forwarder.dryRun,
    shapes,
    ...(omitted.shapes > 0 ? { omitted } : {}),
    nodeGroups: snapshot.nodeGroups.map((g) => ({ namespace: g.namespace, name: g.name, spec: isRecord(g.spec) ? g.spec : {} })),
  }, AUDIT_MESSAGE);
}

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
