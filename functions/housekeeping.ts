import type { Logger } from '../shared/logger.ts';
import type { Clock } from './clock.ts';
import type { FunctionsConfig } from './config.ts';
import type { Operation } from './planning/types.ts';
import type { StateTable } from './state/state-table.ts';

// The scheduled housekeeping (every few minutes). It never decides anything — deciding needs a
// snapshot, which only the forwarder sends — it tidies and it alerts:
// - an expired lease still naming an owner (a reconcile crashed mid-way) is cleared;
// - a forwarder that stopped calling gets an ERROR line naming the cluster (alert on it);
// - in-flight operations long past their deadline get an ERROR line (nobody is advancing them).

export interface HousekeepingDeps {
  config: FunctionsConfig;
  table: StateTable;
  clock: Clock;
  logger: Logger;
}

export interface ClusterHousekeeping {
  clusterId: string;
  expiredLeaseCleared: boolean;
  forwarder: 'ok' | 'silent' | 'never-contacted';
  staleOperations: string[];
}

const FINISHED: ReadonlySet<Operation['status']> = new Set(['succeeded', 'failed']);

export async function runHousekeeping(deps: HousekeepingDeps): Promise<ClusterHousekeeping[]> {
  const log = deps.logger.child({ component: 'housekeeping' });
  const report: ClusterHousekeeping[] = [];
  for (const clusterId of Object.keys(deps.config.clusters).sort()) {
    try {
      report.push(await houseKeepCluster(deps, log, clusterId));
    } catch (error) {
      log.error({ cluster: clusterId, err: error }, `housekeeping failed for cluster ${clusterId}`);
    }
  }
  return report;
}

async function houseKeepCluster(deps: HousekeepingDeps, log: Logger, clusterId: string): Promise<ClusterHousekeeping> {
  const cleared = await deps.table.leases.clearExpired(clusterId);
  if (cleared) {
    log.warn({ cluster: clusterId, owner: cleared.owner, leaseUntilMs: cleared.leaseUntilMs, fencingToken: cleared.fencingToken }, `cleared an expired lease of cluster ${clusterId} (a reconcile did not release it)`);
  }
  const nowMs = deps.clock();
  const { contact, planning } = await deps.table.clusters.load(clusterId);

  let forwarder: ClusterHousekeeping['forwarder'] = 'ok';
  if (!contact) {
    forwarder = 'never-contacted';
    log.warn({ cluster: clusterId }, `no forwarder has ever called for cluster ${clusterId}`);
  } else if (nowMs - contact.lastContactMs > deps.config.silentForwarderAfterMs) {
    forwarder = 'silent';
    const silentForMs = nowMs - contact.lastContactMs;
    log.error(
      { cluster: clusterId, alert: 'forwarder-silent', lastContactMs: contact.lastContactMs, silentForMs, forwarderId: contact.forwarderId },
      `forwarder of cluster ${clusterId} stopped calling: no contact for ${Math.round(silentForMs / 60_000)} min`,
    );
  }

  const staleOperations: string[] = [];
  for (const operation of planning.operations) {
    if (FINISHED.has(operation.status)) continue;
    const deadlineMs = operation.kind === 'launch' ? Math.max(operation.launchDeadlineMs, operation.registrationDeadlineMs) : Math.max(operation.deadlineMs, operation.removalDeadlineMs ?? 0);
    const overdueMs = nowMs - deadlineMs;
    if (overdueMs <= deps.config.staleOperationAfterMs) continue;
    staleOperations.push(operation.id);
    log.error(
      { cluster: clusterId, alert: 'stale-operation', operationId: operation.id, kind: operation.kind, status: operation.status, nodeGroup: operation.nodeGroup, deadlineMs, overdueMs },
      `operation ${operation.id} (${operation.kind}, ${operation.status}) of cluster ${clusterId} is ${Math.round(overdueMs / 60_000)} min past its deadline`,
    );
  }
  return { clusterId, expiredLeaseCleared: cleared !== undefined, forwarder, staleOperations };
}
