import type { Command, Decision, PlanMessage } from '../shared/plan-message.ts';
import type { Snapshot } from '../shared/snapshot.ts';

// The audit trail: every command and every decision of a committed plan, logged exactly once, one
// JSON line each (fields documented in docs/audit-trail.md). Logged only after the plan's state was
// persisted — a plan that failed to persist was never sent and leaves no audit line — and never
// again when a retried request is answered with the same plan.

/** The part of a pino-style logger the audit trail needs. */
export interface AuditSink {
  info(fields: object, message?: string): void;
}

export const AUDIT_MESSAGE = 'audit';

type Scalar = string | number | boolean | null;

export interface AuditContext {
  snapshot: Snapshot;
  /** Items written by the commit; for correlating with the table. */
  itemsWritten?: number;
}

/**
 * One line of the trail as written (docs/audit-trail.md). Readers of the log (the e2e tests, the
 * demo) parse lines of this type; `time` is the logger's.
 */
export interface AuditLine extends AuditFields {
  audit: true;
  time?: number;
  cluster: string;
  planId: string;
  fencingToken: number;
  forwarderId: string;
  snapshotTakenAtMs: number;
  dryRun: boolean;
  type: 'command' | 'decision';
  /** A launch's monthly price, from the snapshot's offerings. */
  priceMonthly?: number;
}

export function auditPlan(sink: AuditSink, message: PlanMessage, context: AuditContext): number {
  const common = {
    audit: true as const,
    cluster: message.clusterId,
    planId: message.planId,
    fencingToken: message.fencingToken,
    forwarderId: context.snapshot.forwarder.id,
    snapshotTakenAtMs: context.snapshot.takenAtMs,
    dryRun: context.snapshot.forwarder.dryRun,
  };
  for (const command of message.commands) {
    // A launch's monthly price (from the snapshot's offerings), so the trail answers what VMs cost.
    const price = command.kind === 'createVm' ? context.snapshot.offerings.find((o) => o.identifier === command.offeringId)?.priceMonthly : undefined;
    sink.info({ ...common, type: 'command', ...auditFieldsOf(command), ...(price !== undefined ? { priceMonthly: price } : {}) } satisfies AuditLine, AUDIT_MESSAGE);
  }
  for (const decision of message.decisions) {
    sink.info({ ...common, type: 'decision', ...describeDecision(decision) } satisfies AuditLine, AUDIT_MESSAGE);
  }
  return message.commands.length + message.decisions.length;
}

interface AuditFields {
  kind: string;
  commandId?: string;
  target: string;
  nodeGroup?: string;
  reason: string;
  message: string;
  operationId?: string;
  inputs: Record<string, Scalar>;
}

export function auditFieldsOf(command: Command): AuditFields {
  const base = {
    kind: command.kind,
    commandId: command.id,
    reason: command.reason,
    message: command.message,
    ...(command.operationId ? { operationId: command.operationId } : {}),
  };
  const group = (ref: { namespace: string; name: string } | undefined) => (ref ? { nodeGroup: `${ref.namespace}/${ref.name}` } : {});
  switch (command.kind) {
    case 'createVm':
      return { ...base, ...group(command.nodeGroup), target: `vm ${command.hostname}`, inputs: { hostname: command.hostname, offeringId: command.offeringId, datacenterID: command.datacenterID, osImageID: command.osImageID } };
    case 'deleteVm':
      return { ...base, ...group(command.nodeGroup), target: `vm ${command.hostname}`, inputs: { hostname: command.hostname, vmIdentifier: command.vmIdentifier ?? null } };
    case 'taintNode':
    case 'untaintNode':
    case 'deleteNode':
      return { ...base, ...group(command.nodeGroup), target: `node ${command.node}`, inputs: { node: command.node } };
    case 'releaseNode':
      return { ...base, ...group(command.nodeGroup), target: `node ${command.node}`, inputs: { node: command.node, pods: command.pods.length } };
    case 'evictPod':
      return { ...base, ...group(command.nodeGroup), target: `pod ${command.namespace}/${command.pod}`, inputs: { node: command.node, pod: `${command.namespace}/${command.pod}` } };
    case 'updateNodeGroupStatus':
      return { ...base, ...group(command.nodeGroup), target: `ng ${command.nodeGroup.namespace}/${command.nodeGroup.name}`, inputs: { currentNodes: command.status.currentNodes, desiredNodes: command.status.desiredNodes, readyNodes: command.status.readyNodes } };
    case 'updateClusterStatus':
      return { ...base, target: 'cluster', inputs: { health: command.status.health, unschedulablePods: command.status.pendingPods.unschedulable } };
    case 'emitEvent': {
      const involved = command.involved;
      return { ...base, target: `${involved.kind.toLowerCase()} ${involved.namespace ? `${involved.namespace}/` : ''}${involved.name}`, inputs: { eventReason: command.eventReason, eventType: command.type } };
    }
  }
}

export function describeDecision(decision: Decision): AuditFields {
  return {
    kind: decision.kind,
    target: decision.target,
    ...(decision.nodeGroup ? { nodeGroup: decision.nodeGroup } : {}),
    reason: decision.reason,
    message: decision.message,
    inputs: decision.details ?? {},
  };
}
