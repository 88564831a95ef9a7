import { createHash } from 'node:crypto';
import { ConflictError } from '../shared/errors.ts';
import { PLAN_VERSION, type PlanMessage } from '../shared/plan-message.ts';
import type { Snapshot } from '../shared/snapshot.ts';
import { auditPlan, type AuditSink } from './audit.ts';
import { auditDemand } from './audit-demand.ts';
import type { Clock } from './clock.ts';
import type { PlanningState, PlanResult, Policy } from './planning/types.ts';
import type { LastPlanRecord } from './state/cluster-records.ts';
import { LeaseLostError, type Lease } from './state/lease.ts';
import type { StateTable } from './state/state-table.ts';

// One reconcile (DESIGN.md "One reconcile", steps 2-6), free of HTTP: lease, load, plan, persist,
// release. The route has already verified the signature and validated the snapshot.

export type Planner = (snapshot: Snapshot, state: PlanningState, policy: Policy, nowMs: number) => PlanResult;

export interface ReconcileDeps {
  table: StateTable;
  clock: Clock;
  planner: Planner;
  policyFor(clusterId: string): Policy;
  /** A unique lease owner per request. */
  newOwnerId(): string;
  audit: AuditSink;
  /** A retried request (same body) within this long is answered with the plan already sent. */
  replayWindowMs: number;
}

export interface ReconcileInput {
  snapshot: Snapshot;
  /** sha256 of the decompressed body: identifies a retried request. The route has consumed its nonce. */
  requestSha256: string;
}

export interface ReconcileOutcome {
  message: PlanMessage;
  /** True when a retried request was answered with the plan already sent (no new plan, no new audit lines). */
  replayed: boolean;
  itemsWritten: number;
}

export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

export async function reconcile(deps: ReconcileDeps, input: ReconcileInput): Promise<ReconcileOutcome> {
  const { table, clock } = deps;
  const { snapshot } = input;
  const clusterId = snapshot.clusterId;
  // Throws LeaseHeldError (→ 409) having written nothing.
  let lease = await table.leases.acquire(clusterId, deps.newOwnerId());
  let committing = false;
  try {
    lease = await table.leases.raiseAbove(lease, snapshot.forwarder.lastFencingToken);

    const loaded = await table.clusters.load(clusterId);
    const replay = replayablePlan(loaded.lastPlan, input, clock(), deps.replayWindowMs);
    if (replay) {
      await releaseQuietly(table, lease);
      return { message: replay, replayed: true, itemsWritten: 0 };
    }

    const lastTakenAtMs = loaded.contact?.lastSnapshotTakenAtMs ?? 0;
    if (snapshot.takenAtMs < lastTakenAtMs) throw new StaleSnapshotError(clusterId, snapshot.takenAtMs, lastTakenAtMs);

    const nowMs = clock();
    const result = deps.planner(snapshot, loaded.planning, deps.policyFor(clusterId), nowMs);
    const message: PlanMessage = {
      version: PLAN_VERSION,
      clusterId,
      planId: `${clusterId}-${lease.fencingToken}`,
      fencingToken: lease.fencingToken,
      issuedAtMs: nowMs,
      commands: result.commands,
      decisions: result.decisions,
      // A pending trigger asks the forwarder to come straight back for a fresh reconcile.
      nextContactAfterMs: loaded.trigger ? nowMs : Math.max(nowMs, result.nextContactAfterMs),
    };
    const lastPlan: LastPlanRecord = {
      planId: message.planId,
      fencingToken: message.fencingToken,
      issuedAtMs: nowMs,
      forwarderId: snapshot.forwarder.id,
      requestSha256: input.requestSha256,
      commandCount: message.commands.length,
      decisions: message.decisions,
      message,
    };
    // IMPORTANT: commit throws (LeaseLostError, ConditionFailedError) when a newer lease wrote first;
    // then this plan must not be sent — the caller answers 409 and the forwarder reconciles again.
    committing = true;
    const { itemsWritten } = await table.clusters.commit({
      lease,
      loaded,
      next: result.state,
      lastPlan,
      contact: {
        lastContactMs: nowMs,
        forwarderId: snapshot.forwarder.id,
        forwarderVersion: snapshot.forwarder.version,
        nextContactAfterMs: message.nextContactAfterMs,
        lastPlanId: message.planId,
        lastSnapshotTakenAtMs: snapshot.takenAtMs,
      },
    });
    if (loaded.trigger) await table.triggers.consume(clusterId, loaded.trigger);
    await releaseQuietly(table, lease);
    auditPlan(deps.audit, message, { snapshot, itemsWritten });
    auditDemand(deps.audit, message, snapshot);
    return { message, replayed: false, itemsWritten };
  } catch (error) {
    if (!committing || error instanceof LeaseLostError) {
      // Nothing but the lease (and the nonce, consumed on purpose) was written: undo the lease, so a
      // refused or failed reconcile leaves the state as it found it (conditional on the token still being ours).
      await table.leases.rollback(lease).catch(() => false);
    } else {
      await releaseQuietly(table, lease);
    }
    throw error;
  }
}

/**
 * The snapshot is older than the one the last plan was made from (a delayed request, or a former
 * leader still sending): deciding from it could undo what a newer picture showed → 409, nothing written.
 */
export class StaleSnapshotError extends ConflictError {
  override name = 'StaleSnapshotError';
  constructor(readonly clusterId: string, readonly takenAtMs: number, readonly lastTakenAtMs: number) {
    super(`the snapshot of cluster ${clusterId} taken at ${new Date(takenAtMs).toISOString()} is older than the last one planned from (${new Date(lastTakenAtMs).toISOString()})`);
  }
}

/** A release that fails (lost lease, network) is harmless: the lease runs out by itself. */
async function releaseQuietly(table: StateTable, lease: Lease): Promise<void> {
  await table.leases.release(lease).catch(() => false);
}

/** The plan already sent for exactly this request body, if it is recent and complete. */
function replayablePlan(last: LastPlanRecord | undefined, input: ReconcileInput, nowMs: number, windowMs: number): PlanMessage | undefined {
  if (!last?.message || last.requestSha256 !== input.requestSha256) return undefined;
  if (last.forwarderId !== input.snapshot.forwarder.id || nowMs - last.issuedAtMs > windowMs) return undefined;
  return last.message;
}
