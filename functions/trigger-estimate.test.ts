import { describe, expect, it } from 'vitest';
import type { ContactRecord } from './state/cluster-records.ts';
import { estimateNextContact } from './trigger-estimate.ts';

const contact = (lastContactMs: number, nextContactAfterMs: number): ContactRecord => ({
  lastContactMs, nextContactAfterMs, forwarderId: 'fw', forwarderVersion: '1', lastPlanId: 'p', lastSnapshotTakenAtMs: 0, fencingToken: 1,
});

describe('estimateNextContact', () => {
  it('uses the next contact the last plan asked for when it is sooner than the heartbeat', () => {
    expect(estimateNextContact(contact(1_000, 6_000), 2_000, 30_000, 600_000)).toEqual({ expectedByMs: 6_000, basis: 'next-contact', lastContactMs: 1_000 });
  });

  it('falls back to the heartbeat', () => {
    expect(estimateNextContact(contact(1_000, 100_000), 2_000, 30_000, 600_000)).toEqual({ expectedByMs: 31_000, basis: 'heartbeat', lastContactMs: 1_000 });
  });

  it('expects a late forwarder at its next heartbeat tick', () => {
    expect(estimateNextContact(contact(1_000, 31_000), 40_000, 30_000, 600_000)).toEqual({ expectedByMs: 61_000, basis: 'overdue', lastContactMs: 1_000 });
  });

  it('says so when the forwarder never called or has gone silent', () => {
    expect(estimateNextContact(undefined, 0, 30_000, 600_000).basis).toBe('never-contacted');
    expect(estimateNextContact(contact(1_000, 31_000), 700_000, 30_000, 600_000)).toEqual({ expectedByMs: null, basis: 'forwarder-silent', lastContactMs: 1_000 });
  });
});
