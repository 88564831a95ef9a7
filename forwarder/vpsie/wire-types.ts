import { z } from 'zod';

// Tolerant zod primitives for the VPSie wire format: booleans as 0/1 (or true/false, or "0"/"1"),
// numbers and money as a number or a string, optional strings as null or "".

export const flag = z
  .union([z.boolean(), z.number(), z.string()])
  .nullish()
  .transform((v) => v === true || v === 1 || v === '1' || v === 'true');

/** An integer or decimal sent as a number or a numeric string. */
export const numeric = z.union([z.number(), z.string()]).transform((v, ctx) => {
  const n = typeof v === 'number' ? v : Number(v.trim());
  if (!Number.isFinite(n) || (typeof v === 'string' && v.trim() === '')) {
    ctx.addIssue({ code: 'custom', message: `expected a number, got ${JSON.stringify(v)}` });
    return z.NEVER;
  }
  return n;
});

export const optionalNumeric = numeric.nullish().transform((v) => v ?? null);

/** Money: 12, "12", "12.00", "$12.00". */
export const money = z.union([z.number(), z.string()]).transform((v, ctx) => {
  const n = typeof v === 'number' ? v : Number(v.replace(/[$\u20ac,\s]/g, ''));
  if (!Number.isFinite(n) || n < 0) {
    ctx.addIssue({ code: 'custom', message: `expected a price, got ${JSON.stringify(v)}` });
    return z.NEVER;
  }
  return n;
});

/** An identifier sent as a string or a number, kept as a string. */
export const idString = z.union([z.string().min(1), z.number()]).transform((v) => String(v));

export const optionalString = z
  .union([z.string(), z.number()])
  .nullish()
  .transform((v) => (v === null || v === undefined || v === '' ? null : String(v)));

/** A list either bare (`data: [...]`) or wrapped (`data: { rows: [...], count, total }`). */
export function listOf<T extends z.ZodType>(item: T) {
  // preprocess rather than a union, so that a bad row is reported with its path (0.identifier: …)
  return z.preprocess((value) => {
    if (typeof value === 'object' && value !== null && !Array.isArray(value) && 'rows' in value) return (value as { rows: unknown }).rows;
    return value;
  }, z.array(item));
}

/**
 * `created_on` comes as "YYYY-MM-DD HH:MM:SS" with no zone; read it as UTC (Date.parse would read it as
 * local time). Strings with a zone are parsed as they are. Unreadable → null.
 */
export function apiTimeMs(text: string | null): number | null {
  if (!text) return null;
  const trimmed = text.trim();
  const zoneless = /^\d{4}-\d\d-\d\d([ T]\d\d:\d\d(:\d\d(\.\d+)?)?)?$/.test(trimmed);
  const ms = Date.parse(zoneless ? `${trimmed.replace(' ', 'T')}${trimmed.length > 10 ? 'Z' : 'T00:00:00Z'}` : trimmed);
  return Number.isFinite(ms) ? ms : null;
}

/**
 * A number nobody decides anything from (a VM row's id, cpu, ram, ssd): unreadable → null instead of
 * an unreadable row, so that an odd size does not hide the VM from a listing.
 */
export const lenientNumeric = z.unknown().optional().transform((v) => {
  const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v.trim()) : NaN;
  return Number.isFinite(n) ? n : null;
});
