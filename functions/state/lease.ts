import { ConflictError, type ErrorOptions } from '../../shared/errors.ts';
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
      const fencingToken = Number(previous?.fencingToken ?? 0) + 1;
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
   */
  async raiseAbove(lease: Lease, minToken: number): Promise<Lease> {
    if (lease.fencingToken > minToken) return lease;
    try {
      const item = await this.table.update(leaseKey(lease.clusterId), {
        update: 'SET #fencingToken = :raised',
        condition: '#owner = :owner AND #fencingToken = :token',
        values: { ':owner': lease.owner, ':token': lease.fencingToken, ':raised': minToken + 1 },
      });
      return { ...lease, fencingToken: Number(item.fencingToken) };
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
    fencingToken: Number(item.fencingToken ?? 0),
    ...(typeof item.acquiredAtMs === 'number' ? { acquiredAtMs: item.acquiredAtMs } : {}),
  };
}
