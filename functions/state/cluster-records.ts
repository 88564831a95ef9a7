import { gunzipSync, gzipSync } from 'node:zlib';
import type { Decision, PlanMessage } from '../../shared/plan-message.ts';
import type { Item } from './table-adapter.ts';

// The small per-cluster records next to the planning state: last contact, the trigger flag and the
// last plan. Decoders are lenient (a missing attribute reads as absent), encoders are exact.

export interface ContactRecord {
  lastContactMs: number;
  forwarderId: string;
  forwarderVersion: string;
  /** What the last plan told the forwarder: call again no later than this. */
  nextContactAfterMs: number;
  lastPlanId: string;
  /** takenAtMs of the snapshot the last plan was made from; an older snapshot is refused. */
  lastSnapshotTakenAtMs: number;
  fencingToken: number;
}

export interface TriggerRecord {
  /** The first trigger still pending. */
  requestedAtMs: number;
  /** The latest one; consuming the flag is conditional on it, so a trigger arriving mid-reconcile survives. */
  lastRequestedAtMs: number;
  count: number;
}

export interface LastPlanRecord {
  planId: string;
  fencingToken: number;
  issuedAtMs: number;
  forwarderId: string;
  /** sha256 of the (decompressed) request body that produced this plan. */
  requestSha256: string;
  commandCount: number;
  decisions: Decision[];
  /** The whole message, for answering a retried request with the same plan; absent when too large to keep. */
  message?: PlanMessage;
}

/** DynamoDB items are limited to 400 KB; the last plan keeps its message only when it stays well under. */
export const MAX_STORED_PLAN_BYTES = 300_000;

export function decodeContact(item: Item | undefined): ContactRecord | undefined {
  if (!item) return undefined;
  return {
    lastContactMs: Number(item.lastContactMs ?? 0),
    forwarderId: String(item.forwarderId ?? ''),
    forwarderVersion: String(item.forwarderVersion ?? ''),
    nextContactAfterMs: Number(item.nextContactAfterMs ?? 0),
    lastPlanId: String(item.lastPlanId ?? ''),
    lastSnapshotTakenAtMs: Number(item.lastSnapshotTakenAtMs ?? 0),
    fencingToken: Number(item.fencingToken ?? 0),
  };
}

export function decodeTrigger(item: Item | undefined): TriggerRecord | undefined {
  if (!item || typeof item.requestedAtMs !== 'number') return undefined;
  return { requestedAtMs: item.requestedAtMs, lastRequestedAtMs: Number(item.lastRequestedAtMs ?? item.requestedAtMs), count: Number(item.count ?? 1) };
}

export function decodeLastPlan(item: Item | undefined): LastPlanRecord | undefined {
  if (!item) return undefined;
  return {
    planId: String(item.planId),
    fencingToken: Number(item.fencingToken),
    issuedAtMs: Number(item.issuedAtMs),
    forwarderId: String(item.forwarderId ?? ''),
    requestSha256: String(item.requestSha256 ?? ''),
    commandCount: Number(item.commandCount ?? 0),
    decisions: item.decisionsGz instanceof Uint8Array ? (unzipJson(item.decisionsGz) as Decision[]) : [],
    ...(item.messageGz instanceof Uint8Array ? { message: unzipJson(item.messageGz) as PlanMessage } : {}),
  };
}

/** Attributes of the last-plan item (without keys and fencing). Decisions are cut when they would not fit. */
export function encodeLastPlan(record: LastPlanRecord): Record<string, string | number | Uint8Array> {
  const message = record.message ? zipJson(record.message) : undefined;
  let decisions = zipJson(record.decisions);
  let kept = record.decisions.length;
  while (decisions.byteLength > MAX_STORED_PLAN_BYTES && kept > 0) {
    kept = Math.floor(kept / 2);
    decisions = zipJson(record.decisions.slice(0, kept));
  }
  const keepMessage = message !== undefined && message.byteLength + decisions.byteLength <= MAX_STORED_PLAN_BYTES;
  return {
    planId: record.planId,
    fencingToken: record.fencingToken,
    issuedAtMs: record.issuedAtMs,
    forwarderId: record.forwarderId,
    requestSha256: record.requestSha256,
    commandCount: record.commandCount,
    decisionCount: record.decisions.length,
    decisionsGz: decisions,
    ...(keepMessage ? { messageGz: message } : {}),
  };
}

function zipJson(value: unknown): Uint8Array {
  return gzipSync(JSON.stringify(value));
}

function unzipJson(bytes: Uint8Array): unknown {
  return JSON.parse(gunzipSync(bytes).toString('utf8'));
}
