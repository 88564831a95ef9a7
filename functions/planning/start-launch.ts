import type { Offering } from '../../shared/snapshot.ts';
import type { PlanContext, ValidGroup } from './context.ts';
import type { ConsolidationLink, LaunchOperation } from './types.ts';

// Starting one launch, the same way for a scale-up and for a replacement: the createVm command, the
// launch operation it is tracked by (with its deadlines) and the wake-up at the launch deadline.
// What the plan says about it (decisions, provision entries, cost delta) stays with the caller.

export interface LaunchStart {
  group: ValidGroup;
  hostname: string;
  offering: Offering;
  /** The command's reason code (pending-pods, min-nodes, consolidation, drifted, …). */
  reason: string;
  message: string;
  consolidation?: ConsolidationLink;
}

export function startLaunch(ctx: PlanContext, start: LaunchStart): LaunchOperation {
  const { group, hostname, offering } = start;
  const operationId = ctx.id('launch', hostname);
  ctx.emit({
    kind: 'createVm',
    reason: start.reason,
    message: start.message,
    operationId,
    nodeGroup: { namespace: group.namespace, name: group.name },
    hostname,
    offeringId: offering.identifier,
    datacenterID: group.spec.datacenterID,
    osImageID: group.spec.osImageID,
  });
  const launch: LaunchOperation = {
    id: operationId,
    kind: 'launch',
    nodeGroup: group.key,
    hostname,
    offeringId: offering.identifier,
    status: 'launching',
    createdAtMs: ctx.nowMs,
    updatedAtMs: ctx.nowMs,
    launchDeadlineMs: ctx.nowMs + ctx.policy.launchDeadlineMs,
    registrationDeadlineMs: ctx.nowMs + ctx.policy.registrationDeadlineMs,
    ...(start.consolidation ? { consolidation: start.consolidation } : {}),
  };
  ctx.state.operations.push(launch);
  ctx.wakeAt(launch.launchDeadlineMs);
  return launch;
}
