import type { Hono } from 'hono';
import { checkBearer } from '../http/bearer.ts';
import { readRawBody } from '../http/body.ts';
import { estimateNextContact } from '../trigger-estimate.ts';
import type { AppDeps } from './deps.ts';
import type { AppEnv } from './env.ts';

/** Triggers carry no payload worth more than this (an alert's JSON, ignored). */
const MAX_TRIGGER_BODY_BYTES = 64 * 1024;

/**
 * POST /v1/clusters/:id/trigger — Authorization: Bearer <the cluster's trigger token>. Sets the
 * trigger flag: the forwarder's next contact reconciles and is told to come straight back. Answers
 * 202 with when that contact is expected.
 */
export function triggerRoute(app: Hono<AppEnv>, deps: AppDeps): void {
  app.post('/v1/clusters/:id/trigger', async (c) => {
    const clusterId = c.req.param('id');
    checkBearer(c.req.header('authorization'), deps.config.clusters[clusterId]?.triggerToken);
    c.set('clusterId', clusterId);
    await readRawBody(c.req.raw, MAX_TRIGGER_BODY_BYTES);
    const trigger = await deps.table.triggers.request(clusterId);
    const contact = await deps.table.clusters.readContact(clusterId);
    const estimate = estimateNextContact(contact, deps.clock(), deps.config.heartbeatMs, deps.config.silentForwarderAfterMs);
    deps.logger.info({ cluster: clusterId, trigger, estimate }, 'trigger requested');
    return c.json(
      {
        clusterId,
        requestedAtMs: trigger.lastRequestedAtMs,
        pendingSinceMs: trigger.requestedAtMs,
        pendingTriggers: trigger.count,
        expectedReconcileByMs: estimate.expectedByMs,
        basis: estimate.basis,
        lastContactMs: estimate.lastContactMs,
        message: estimate.expectedByMs === null
          ? `no forwarder is calling for cluster ${clusterId} (${estimate.basis}); the trigger waits for its next contact`
          : `the next contact from the forwarder, expected by ${new Date(estimate.expectedByMs).toISOString()}, reconciles at once`,
      },
      202,
    );
  });
}
