import { AppError, type ErrorOptions } from '../../shared/errors.ts';
import type { Clock } from '../clock.ts';
import { decodeTrigger, type TriggerRecord } from './cluster-records.ts';
import { clusterPk, type ItemKey } from './keys.ts';
import { ConditionFailedError, type TableAdapter } from './table-adapter.ts';

// The trigger flag: set by POST /v1/clusters/:id/trigger, read by the next reconcile (which then asks
// the forwarder to call again at once) and consumed only if no newer trigger arrived meanwhile.
//
// Rate limit: at most one accepted trigger per cluster per `minIntervalMs`, whatever the number of
// function instances. A separate item (`trigger-rate`) holds the time of the last accepted trigger
// and is written with a conditional put; the flag itself cannot carry it because a reconcile deletes
// the flag when it consumes it. A refused trigger is one failed conditional write and changes nothing.
//
//   t=0 s   trigger ✓ (rate item := 0)      flag set
//   t=1 s   trigger ✗ 429 Retry-After: 4    nothing written
//   t=5 s   trigger ✓ (rate item := 5000)   flag set (or its count raised)

export const TRIGGER_SK = 'trigger';
export const TRIGGER_RATE_SK = 'trigger-rate';
/** "a few seconds": a trigger asks for a reconcile within seconds, so more than one per interval adds nothing. */
export const DEFAULT_TRIGGER_MIN_INTERVAL_MS = 5_000;

/** A pending trigger is dropped by the TTL if no forwarder ever comes to consume it. */
const TRIGGER_TTL_SECONDS = 24 * 3_600;

/** A trigger within `minIntervalMs` of the last accepted one → 429 with Retry-After. */
export class TriggerRateLimitedError extends AppError {
  override name = 'TriggerRateLimitedError';
  constructor(readonly clusterId: string, readonly retryAfterMs: number, options: ErrorOptions = {}) {
    super(`cluster ${clusterId} was triggered less than ${Math.ceil(retryAfterMs / 1000)} s ago; one trigger per interval is enough`, { ...options, code: 'rate-limited' });
  }
}

export class TriggerRules {
  constructor(
    private readonly table: TableAdapter,
    private readonly clock: Clock,
    readonly minIntervalMs = DEFAULT_TRIGGER_MIN_INTERVAL_MS,
  ) {}

  /** Sets the flag; throws TriggerRateLimitedError (nothing written) within minIntervalMs of the last accepted trigger. */
  async request(clusterId: string): Promise<TriggerRecord> {
    const nowMs = this.clock();
    await this.admit(clusterId, nowMs);
    const item = await this.table.update(triggerKey(clusterId), {
      update: 'SET #requestedAtMs = if_not_exists(#requestedAtMs, :now), #lastRequestedAtMs = :now, #count = if_not_exists(#count, :zero) + :one, #ttl = :ttl',
      values: { ':now': nowMs, ':zero': 0, ':one': 1, ':ttl': Math.ceil(nowMs / 1000) + TRIGGER_TTL_SECONDS },
    });
    return decodeTrigger(item) as TriggerRecord;
  }

  private async admit(clusterId: string, nowMs: number): Promise<void> {
    try {
      await this.table.put(
        { ...triggerRateKey(clusterId), acceptedAtMs: nowMs, ttl: Math.ceil((nowMs + this.minIntervalMs) / 1000) + TRIGGER_TTL_SECONDS },
        // `> :now` too: a clock that stepped back must not lock triggers out until it catches up.
        { condition: 'attribute_not_exists(#pk) OR #acceptedAtMs <= :cutoff OR #acceptedAtMs > :now', values: { ':cutoff': nowMs - this.minIntervalMs, ':now': nowMs } },
      );
    } catch (error) {
      // No read to learn the exact remainder: a flood must cost one failed write per request, not two
      // operations. The full interval is an upper bound of the wait.
      if (error instanceof ConditionFailedError) throw new TriggerRateLimitedError(clusterId, this.minIntervalMs, { cause: error });
      throw error;
    }
  }

  /** Clears the flag a reconcile saw; false (flag kept) when another trigger arrived after it was read. */
  async consume(clusterId: string, seen: TriggerRecord): Promise<boolean> {
    try {
      await this.table.delete(triggerKey(clusterId), { condition: '#lastRequestedAtMs = :seen', values: { ':seen': seen.lastRequestedAtMs } });
      return true;
    } catch (error) {
      if (error instanceof ConditionFailedError) return false;
      throw error;
    }
  }
}

export function triggerKey(clusterId: string): ItemKey {
  return { pk: clusterPk(clusterId), sk: TRIGGER_SK };
}

export function triggerRateKey(clusterId: string): ItemKey {
  return { pk: clusterPk(clusterId), sk: TRIGGER_RATE_SK };
}
