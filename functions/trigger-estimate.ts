import type { ContactRecord } from './state/cluster-records.ts';

// When will a trigger take effect? The functions cannot call the forwarder; the trigger is picked up
// by the forwarder's next contact. We know when we told it to come back (nextContactAfterMs) and its
// heartbeat, so we can say by when that should be — or that it has stopped calling.

export type EstimateBasis = 'next-contact' | 'heartbeat' | 'overdue' | 'never-contacted' | 'forwarder-silent';

export interface ContactEstimate {
  /** The latest time the next reconcile is expected; null when nobody is calling. */
  expectedByMs: number | null;
  basis: EstimateBasis;
  lastContactMs: number | null;
}

export function estimateNextContact(contact: ContactRecord | undefined, nowMs: number, heartbeatMs: number, silentAfterMs: number): ContactEstimate {
  if (!contact) return { expectedByMs: null, basis: 'never-contacted', lastContactMs: null };
  const { lastContactMs } = contact;
  if (nowMs - lastContactMs > silentAfterMs) return { expectedByMs: null, basis: 'forwarder-silent', lastContactMs };
  const byHeartbeat = lastContactMs + heartbeatMs;
  const planned = Math.min(contact.nextContactAfterMs, byHeartbeat);
  if (planned >= nowMs) return { expectedByMs: planned, basis: planned === byHeartbeat ? 'heartbeat' : 'next-contact', lastContactMs };
  // Late: expect it at the next heartbeat tick counted from the last contact.
  const ticks = Math.ceil((nowMs - lastContactMs) / heartbeatMs);
  return { expectedByMs: lastContactMs + ticks * heartbeatMs, basis: 'overdue', lastContactMs };
}
