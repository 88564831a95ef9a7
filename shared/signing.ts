import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { AuthenticationError } from './errors.ts';

// Request and plan signing: HMAC-SHA256, one key per cluster, in both directions.
//
//   signed string = "vpsie-v1" \n METHOD \n path \n timestampMs \n nonce \n clusterId \n hex(sha256(body bytes))
//
// IMPORTANT: the body digest is over the bytes exactly as transmitted (a gzip body is hashed
// compressed), so the receiver verifies before it decompresses or parses anything.
// Plans (responses) use the same scheme with method PLAN_METHOD and the request's path, so a plan
// cannot be replayed as a request or moved to another endpoint, and they are bound to the request
// they answer: the request's nonce is one more line of the signed string,
//
//   plan signed string = … \n hex(sha256(body bytes)) \n "in-reply-to:" requestNonce
//
// so a plan recorded off the wire (or a compromised proxy's cached answer) cannot be handed to the
// forwarder as the answer to a later request: the forwarder verifies with the nonce it just sent.

export const SIGNATURE_HEADERS = {
  cluster: 'x-vpsie-cluster',
  timestamp: 'x-vpsie-timestamp',
  nonce: 'x-vpsie-nonce',
  signature: 'x-vpsie-signature',
} as const;

export const PLAN_METHOD = 'PLAN';
export const DEFAULT_MAX_SKEW_MS = 300_000;
const SCHEME = 'vpsie-v1';
const NONCE = /^[A-Za-z0-9_-]{16,128}$/;
const CLUSTER = /^[a-z0-9][a-z0-9-]{0,63}$/;
const SIGNATURE = /^[0-9a-f]{64}$/;

export type SigningKey = string | Uint8Array;
export type Body = string | Uint8Array | null | undefined;
export type HeaderSource = Headers | Record<string, string | string[] | undefined>;

export type SignatureFailure = 'missing' | 'malformed' | 'bad-signature' | 'stale' | 'replayed';

export class SignatureError extends AuthenticationError {
  override name = 'SignatureError';
  constructor(readonly reason: SignatureFailure, message: string, options: { cause?: unknown } = {}) {
    super(`signature ${reason}: ${message}`, options);
  }
}

/** Remembers used nonces until they expire. Implementations must be atomic per (cluster, nonce). */
export interface NonceStore {
  /** true = first use (now remembered); false = already used and not yet expired. */
  remember(clusterId: string, nonce: string, expiresAtMs: number): Promise<boolean>;
}

function bodyBytes(body: Body): Uint8Array {
  if (body === null || body === undefined) return new Uint8Array();
  return typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
}

function keyBytes(key: SigningKey): Uint8Array {
  const bytes = typeof key === 'string' ? Buffer.from(key, 'utf8') : key;
  if (bytes.length === 0) throw new TypeError('signing key must not be empty');
  return bytes;
}

function signature(key: SigningKey, parts: { clusterId: string; method: string; path: string; timestampMs: number; nonce: string; body?: Body; inReplyTo?: string | undefined }): string {
  const digest = createHash('sha256').update(bodyBytes(parts.body)).digest('hex');
  const lines = [SCHEME, parts.method.toUpperCase(), parts.path, String(parts.timestampMs), parts.nonce, parts.clusterId, digest];
  if (parts.inReplyTo !== undefined) lines.push(`in-reply-to:${parts.inReplyTo}`);
  const text = lines.join('\n');
  return createHmac('sha256', keyBytes(key)).update(text).digest('hex');
}

export interface SignInput {
  key: SigningKey;
  clusterId: string;
  method: string;
  /** Path and query string exactly as sent, e.g. "/v1/reconcile". */
  path: string;
  body?: Body;
  nowMs: number;
  /** Random 128 bits by default; pass one only in tests. */
  nonce?: string;
  /** Plans: the nonce of the request this message answers (bound into the signature). */
  inReplyTo?: string | undefined;
}

/** The four headers to send with the message. */
export function signMessage(input: SignInput): Record<string, string> {
  const nonce = input.nonce ?? randomBytes(16).toString('hex');
  const timestampMs = Math.trunc(input.nowMs);
  return {
    [SIGNATURE_HEADERS.cluster]: input.clusterId,
    [SIGNATURE_HEADERS.timestamp]: String(timestampMs),
    [SIGNATURE_HEADERS.nonce]: nonce,
    [SIGNATURE_HEADERS.signature]: signature(input.key, { ...input, nonce, timestampMs }),
  };
}

function header(headers: HeaderSource, name: string): string | undefined {
  if (typeof (headers as Headers).get === 'function') return (headers as Headers).get(name) ?? undefined;
  const record = headers as Record<string, string | string[] | undefined>;
  const found = Object.keys(record).find((k) => k.toLowerCase() === name);
  const value = found === undefined ? undefined : record[found];
  return Array.isArray(value) ? value[0] : value;
}

