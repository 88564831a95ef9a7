import { describe, expect, it } from 'vitest';
import { MAX_FENCING_TOKEN, parseFencingToken } from './fencing-token.ts';
import { planMessageSchema } from './plan-message.ts';

describe('parseFencingToken', () => {
  it('reads exact integers from numbers and decimal text', () => {
    expect(parseFencingToken(0)).toBe(0);
    expect(parseFencingToken('42')).toBe(42);
    expect(parseFencingToken(' 7 ')).toBe(7);
    expect(parseFencingToken(String(2 ** 53 - 1))).toBe(9_007_199_254_740_991);
  });

  it('refuses what Number() would round or accept loosely', () => {
    // Number('9007199254740993') is 9007199254740992: two tokens that would compare equal.
    expect(parseFencingToken('9007199254740993')).toBeUndefined();
    expect(parseFencingToken(2 ** 53)).toBeUndefined();
    expect(parseFencingToken('1e3')).toBeUndefined();
    expect(parseFencingToken('0x10')).toBeUndefined();
    expect(parseFencingToken('')).toBeUndefined();
    expect(parseFencingToken(-1)).toBeUndefined();
    expect(parseFencingToken(1.5)).toBeUndefined();
    expect(parseFencingToken(undefined)).toBeUndefined();
  });

  it('is the plan schema\'s bound too', () => {
    const plan = (fencingToken: number) => ({ version: 'v1', clusterId: 'c', planId: 'p', fencingToken, issuedAtMs: 0, commands: [], decisions: [], nextContactAfterMs: 0 });
    expect(planMessageSchema.safeParse(plan(MAX_FENCING_TOKEN)).success).toBe(true);
    expect(planMessageSchema.safeParse(plan(2 ** 53)).success).toBe(false);
    expect(planMessageSchema.safeParse(JSON.parse(JSON.stringify(plan(1)).replace('"fencingToken":1', '"fencingToken":9007199254740993'))).success).toBe(false);
  });
});
