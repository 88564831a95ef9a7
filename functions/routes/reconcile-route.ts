import type { Hono } from 'hono';
import { PLAN_METHOD, signMessage, verifyMessage } from '../../shared/signing.ts';
import { parseWireSnapshot } from '../../shared/compact/wire.ts';
import { policyFor } from '../config.ts';
import { BODY_LIMIT_REASON } from '../http/body-limits.ts';
import { decodeBody, parseJson, readRawBody } from '../http/body.ts';
import { ForbiddenError } from '../http/errors.ts';
import { reconcile, sha256Hex } from '../reconcile.ts';
import type { AppDeps } from './deps.ts';
import type { AppEnv } from './env.ts';

export const RECONCILE_PATH = '/v1/reconcile';
/** Response header: "true" when a retried request was answered with the plan already sent. */
export const REPLAYED_HEADER = 'x-vpsie-plan-replayed';
/**
 * Response header: the nonce of the request this plan answers (for people reading a capture). The
 * plan's signature covers that nonce; a verifier uses the nonce it sent, never this echo.
 */
export const IN_REPLY_TO_HEADER = 'x-vpsie-in-reply-to';

/**
 * POST /v1/reconcile. IMPORTANT: the order is what keeps refusals cheap and free of side effects:
 * size limit on the raw bytes → signature over the raw bytes → nonce consumed (conditional put) →
 * bounded gunzip → JSON → schema (wire format v1 or v2, shared/compact/wire.ts) → lease (the first
 * state write) → plan → persist. The limits (http/body-limits.ts) come from the function's memory.
 *
 * The nonce is the one write a refusal makes, on purpose: a correctly signed request that is
 * refused (409 lease held, 400, 403) must not be accepted when an eavesdropper re-sends it later
 * within the skew window. Unsigned or forged requests still write nothing (the put comes after the
 * signature check), so they cannot fill the table.
 */
export function reconcileRoute(app: Hono<AppEnv>, deps: AppDeps): void {
  app.post(RECONCILE_PATH, async (c) => {
    // Where a reconcile's time goes, in its request log line (docs/sizing.md): read and verify, decode
    // (gunzip, JSON, validation), plan, and the rest of reconcile (lease, state load and writes).
    const startedMs = performance.now();
    const path = requestPath(c.req.url);
    const limits = deps.bodyLimits;
    const raw = await readRawBody(c.req.raw, limits.maxBodyBytes, BODY_LIMIT_REASON);
    const verified = await verifyMessage({
      key: (clusterId) => deps.config.clusters[clusterId]?.signingKey,
      method: 'POST',
      path,
      body: raw,
      headers: c.req.raw.headers,
      nowMs: deps.clock(),
      nonceStore: deps.table.nonces,
      maxSkewMs: deps.config.maxClockSkewMs,
    });
    c.set('clusterId', verified.clusterId);
    const verifiedMs = performance.now();
    const bytes = await decodeBody(raw, c.req.header('content-encoding'), limits.maxSnapshotBytes, limits.snapshotLimitReason);
    const snapshot = parseWireSnapshot(parseJson(bytes, 'snapshot'));
    if (snapshot.clusterId !== verified.clusterId) {
      throw new ForbiddenError(`the request is signed for cluster ${verified.clusterId} but the snapshot is of cluster ${snapshot.clusterId}`);
    }
    const decodedMs = performance.now();
    let planMs = 0;

    const outcome = await reconcile(
      {
        table: deps.table,
        clock: deps.clock,
        planner: (...args) => {
          const planStartedMs = performance.now();
          try {
            return deps.planner(...args);
          } finally {
            planMs = performance.now() - planStartedMs;
          }
        },
        policyFor: (clusterId) => policyFor(deps.config, clusterId),
        newOwnerId: deps.newId,
        audit: deps.logger,
        replayWindowMs: deps.config.maxClockSkewMs,
      },
      { snapshot, requestSha256: sha256Hex(bytes) },
    );
    c.set('plan', outcome.message);
    const ms = (from: number, to: number) => Math.round(to - from);
    c.set('logFields', {
      planId: outcome.message.planId, fencingToken: outcome.message.fencingToken, commands: outcome.message.commands.length, replayed: outcome.replayed, itemsWritten: outcome.itemsWritten,
      bodyBytes: raw.byteLength, snapshotBytes: bytes.byteLength, pods: snapshot.pods.length,
      verifyMs: ms(startedMs, verifiedMs), decodeMs: ms(verifiedMs, decodedMs), planMs: Math.round(planMs), stateMs: ms(decodedMs, performance.now()) - Math.round(planMs),
    });

    const body = JSON.stringify(outcome.message);
    // Bound to this request's nonce: a plan cannot be handed to the forwarder as the answer to another request.
    const signature = signMessage({ key: deps.config.clusters[verified.clusterId]!.signingKey, clusterId: verified.clusterId, method: PLAN_METHOD, path, body, nowMs: deps.clock(), inReplyTo: verified.nonce });
    return c.body(body, 200, { 'content-type': 'application/json', ...signature, [REPLAYED_HEADER]: String(outcome.replayed), [IN_REPLY_TO_HEADER]: verified.nonce });
  });
}

/** Path and query exactly as the client signed them. */
export function requestPath(url: string): string {
  const parsed = new URL(url);
  return parsed.pathname + parsed.search;
}