export interface VerifyInput {
  /** The cluster's key, or a lookup by the cluster id the message claims (undefined = unknown cluster). */
  key: SigningKey | ((clusterId: string) => SigningKey | undefined | Promise<SigningKey | undefined>);
  method: string;
  path: string;
  body?: Body;
  headers: HeaderSource;
  nowMs: number;
  nonceStore: NonceStore;
  maxSkewMs?: number;
  /** Plans: the nonce of the request sent; a message signed for another request does not verify. */
  inReplyTo?: string | undefined;
}

export interface VerifiedMessage { clusterId: string; nonce: string; timestampMs: number }

/**
 * Checks, in order: all headers present, well formed, signature (constant time), timestamp within
 * ±maxSkewMs, nonce not used before. The nonce is recorded only for a correctly signed message, so
 * forged requests cannot fill the store.
 */
export async function verifyMessage(input: VerifyInput): Promise<VerifiedMessage> {
  const maxSkewMs = input.maxSkewMs ?? DEFAULT_MAX_SKEW_MS;
  const values = Object.fromEntries(Object.entries(SIGNATURE_HEADERS).map(([field, name]) => [field, header(input.headers, name)])) as
    Record<keyof typeof SIGNATURE_HEADERS, string | undefined>;
  const absent = Object.entries(values).filter(([, v]) => v === undefined || v === '').map(([field]) => SIGNATURE_HEADERS[field as keyof typeof SIGNATURE_HEADERS]);
  if (absent.length > 0) throw new SignatureError('missing', `missing header${absent.length > 1 ? 's' : ''} ${absent.join(', ')}`);
  const { cluster: clusterId, timestamp, nonce, signature: given } = values as Record<keyof typeof SIGNATURE_HEADERS, string>;

  if (!CLUSTER.test(clusterId)) throw new SignatureError('malformed', `${SIGNATURE_HEADERS.cluster} is not a cluster id`);
  if (!/^\d{1,16}$/.test(timestamp)) throw new SignatureError('malformed', `${SIGNATURE_HEADERS.timestamp} must be milliseconds since the epoch`);
  if (!NONCE.test(nonce)) throw new SignatureError('malformed', `${SIGNATURE_HEADERS.nonce} must be 16-128 characters [A-Za-z0-9_-]`);
  if (!SIGNATURE.test(given)) throw new SignatureError('malformed', `${SIGNATURE_HEADERS.signature} must be 64 lowercase hex digits`);
  const timestampMs = Number(timestamp);

  const key = typeof input.key === 'function' ? await input.key(clusterId) : input.key;
  // An unknown cluster gets the same answer as a wrong key: nothing to learn about which ids exist.
  const expected = key === undefined ? undefined : signature(key, { clusterId, method: input.method, path: input.path, timestampMs, nonce, body: input.body, inReplyTo: input.inReplyTo });
  if (expected === undefined || !timingSafeEqual(Buffer.from(expected, 'hex'), Buffer.from(given, 'hex'))) {
    throw new SignatureError('bad-signature', 'the signature does not match the message');
  }

  const skewMs = timestampMs - input.nowMs;
  if (Math.abs(skewMs) > maxSkewMs) {
    throw new SignatureError('stale', `timestamp is ${Math.round(Math.abs(skewMs) / 1000)} s in the ${skewMs < 0 ? 'past' : 'future'} (limit ${maxSkewMs / 1000} s)`);
  }
  // A message stays acceptable until timestamp + maxSkew: remember its nonce at least that long.
  if (!(await input.nonceStore.remember(clusterId, nonce, Math.max(timestampMs, input.nowMs) + maxSkewMs))) {
    throw new SignatureError('replayed', 'this nonce has been used before');
  }
  return { clusterId, nonce, timestampMs };
}

/**
 * In-process nonce store (one forwarder, tests, local runs). Expired entries are pruned as it goes;
 * a deployment with several function instances needs the shared table store instead.
 */
export class MemoryNonceStore implements NonceStore {
  private readonly expiries = new Map<string, number>();
  private nextPruneMs = 0;

  constructor(private readonly clock: () => number = Date.now, private readonly pruneEveryMs = 60_000) {}

  async remember(clusterId: string, nonce: string, expiresAtMs: number): Promise<boolean> {
    const now = this.clock();
    if (now >= this.nextPruneMs) this.prune(now);
    const key = `${clusterId}#${nonce}`;
    const existing = this.expiries.get(key);
    if (existing !== undefined && existing > now) return false;
    this.expiries.set(key, expiresAtMs);
    return true;
  }

  /** Forgets expired nonces; returns how many remain. */
  prune(nowMs = this.clock()): number {
    for (const [key, expiresAtMs] of this.expiries) if (expiresAtMs <= nowMs) this.expiries.delete(key);
    this.nextPruneMs = nowMs + this.pruneEveryMs;
    return this.expiries.size;
  }

  get size(): number {
    return this.expiries.size;
  }
}
