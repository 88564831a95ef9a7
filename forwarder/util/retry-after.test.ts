import { describe, expect, it } from 'vitest';
import { parseRetryAfterMs } from './retry-after.ts';

// RFC 9110 §10.2.3: delay-seconds or an HTTP-date (all three forms), nothing else.

const NOW_MS = Date.UTC(1994, 10, 6, 8, 49, 0); // Sun, 06 Nov 1994 08:49:00 GMT

describe('parseRetryAfterMs', () => {
  it('reads delay-seconds, surrounding space trimmed, a decimal tolerated', () => {
    expect(parseRetryAfterMs('120', NOW_MS)).toBe(120_000);
    expect(parseRetryAfterMs(' 7 ', NOW_MS)).toBe(7_000);
    expect(parseRetryAfterMs('0', NOW_MS)).toBe(0);
    expect(parseRetryAfterMs('1.5', NOW_MS)).toBe(1_500);
  });

  it('reads the three HTTP-date forms as GMT, relative to the clock given', () => {
    expect(parseRetryAfterMs('Sun, 06 Nov 1994 08:49:37 GMT', NOW_MS)).toBe(37_000);
    expect(parseRetryAfterMs('Sunday, 06-Nov-94 08:49:37 GMT', NOW_MS)).toBe(37_000);
    // asctime carries no zone and means GMT (Date.parse alone reads it as local time).
    expect(parseRetryAfterMs('Sun Nov  6 08:49:37 1994', NOW_MS)).toBe(37_000);
    expect(parseRetryAfterMs('Sun, 06 Nov 1994 08:50:00 GMT', NOW_MS - 60_000)).toBe(120_000);
  });

  it('takes a date in the past as now', () => {
    expect(parseRetryAfterMs('Sun, 06 Nov 1994 08:48:00 GMT', NOW_MS)).toBe(0);
  });

  it('reads a repeated header by its first value', () => {
    expect(parseRetryAfterMs(['3', '9'], NOW_MS)).toBe(3_000);
    expect(parseRetryAfterMs([], NOW_MS)).toBeUndefined();
  });

  it('gives no hint for a missing, empty or malformed value', () => {
    for (const bad of [undefined, '', '   ', 'soon', '-5', '+5', '1e3', '0x10', '5 s', '12abc', 'Infinity',
      'soon 2030', 'Sun, 06 Nov 1994 08:49:37 +0200', 'Sun, 6 Nov 1994 08:49:37 GMT', '1994-11-06T08:49:37Z',
      'Funday, 06-Nov-94 08:49:37 GMT', 'Sun, 31 Feb 1994 08:49:37 GMT x']) {
      expect(parseRetryAfterMs(bad, NOW_MS), String(bad)).toBeUndefined();
    }
  });
});
