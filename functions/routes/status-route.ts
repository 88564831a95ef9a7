import type { Hono } from 'hono';
import { verifyMessage } from '../../shared/signing.ts';
import { checkBearer } from '../http/bearer.ts';
import { ForbiddenError } from '../http/errors.ts';
import { estimateNextContact } from '../trigger-estimate.ts';
import type { AppDeps } from './deps.ts';
import type { AppEnv } from './env.ts';
import { requestPath } from './reconcile-route.ts';

/**
 * GET /v1/clusters/:id/status — read-only. Authenticated by `Authorization: Bearer <status token>`
 * or, without that header, by a signed GET (the forwarder's key; empty body).
 *
 * IMPORTANT: not by the trigger token. That one is handed to alerting systems to poke a reconcile;
 * the status ledger (operations, timers, decisions) is more than they need, so it has its own token.
 */
export function statusRoute(app: Hono<AppEnv>, deps: AppDeps): void {
  app.get('/v1/clusters/:id/status', async (c) => {
    const clusterId = c.req.param('id');
    const authorization = c.req.header('authorization');
    if (authorization !== undefined) {
      checkBearer(authorization, deps.config.clusters[clusterId]?.statusToken);
    } else {
      const verified = await verifyMessage({
        key: (id) => deps.config.clusters[id]?.signingKey,
        method: 'GET',
        path: requestPath(c.req.url),
        body: '',
        headers: c.req.raw.headers,
        nowMs: deps.clock(),
        nonceStore: deps.table.nonces,
        maxSkewMs: deps.config.maxClockSkewMs,
      });
      if (verified.clusterId !== clusterId) throw new ForbiddenError(`signed for cluster ${verified.clusterId}, not ${clusterId}`);
    }
    c.set('clusterId', clusterId);

    const nowMs = deps.clock();
    const loaded = await deps.table.clusters.load(clusterId);
    const { lease, contact, trigger, lastPlan, planning } = loaded;
    return c.json({
      clusterId,
      nowMs,
      lease: lease
        ? { held: lease.owner !== undefined && lease.leaseUntilMs >= nowMs, leaseUntilMs: lease.leaseUntilMs, fencingToken: lease.fencingToken }
        : { held: false, leaseUntilMs: 0, fencingToken: 0 },
      forwarder: contact
        ? { ...contact, silentForMs: nowMs - contact.lastContactMs, next: estimateNextContact(contact, nowMs, deps.config.heartbeatMs, deps.config.silentForwarderAfterMs) }
        : null,
      trigger: trigger ? { pending: true, ...trigger } : { pending: false },
      nodeGroups: Object.entries(planning.groups).map(([name, state]) => ({ name, ...state })),
      operations: planning.operations,
      timers: planning.nodes,
      lastPlan: lastPlan
        ? { planId: lastPlan.planId, fencingToken: lastPlan.fencingToken, issuedAtMs: lastPlan.issuedAtMs, commandCount: lastPlan.commandCount, decisions: lastPlan.decisions }
        : null,
    });
  });
}
