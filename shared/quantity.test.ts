import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatBytes, formatCpuMillis, GIB, isQuantity, MIB, parseBytes, parseCount, parseCpuMillis, QuantityError } from './quantity.ts';

const BINARY = { Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50 } as const;
const DECIMAL = { k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15 } as const;

describe('quantity examples', () => {
  it.each([
    ['500m', 500], ['2', 2000], ['0.1', 100], ['1.5', 1500], ['.5', 500], ['1e3', 1_000_000], ['1e-3', 1], ['1E2', 100_000],
    ['100u', 1], ['1n', 1], ['0', 0], ['+3', 3000], ['2k', 2_000_000], ['-1', -1000], ['0.0005', 1],
  ])('cpu %s = %i millicores', (text, millis) => {
    expect(parseCpuMillis(text)).toBe(millis);
  });

  it.each([
    ['1Gi', GIB], ['1G', 1e9], ['128974848', 128974848], ['129e6', 129e6], ['129M', 129e6], ['123Mi', 123 * MIB],
    ['0.5Gi', 512 * MIB], ['1.5Ki', 1536], ['1k', 1000], ['1Ki', 1024], ['100m', 1], ['1500m', 2], ['1e0', 1], ['5.', 5], ['7Pi', 7 * 2 ** 50],
  ])('memory %s = %i bytes', (text, bytes) => {
    expect(parseBytes(text)).toBe(bytes);
  });

  it('accepts numbers as well as strings', () => {
    expect(parseCpuMillis(2)).toBe(2000);
    expect(parseBytes(1024)).toBe(1024);
    expect(parseCount('110')).toBe(110);
    expect(parseCount('1k')).toBe(1000);
  });

  it.each(['', 'abc', '1.2.3', '1Gib', '1 Gi', 'Gi', '1e', '--1', '1KiB', '0x10', '1e1000'])('refuses %j', (text) => {
    expect(() => parseBytes(text)).toThrow(QuantityError);
    expect(isQuantity(text)).toBe(false);
  });

  it('refuses values too large to hold exactly and says so', () => {
    expect(() => parseBytes('100Ei')).toThrow(/too large/);
    expect(() => parseCpuMillis('1e20')).toThrow(/too large/);
  });

  it('formats canonically', () => {
    expect(formatCpuMillis(2000)).toBe('2');
    expect(formatCpuMillis(1500)).toBe('1500m');
    expect(formatCpuMillis(0)).toBe('0');
    expect(formatBytes(0)).toBe('0');
    expect(formatBytes(1536 * MIB)).toBe('1536Mi');
    expect(formatBytes(3 * GIB)).toBe('3Gi');
    expect(formatBytes(1000)).toBe('1000');
    expect(formatBytes(2 ** 60)).toBe('1Ei');
  });
});

describe('quantity properties', () => {
  const safe = fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER });

  it('cpu: format then parse is the identity', () => {
    fc.assert(fc.property(fc.integer({ min: -1e12, max: 1e12 }), (millis) => {
      expect(parseCpuMillis(formatCpuMillis(millis))).toBe(millis);
    }));
  });

  it('bytes: format then parse is the identity', () => {
    fc.assert(fc.property(fc.oneof(safe, fc.integer({ min: 0, max: 2 ** 23 }).map((n) => n * 1024), fc.integer({ min: 0, max: 2 ** 13 }).map((n) => n * GIB)), (bytes) => {
      expect(parseBytes(formatBytes(bytes))).toBe(bytes);
    }));
  });

  it('every binary and decimal suffix multiplies exactly, or the value is refused as too large', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 8000 }), fc.constantFrom(...Object.keys(BINARY), ...Object.keys(DECIMAL), 'Ei', 'E'), (n, suffix) => {
      const unit = (BINARY as Record<string, number>)[suffix] ?? (DECIMAL as Record<string, number>)[suffix] ?? (suffix === 'Ei' ? 2 ** 60 : 1e18);
      if (BigInt(n) * BigInt(unit) <= BigInt(Number.MAX_SAFE_INTEGER)) {
        expect(parseBytes(`${n}${suffix}`)).toBe(n * unit);
        expect(parseCount(`${n}${suffix}`)).toBe(n * unit);
      } else {
        expect(() => parseBytes(`${n}${suffix}`)).toThrow(/too large/);
      }
    }));
  });

  it('e notation equals the decimal suffix of the same exponent', () => {
    const exps = { 3: 'k', 6: 'M', 9: 'G', 12: 'T' } as const;
    fc.assert(fc.property(fc.integer({ min: 0, max: 8000 }), fc.constantFrom(3, 6, 9, 12), fc.constantFrom('e', 'E'), fc.boolean(), (n, exp, e, plus) => {
      expect(parseBytes(`${n}${e}${plus ? '+' : ''}${exp}`)).toBe(parseBytes(`${n}${exps[exp as 3]}`));
    }));
  });

  it('fractions are exact: a.bcd cores = abcd millicores, and sub-unit remainders round up', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 1e9 }), fc.integer({ min: 0, max: 999 }), (whole, frac) => {
      const text = `${whole}.${String(frac).padStart(3, '0')}`;
      expect(parseCpuMillis(text)).toBe(whole * 1000 + frac);
      expect(parseCpuMillis(`${text}1`)).toBe(whole * 1000 + frac + 1); // one more digit: rounds up
      expect(parseCpuMillis(`${whole * 1000 + frac}m`)).toBe(whole * 1000 + frac);
    }));
  });

  it('binary fractions: x.5Gi and x.25Mi are whole bytes', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 1e6 }), fc.constantFrom(['5', 0.5], ['25', 0.25], ['125', 0.125]), (n, [digits, value]) => {
      expect(parseBytes(`${n}.${digits}Gi`)).toBe((n + (value as number)) * GIB);
      expect(parseBytes(`${n}.${digits}Mi`)).toBe((n + (value as number)) * MIB);
    }));
  });

  it('millicores of memory round up to the next byte', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 1e9 }), (milli) => {
      expect(parseBytes(`${milli}m`)).toBe(Math.ceil(milli / 1000));
    }));
  });

  it('every string the parser accepts is a quantity, and formatting always produces one', () => {
    fc.assert(fc.property(safe, (n) => {
      expect(isQuantity(formatBytes(n))).toBe(true);
      expect(isQuantity(formatCpuMillis(n))).toBe(true);
    }));
  });
});
