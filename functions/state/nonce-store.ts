import type { Clock } from '../clock.ts';
import { NONCE_SK, noncePk } from './keys.ts';
import { ConditionFailedError, type TableAdapter } from './table-adapter.ts';

// Replay protection: a nonce is accepted once while its message could still pass the timestamp check.
// IMPORTANT: expiry is checked in the condition (`expiresAtMs < :now`), never left to DynamoDB's TTL,
// which deletes expired items only eventually (hours later, or never in dynalite). `ttl` (seconds)
// only garbage-collects.

/** Same shape as shared/signing.ts `NonceStore`. */
export interface NonceRemembering {
  /** True when the nonce was new (and is now remembered), false when it was seen and has not expired. */
  remember(clusterId: string, nonce: string, expiresAtMs: number): Promise<boolean>;
}

const TTL_SLACK_SECONDS = 60;

export class DynamoNonceStore implements NonceRemembering {
  constructor(
    private readonly table: TableAdapter,
    private readonly clock: Clock,
  ) {}

  async remember(clusterId: string, nonce: string, expiresAtMs: number): Promise<boolean> {
    try {
      await this.table.put(
        { pk: noncePk(clusterId, nonce), sk: NONCE_SK, expiresAtMs, ttl: Math.ceil(expiresAtMs / 1000) + TTL_SLACK_SECONDS },
        { condition: 'attribute_not_exists(#pk) OR #expiresAtMs < :now', values: { ':now': this.clock() } },
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionFailedError) return false;
      throw error;
    }
  }

  /** Removes a nonce this request stored (matched by its expiry, so never another request's). */
  async forget(clusterId: string, nonce: string, expiresAtMs: number): Promise<void> {
    try {
      await this.table.delete({ pk: noncePk(clusterId, nonce), sk: NONCE_SK }, { condition: '#expiresAtMs = :expires', values: { ':expires': expiresAtMs } });
    } catch (error) {
      if (!(error instanceof ConditionFailedError)) throw error;
    }
  }

  /** Read-only: has this nonce been used (and not expired)? */
  async isUsed(clusterId: string, nonce: string): Promise<boolean> {
    const item = await this.table.get({ pk: noncePk(clusterId, nonce), sk: NONCE_SK });
    return item !== undefined && Number(item.expiresAtMs) >= this.clock();
  }
}

/**
 * A nonce store that checks during verification but writes nothing until `commit()`.
 *
 * Why: a refused request must leave the table unchanged (a 400 or a 409 writes nothing). So the
 * reconcile route verifies the signature with a read-only nonce check and consumes the nonce with a
 * conditional put only once it holds the lease. Two racing requests with the same nonce both pass the
 * check, but only one wins the conditional put in commit(); the other is refused as a replay.
 */
export class DeferredNonce implements NonceRemembering {
  private pending: { clusterId: string; nonce: string; expiresAtMs: number } | undefined;
  private committed = false;

  constructor(private readonly store: DynamoNonceStore) {}

  async remember(clusterId: string, nonce: string, expiresAtMs: number): Promise<boolean> {
    if (await this.store.isUsed(clusterId, nonce)) return false;
    this.pending = { clusterId, nonce, expiresAtMs };
    return true;
  }

  /** Consumes the nonce; false when another request consumed it first. */
  async commit(): Promise<boolean> {
    if (!this.pending) throw new Error('DeferredNonce.commit() before a nonce was checked');
    const { clusterId, nonce, expiresAtMs } = this.pending;
    const stored = await this.store.remember(clusterId, nonce, expiresAtMs);
    this.committed = stored;
    return stored;
  }

  /** Undoes commit() for a reconcile that failed before it changed anything (see LeaseRules.rollback). */
  async rollback(): Promise<void> {
    if (!this.pending || !this.committed) return;
    await this.store.forget(this.pending.clusterId, this.pending.nonce, this.pending.expiresAtMs);
    this.committed = false;
  }
}
