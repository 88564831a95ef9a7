import { ConflictError, ValidationError, type ErrorOptions } from '../../shared/errors.ts';
import { FENCING_TOKEN_RAISE_LIMIT, parseFencingToken } from '../../shared/fencing-token.ts';
import type { Clock } from '../clock.ts';
import { clusterPk, LEASE_SK, type ItemKey } from './keys.ts';
import { ConditionFailedError, type Item, type TableAdapter } from './table-adapter.ts';

// The cluster lease: one reconcile per cluster at a time, with a fencing token.
//
//   reconcile A   acquire(token 7) ── load ── plan ── confirm(7) ✓ ── write items (token 7) ── confirm(7) ✓ ── send ── release
//   reconcile B        acquire ✗ 409 Retry-After (A holds it)
//
//   A stalls:     acquire(7) ── load ── plan ······(lease runs out)······ confirm(7) ✗ LeaseLost: nothing written, nothing sent
//   reconcile C                                    acquire(8) ── load ── … ── confirm(8) ✓ ── write items (token 8)
//
// The token increases on EVERY acquisition (also when the same owner re-acquires), so "my token is
// still the lease's token" proves that nobody acquired the lease since. Every state item records the
// token that wrote it and refuses a write with a smaller one (planning-state-store.ts), so even a
// writer that passed confirm() and then stalled past the lease cannot overwrite a newer holder's items;
// and the second confirm() after the writes keeps such a writer from sending its plan.

export interface Lease {
  clusterId: string;
  owner: string;
  fencingToken: number;
  leaseUntilMs: number;
  /** The lease item as it was before this acquisition (for rollback()); undefined when there was none. */
  previous?: Item;
}

/** Someone else holds the cluster's lease; retry after `retryAfterMs`. */
export class LeaseHeldError extends ConflictError {
  override name = 'LeaseHeldError';
  constructor(readonly clusterId: string, readonly leaseUntilMs: number, readonly retryAfterMs: number, options: ErrorOptions = {}) {
    super(`the lease of cluster ${clusterId} is held until ${new Date(leaseUntilMs).toISOString()}`, options);
  }
}

/** The lease was taken over (our fencing token is no longer current): what we planned must not be persisted or sent. */
export class LeaseLostError extends ConflictError {
  override name = 'LeaseLostError';
  constructor(readonly clusterId: string, readonly fencingToken: number, options: ErrorOptions = {}) {
    super(`the lease of cluster ${clusterId} with fencing token ${fencingToken} was lost`, options);
  }
}

/**
 * How far above the table's token a forwarder's reported token may lie. Above it only after a
 * restore from an old backup (≈ one acquisition per reconcile: a million is weeks of reconciles);
 * a jump beyond that is a bug or a forged snapshot trying to push the token towards 2^53.
 */
export const MAX_FENCING_TOKEN_JUMP = 1_000_000;

/** The snapshot's lastFencingToken is not believable → 400, nothing written. */
export class FencingTokenError extends ValidationError {
  override name = 'FencingTokenError';
  constructor(readonly reported: number, message: string, options: ErrorOptions = {}) {
    super('snapshot', [{ path: 'forwarder.lastFencingToken', message }], options);
  }
}

/** The stored token as an exact integer; a corrupt or out-of-range one is an error, never rounded. */
function storedToken(value: unknown, clusterId: string): number {
  const token = parseFencingToken(value ?? 0);
  if (token === undefined) throw new Error(`the lease of cluster ${clusterId} holds fencing token ${String(value)}, which is not an exact integer (0..2^53 − 1)`);
  return token;
}

export interface LeaseRecord {
  owner?: string;
  leaseUntilMs: number;
  fencingToken: number;
  acquiredAtMs?: number;
}

const MIN_RETRY_AFTER_MS = 1_000;
/** A reconcile takes well under a second; a crashed holder is waited out in steps, not in one long sleep. */
const MAX_RETRY_AFTER_MS = 5_000;

