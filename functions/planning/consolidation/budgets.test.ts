import { describe, expect, it } from 'vitest';
import { parseNodeGroupSpec, type NodeGroupSpecInput } from '../../../shared/nodegroup.ts';
import { cronMatches, cronProblem, parseCron, withinSchedule } from '../../../shared/cron.ts';
import { allowedDisruptions, budgetNodes } from './budgets.ts';

// Disruption budget rules (spec.disruption.budgets): percent rounding, counts, reasons, schedules.

const spec = (disruption: NodeGroupSpecInput['disruption']) => parseNodeGroupSpec({ maxNodes: 50, datacenterID: 'dc1', offeringIDs: ['small'], osImageID: 'os', disruption });
const at = (iso: string) => Date.parse(iso);
const NOON = at('2025-01-01T12:00:00Z'); // a Wednesday

describe('percent rounding', () => {
  it('rounds a percentage of the group up, as Karpenter does', () => {
    expect(budgetNodes('10%', 19)).toBe(2); // 1.9
    expect(budgetNodes('10%', 3)).toBe(1); // 0.3: a small group is not frozen by rounding
    expect(budgetNodes('10%', 20)).toBe(2);
    expect(budgetNodes('10%', 21)).toBe(3); // 2.1
    expect(budgetNodes('0%', 100)).toBe(0);
    expect(budgetNodes('100%', 7)).toBe(7);
    expect(budgetNodes('10%', 0)).toBe(0);
  });
  it('takes a count as it is', () => {
    expect(budgetNodes('2', 100)).toBe(2);
    expect(budgetNodes('0', 100)).toBe(0);
  });
  it('defaults to 10 % for nodes with workloads and 10 at a time for empty nodes (issue 22)', () => {
    expect(spec(undefined).disruption.budgets).toEqual([{ nodes: '10%', reasons: ['Underutilized', 'Drifted'] }, { nodes: '10', reasons: ['Empty'] }]);
    expect(allowedDisruptions(spec(undefined), 'Underutilized', 30, NOON).allowed).toBe(3);
    expect(allowedDisruptions(spec(undefined), 'Drifted', 50, NOON).allowed).toBe(5);
    expect(allowedDisruptions(spec(undefined), 'Empty', 50, NOON).allowed).toBe(10);
    expect(allowedDisruptions(spec(undefined), 'Empty', 4, NOON).allowed).toBe(10);
  });
  it('refuses what is neither a count nor a percentage', () => {
    expect(() => spec({ budgets: [{ nodes: '110%' }] })).toThrow('spec.disruption.budgets.0.nodes');
    expect(() => spec({ budgets: [{ nodes: '-1' }] })).toThrow('spec.disruption.budgets.0.nodes');
    expect(() => spec({ budgets: [{ nodes: 'ten' }] })).toThrow('spec.disruption.budgets.0.nodes');
  });
});

describe('several budgets and reasons', () => {
  it('applies the smallest of the budgets that match', () => {
    const s = spec({ budgets: [{ nodes: '50%' }, { nodes: '3' }] });
    expect(allowedDisruptions(s, 'Empty', 10, NOON)).toEqual({ allowed: 3, budgetIndex: 1 });
    expect(allowedDisruptions(s, 'Empty', 4, NOON)).toEqual({ allowed: 2, budgetIndex: 0 });
  });
  it('a budget with reasons limits only those reasons', () => {
    const s = spec({ budgets: [{ nodes: '100%' }, { nodes: '0', reasons: ['Underutilized'] }] });
    expect(allowedDisruptions(s, 'Underutilized', 10, NOON).allowed).toBe(0);
    expect(allowedDisruptions(s, 'Empty', 10, NOON).allowed).toBe(10);
    expect(allowedDisruptions(s, 'Drifted', 10, NOON).allowed).toBe(10);
  });
  it('no budget at all means no limit', () => {
    expect(allowedDisruptions(spec({ budgets: [] }), 'Empty', 10, NOON).allowed).toBe(Number.POSITIVE_INFINITY);
  });
  it('refuses an unknown reason', () => {
    expect(() => spec({ budgets: [{ nodes: '1', reasons: ['Expired' as 'Empty'] }] })).toThrow('spec.disruption.budgets.0.reasons.0');
  });
});

