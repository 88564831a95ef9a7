import { gunzipSync, gzipSync } from 'node:zlib';
import type { AttributeValue, Item } from './table-adapter.ts';

// Which item versions a committed plan stands on: a commit that fails half-way leaves no phantoms.
//
// A commit writes many items one by one (DynamoDB transactions hold at most 100 items and dynalite
// has none), so an error half-way used to leave the new `launching` operations of a plan that was
// never sent: they counted as capacity in flight until their deadline, then backed the group off.
// Now every commit ENDS with one conditional write on the lease item — still held by this token —
// recording, per operation, NodeGroup state and the `state` item, the fencing token of the version
// that plan stands on. A reader believes an item only in that version:
//
//   commit 7   ops (token 7, prev = version as loaded) ── groups ── state ── plan ── lease: manifest{op a:7, b:5} ✓
//   commit 8   ops (token 8) ── groups ✗ error: the lease still says {a:7, b:5}
//   load       op a carries token 8 ≠ 7 → its prev (token 7); op c (new in 8) not in the manifest → ignored
//
// Items written by a commit keep the version they replace (`prev`) until the next commit rewrites
// them, so the committed version is always one of the two. The manifest write is conditional on the
// lease being ours, so a writer that lost the lease mid-commit (whose late writes a new holder may
// never have read) never makes its versions count, and a plan is sent only after its manifest landed.
// IMPORTANT: one commit per lease acquisition. Versions are told apart by fencing token, and every
// acquisition raises it (lease.ts); two commits under one token could not be told apart.
// Node timers are not in it: they record what a snapshot showed (underused since, NotReady since),
// true whether or not the plan went out. The manifest is bounded by the ledger (finished operations
// leave it after an hour) and the number of NodeGroups.

export const MANIFEST_ATTRIBUTE = 'committedGz';
/** Items keep the version they replaced under these attributes. */
export const PREV_DATA = 'prevData';
export const PREV_DATA_GZ = 'prevDataGz';
export const PREV_TOKEN = 'prevToken';
/**
 * Set on every item a manifest-aware commit writes. Without any manifest yet (a new table, or one from
 * before manifests) items without it count as they are; items with it were written by a commit whose
 * manifest never landed, so they do not.
 */
export const MANIFESTED = 'manifested';

export interface CommitManifest {
  /** Fencing token of the committed plan. */
  token: number;
  /** Operation id → token of its committed version. */
  ops: Record<string, number>;
  /** NodeGroup key → token of its committed version. */
  groups: Record<string, number>;
  /** Token of the committed `state` item (absent: there was none). */
  rest?: number;
}

export function encodeManifest(manifest: CommitManifest): Uint8Array {
  return gzipSync(JSON.stringify(manifest));
}

/** The manifest on the lease item; undefined for a table written before manifests (then every item counts as it is). */
export function decodeManifest(leaseItem: Item | undefined): CommitManifest | undefined {
  const raw = leaseItem?.[MANIFEST_ATTRIBUTE];
  if (!(raw instanceof Uint8Array)) return undefined;
  const parsed = JSON.parse(gunzipSync(raw, { maxOutputLength: 64 * 1024 * 1024 }).toString('utf8')) as Partial<CommitManifest>;
  return { token: Number(parsed.token ?? 0), ops: parsed.ops ?? {}, groups: parsed.groups ?? {}, ...(parsed.rest !== undefined ? { rest: parsed.rest } : {}) };
}

/**
 * The version of an item the committed plan stands on: its current attributes when it carries the
 * committed token, else the version it replaced. `dirty` says the item does not show that version
 * (the next commit rewrites it); undefined means no committed version exists (a phantom).
 */
export function committedVersion<T extends AttributeValue>(
  item: Item,
  committedToken: number | undefined,
  current: T | undefined,
  previous: T | undefined,
): { value: T; token: number; dirty: boolean } | undefined {
  if (committedToken === undefined) return undefined;
  const token = Number(item.fencingToken ?? 0);
  if (token === committedToken && current !== undefined) return { value: current, token, dirty: false };
  if (Number(item[PREV_TOKEN] ?? Number.NaN) === committedToken && previous !== undefined) return { value: previous, token: committedToken, dirty: true };
  // Neither version is the committed one: cannot happen while every write keeps its prev; the item's
  // own version is the best left (dropping a drain in progress would strand a tainted node).
  return current === undefined ? undefined : { value: current, token, dirty: true };
}
