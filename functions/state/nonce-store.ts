import type { Clock } from '../clock.ts';
import { NONCE_SK, noncePk } from './keys.ts';
import { ConditionFailedError, type TableAdapter } from './table-adapter.ts';

// Replay protection: a nonce is accepted once while its message could still pass the timestamp check.
// It is consumed as soon as the signature checks out, also when the request is then refused (400,
// 403, 409): a refused request re-sent later is a replay like any other. Two racing requests with
// one nonce meet in the conditional put; exactly one wins.
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
}
