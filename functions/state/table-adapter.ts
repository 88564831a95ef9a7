import { AppError, type ErrorOptions } from '../../shared/errors.ts';
import type { ItemKey } from './keys.ts';

// The narrow storage interface the table rules (lease.ts, planning-state-store.ts, …) are written
// against. The rules say WHAT must hold (condition expressions); the adapter only talks to the store.
// Expressions use `#name` for attribute names (the adapter maps every `#word` to `word`, so reserved
// words such as `owner` and `ttl` need no care) and `:value` placeholders given in `values`.

export type AttributeValue = string | number | boolean | Uint8Array | null;
export type Item = ItemKey & Record<string, AttributeValue>;

export interface Conditional {
  /** A DynamoDB ConditionExpression; the write fails with ConditionFailedError when it is false. */
  condition?: string;
  values?: Record<string, AttributeValue>;
}

export interface UpdateRequest extends Conditional {
  /** A DynamoDB UpdateExpression. */
  update: string;
}

export interface TableAdapter {
  /** Strongly consistent read. */
  get(key: ItemKey): Promise<Item | undefined>;
  put(item: Item, options?: Conditional): Promise<void>;
  /** Returns the item as it is after the update. */
  update(key: ItemKey, request: UpdateRequest): Promise<Item>;
  /** The same, returning the item as it was before (undefined when it did not exist). */
  updateReturningOld(key: ItemKey, request: UpdateRequest): Promise<Item | undefined>;
  delete(key: ItemKey, options?: Conditional): Promise<void>;
  /** Every item of a partition (strongly consistent, all pages), optionally only sort keys with a prefix. */
  queryPartition(pk: string, options?: { skPrefix?: string }): Promise<Item[]>;
}

/** A conditional write lost: somebody else changed the item first (or it was not in the expected state). */
export class ConditionFailedError extends AppError {
  override name = 'ConditionFailedError';
  constructor(readonly key: ItemKey, options: ErrorOptions = {}) {
    super(`condition failed on ${key.pk} / ${key.sk}`, { ...options, code: 'condition-failed' });
  }
}
