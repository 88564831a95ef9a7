import { describe, expect, it } from 'vitest';
import { formatDuration } from './durations.ts';

describe('formatDuration', () => {
  it('keeps short windows readable instead of rounding them to 0 minutes', () => {
    expect(formatDuration(0)).toBe('0 s');
    expect(formatDuration(20_000)).toBe('20 s');
    expect(formatDuration(89_000)).toBe('89 s');
    expect(formatDuration(90_000)).toBe('2 minutes');
    expect(formatDuration(600_000)).toBe('10 minutes');
    expect(formatDuration(150 * 60_000)).toBe('2 h 30 min');
    expect(formatDuration(180 * 60_000)).toBe('3 h');
  });
});