export class LeaseRules {
  constructor(
    private readonly table: TableAdapter,
    private readonly clock: Clock,
    /** How long an acquisition lasts; longer than the slowest reconcile (Lambda times out at 29 s behind an HTTP API). */
    readonly leaseMs: number,
  ) {}

  async acquire(clusterId: string, owner: string): Promise<Lease> {
    const nowMs = this.clock();
    const key = leaseKey(clusterId);
    try {
      // ALL_OLD: the item before this very write, atomically, so rollback() can restore exactly it.
      const previous = await this.table.updateReturningOld(key, {
        update: 'SET #owner = :owner, #leaseUntilMs = :until, #acquiredAtMs = :now, #fencingToken = if_not_exists(#fencingToken, :zero) + :one',
        condition: 'attribute_not_exists(#pk) OR #leaseUntilMs < :now OR #owner = :owner',
        values: { ':owner': owner, ':until': nowMs + this.leaseMs, ':now': nowMs, ':zero': 0, ':one': 1 },
      });
      const fencingToken = storedToken(previous?.fencingToken, clusterId) + 1;
      return { clusterId, owner, fencingToken, leaseUntilMs: nowMs + this.leaseMs, ...(previous ? { previous } : {}) };
    } catch (error) {
      if (!(error instanceof ConditionFailedError)) throw error;
      const current = await this.read(clusterId);
      const leaseUntilMs = current?.leaseUntilMs ?? nowMs;
      const retryAfterMs = Math.min(MAX_RETRY_AFTER_MS, Math.max(MIN_RETRY_AFTER_MS, leaseUntilMs - nowMs));
      throw new LeaseHeldError(clusterId, leaseUntilMs, retryAfterMs, { cause: error });
    }
  }

  /** Proves the lease is still ours (nobody acquired it since) and extends it for the writes that follow. */
  async confirm(lease: Lease): Promise<Lease> {
    const nowMs = this.clock();
    try {
      const item = await this.table.update(leaseKey(lease.clusterId), {
        update: 'SET #leaseUntilMs = :until',
        condition: '#owner = :owner AND #fencingToken = :token',
        values: { ':owner': lease.owner, ':token': lease.fencingToken, ':until': nowMs + this.leaseMs },
      });
      return { ...lease, leaseUntilMs: Number(item.leaseUntilMs) };
    } catch (error) {
      if (error instanceof ConditionFailedError) throw new LeaseLostError(lease.clusterId, lease.fencingToken, { cause: error });
      throw error;
    }
  }

  /**
   * Moves the token above `minToken`. A forwarder reports the highest token it has executed and refuses
   * older ones; if the table was recreated (tokens restart at 1) the next plan must still be newer.
   *
   * Bounded: with a lease item in the table (`lease.previous`), at most MAX_FENCING_TOKEN_JUMP above
   * its token; without one (a new or recreated table) up to FENCING_TOKEN_RAISE_LIMIT. Throws
   * FencingTokenError (→ 400; the caller rolls the acquisition back) otherwise.
   */
  async raiseAbove(lease: Lease, minToken: number): Promise<Lease> {
    if (!Number.isSafeInteger(minToken) || minToken < 0 || minToken >= FENCING_TOKEN_RAISE_LIMIT) {
      throw new FencingTokenError(minToken, `must be an integer from 0 to ${FENCING_TOKEN_RAISE_LIMIT - 1} (2^52 − 1)`);
    }
    if (lease.fencingToken > minToken) return lease;
    if (lease.previous !== undefined && minToken - lease.fencingToken >= MAX_FENCING_TOKEN_JUMP) {
      // The way out after restoring a table from an old backup: delete the lease item; without one the
      // token may jump (up to 2^52), and that deletion needs table access, not a signing key.
      throw new FencingTokenError(minToken, `${minToken} is more than ${MAX_FENCING_TOKEN_JUMP} above the cluster's fencing token ${lease.fencingToken}; refusing to jump there (after restoring the table from an old backup, delete the item cluster#${lease.clusterId} / lease)`);
    }
    try {
      const item = await this.table.update(leaseKey(lease.clusterId), {
        update: 'SET #fencingToken = :raised',
        condition: '#owner = :owner AND #fencingToken = :token',
        values: { ':owner': lease.owner, ':token': lease.fencingToken, ':raised': minToken + 1 },
      });
      return { ...lease, fencingToken: storedToken(item.fencingToken, lease.clusterId) };
    } catch (error) {
      if (error instanceof ConditionFailedError) throw new LeaseLostError(lease.clusterId, lease.fencingToken, { cause: error });
      throw error;
    }
  }