describe('schedules (cron, UTC) with a duration', () => {
  // Business hours on weekdays: no disruption from 09:00 for 8 h, Monday to Friday.
  const businessHours = spec({ budgets: [{ nodes: '10%' }, { nodes: '0', schedule: '0 9 * * 1-5', durationSeconds: 8 * 3600 }] });
  it('applies a scheduled budget only within its window', () => {
    expect(allowedDisruptions(businessHours, 'Empty', 10, at('2025-01-01T08:59:00Z')).allowed).toBe(1);
    expect(allowedDisruptions(businessHours, 'Empty', 10, at('2025-01-01T09:00:00Z')).allowed).toBe(0);
    expect(allowedDisruptions(businessHours, 'Empty', 10, at('2025-01-01T16:59:59Z')).allowed).toBe(0);
    expect(allowedDisruptions(businessHours, 'Empty', 10, at('2025-01-01T17:00:00Z')).allowed).toBe(1);
    // Saturday 2025-01-04: the schedule does not match.
    expect(allowedDisruptions(businessHours, 'Empty', 10, at('2025-01-04T12:00:00Z')).allowed).toBe(1);
  });
  it('a window crosses midnight', () => {
    const night = spec({ budgets: [{ nodes: '5', schedule: '@daily', durationSeconds: 3600 }, { nodes: '1' }] });
    expect(allowedDisruptions(night, 'Empty', 10, at('2025-01-01T23:59:00Z')).allowed).toBe(1);
    const lateNight = spec({ budgets: [{ nodes: '0', schedule: '0 22 * * *', durationSeconds: 4 * 3600 }] });
    expect(allowedDisruptions(lateNight, 'Empty', 10, at('2025-01-02T01:30:00Z')).allowed).toBe(0);
    expect(allowedDisruptions(lateNight, 'Empty', 10, at('2025-01-02T02:00:00Z')).allowed).toBe(Number.POSITIVE_INFINITY);
  });
  it('needs schedule and duration together, and a valid cron', () => {
    expect(() => spec({ budgets: [{ nodes: '0', schedule: '@daily' }] })).toThrow('schedule and durationSeconds go together');
    expect(() => spec({ budgets: [{ nodes: '0', durationSeconds: 600 }] })).toThrow('schedule and durationSeconds go together');
    expect(() => spec({ budgets: [{ nodes: '0', schedule: '61 * * * *', durationSeconds: 600 }] })).toThrow('minute "61" is outside 0-59');
    expect(() => spec({ budgets: [{ nodes: '0', schedule: '* * *', durationSeconds: 600 }] })).toThrow('needs 5 fields');
  });
  it('cron: steps, lists, ranges, Sunday as 0 or 7, and either day field when both are set', () => {
    expect(cronMatches(parseCron('*/15 * * * *'), at('2025-01-01T12:45:00Z'))).toBe(true);
    expect(cronMatches(parseCron('*/15 * * * *'), at('2025-01-01T12:46:00Z'))).toBe(false);
    expect(cronMatches(parseCron('0 8,20 * * *'), at('2025-01-01T20:00:00Z'))).toBe(true);
    expect(cronMatches(parseCron('0 0 * * 7'), at('2025-01-05T00:00:00Z'))).toBe(true); // a Sunday
    // Day 15 OR Monday: 2025-01-06 is a Monday, not the 15th.
    expect(cronMatches(parseCron('0 0 15 * 1'), at('2025-01-06T00:00:00Z'))).toBe(true);
    expect(cronMatches(parseCron('0 0 15 * 1'), at('2025-01-07T00:00:00Z'))).toBe(false);
    expect(cronProblem('0 0 * 13 *')).toContain('month');
    expect(withinSchedule(parseCron('@hourly'), 60_000, at('2025-01-01T12:00:30Z'))).toBe(true);
    expect(withinSchedule(parseCron('@hourly'), 60_000, at('2025-01-01T12:01:00Z'))).toBe(false);
  });
});
