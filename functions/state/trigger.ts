import type { Clock } from '../clock.ts';
import { decodeTrigger, type TriggerRecord } from './cluster-records.ts';
import { clusterPk, type ItemKey } from './keys.ts';
import { ConditionFailedError, type TableAdapter } from './table-adapter.ts';

// The trigger flag: set by POST /v1/clusters/:id/trigger, read by the next reconcile (which then asks
// the forwarder to call again at once) and consumed only if no newer trigger arrived meanwhile.

export const TRIGGER_SK = 'trigger';

/** A pending trigger is dropped by the TTL if no forwarder ever comes to consume it. */
const TRIGGER_TTL_SECONDS = 24 * 3_600;

export class TriggerRules {
  constructor(
    private readonly table: TableAdapter,
    private readonly clock: Clock,
  ) {}

  async request(clusterId: string): Promise<TriggerRecord> {
    const nowMs = this.clock();
    const item = await this.table.update(triggerKey(clusterId), {
      update: 'SET #requestedAtMs = if_not_exists(#requestedAtMs, :now), #lastRequestedAtMs = :now, #count = if_not_exists(#count, :zero) + :one, #ttl = :ttl',
      values: { ':now': nowMs, ':zero': 0, ':one': 1, ':ttl': Math.ceil(nowMs / 1000) + TRIGGER_TTL_SECONDS },
    });
    return decodeTrigger(item) as TriggerRecord;
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