  /** Frees the lease for the next reconcile; keeps the token so the next acquisition increases it. False when it was lost. */
  async release(lease: Lease): Promise<boolean> {
    try {
      await this.table.update(leaseKey(lease.clusterId), {
        update: 'SET #leaseUntilMs = :zero, #releasedAtMs = :now REMOVE #owner',
        condition: '#owner = :owner AND #fencingToken = :token',
        values: { ':owner': lease.owner, ':token': lease.fencingToken, ':zero': 0, ':now': this.clock() },
      });
      return true;
    } catch (error) {
      if (error instanceof ConditionFailedError) return false;
      throw error;
    }
  }

  /**
   * Undoes an acquisition that wrote nothing else (a refused or failed reconcile), so a refusal leaves
   * the table exactly as it was. Safe because it only applies while the token is still ours: no plan
   * and no item carries this token, so handing it out again later fences nothing wrongly.
   * False when the lease moved on meanwhile (then there is nothing to undo).
   */
  async rollback(lease: Lease): Promise<boolean> {
    const key = leaseKey(lease.clusterId);
    const stillOurs = { condition: '#owner = :owner AND #fencingToken = :token', values: { ':owner': lease.owner, ':token': lease.fencingToken } };
    try {
      if (lease.previous) await this.table.put(lease.previous, stillOurs);
      else await this.table.delete(key, stillOurs);
      return true;
    } catch (error) {
      if (error instanceof ConditionFailedError) return false;
      throw error;
    }
  }

  async read(clusterId: string): Promise<LeaseRecord | undefined> {
    const item = await this.table.get(leaseKey(clusterId));
    return item ? toLeaseRecord(item) : undefined;
  }

  /**
   * Housekeeping: clears the owner of a lease that ran out without being released (a crashed
   * reconcile). Only tidies up — an expired lease can be acquired anyway. Returns the cleared record.
   */
  async clearExpired(clusterId: string): Promise<LeaseRecord | undefined> {
    const current = await this.read(clusterId);
    const nowMs = this.clock();
    if (!current?.owner || current.leaseUntilMs >= nowMs) return undefined;
    try {
      await this.table.update(leaseKey(clusterId), {
        update: 'SET #leaseUntilMs = :zero, #releasedAtMs = :now REMOVE #owner',
        condition: '#owner = :owner AND #fencingToken = :token AND #leaseUntilMs < :now',
        values: { ':owner': current.owner, ':token': current.fencingToken, ':zero': 0, ':now': nowMs },
      });
      return current;
    } catch (error) {
      if (error instanceof ConditionFailedError) return undefined; // somebody acquired it meanwhile
      throw error;
    }
  }
}

export function leaseKey(clusterId: string): ItemKey {
  return { pk: clusterPk(clusterId), sk: LEASE_SK };
}

export function toLeaseRecord(item: Record<string, unknown>): LeaseRecord {
  return {
    ...(typeof item.owner === 'string' ? { owner: item.owner } : {}),
    leaseUntilMs: Number(item.leaseUntilMs ?? 0),
    // A token that is not exact reads as NaN (shown as null, equal to nothing in a condition), never rounded.
    fencingToken: parseFencingToken(item.fencingToken ?? 0) ?? Number.NaN,
    ...(typeof item.acquiredAtMs === 'number' ? { acquiredAtMs: item.acquiredAtMs } : {}),
  };
}
