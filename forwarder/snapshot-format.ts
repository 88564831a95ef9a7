import { CURRENT_WIRE_FORMAT, type WireFormat } from '../shared/compact/wire.ts';
import type { DeliveryOutcome } from './delivery/delivery.ts';
import type { Logger } from './util/logger.ts';

// Which wire format the snapshot goes out in (shared/compact/wire.ts). v2 by default; functions of a
// release before v2 refuse it with 400 and a problem at `version` (their schema has
// version: z.literal('v1')). Then this forwarder sends v1 until it restarts, so that upgrading the
// forwarder before the functions — or rolling the functions back — does not stop autoscaling (the
// next reconcile, at the latest a heartbeat later, goes out in v1). The documented order is still
// functions first (docs/sizing.md): v1 carries fewer pods under Lambda's request limit.
// Held by the Delivery (it sees the answers); the snapshot's builder reads `current`.

/** A 400 answer whose problems name the `version` field, as the functions' error body lists them. */
const VERSION_PROBLEM = /"path":"version"/;

export class SnapshotFormat {
  private format: WireFormat = CURRENT_WIRE_FORMAT;

  constructor(private readonly logger: Logger) {}

  get current(): WireFormat {
    return this.format;
  }

  /** True when the outcome made it fall back. */
  observe(outcome: DeliveryOutcome): boolean {
    if (this.format === 'v1' || outcome.kind !== 'rejected' || outcome.status !== 400 || !VERSION_PROBLEM.test(outcome.message)) return false;
    this.format = 'v1';
    this.logger.warn({ message: outcome.message }, 'the functions do not read snapshot format v2 (an older release): sending v1 until restart; upgrade the functions (docs/sizing.md)');
    return true;
  }
}
