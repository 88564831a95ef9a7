import type { z } from 'zod';

// Per-row tolerant reading of a list answer. One row the client cannot read must not fail the whole
// call (it would stop planning, or block every delete), so it is skipped and reported. It is never
// silently forgotten either: a caller that decides something from ABSENCE (a VM is gone, a hostname
// is free) must look at `unreadable` first, because the VM it looks for may be that very row.

/** A row that failed its schema, with what could be read of it (for the log and for safety checks). */
export type UnreadableRow = {
  index: number;
  /** The first few schema problems, "path: message". */
  problem: string;
  /** Present when the row had a string identifier/hostname even though something else was wrong. */
  identifier?: string;
  hostname?: string;
};

export type ParsedRows<T> = { rows: T[]; unreadable: UnreadableRow[] };

/**
 * The container of a list: a bare array (what the SDK decodes for /vm, /vm/pending, /datacenter) or
 * `{ rows: [...] }` (seen for /projects). Anything else — including a missing `data` — is NOT read as
 * an empty list: an empty VM list would make every VM look gone.
 */
export function listRows(payload: unknown): unknown[] | undefined {
  if (Array.isArray(payload)) return payload;
  if (typeof payload === 'object' && payload !== null && Array.isArray((payload as { rows?: unknown }).rows)) return (payload as { rows: unknown[] }).rows;
  return undefined;
}

/** Parses each row on its own. `undefined` when the payload is not a list at all. */
export function parseRows<S extends z.ZodType>(payload: unknown, item: S): ParsedRows<z.output<S>> | undefined {
  const raw = listRows(payload);
  if (!raw) return undefined;
  const rows: Array<z.output<S>> = [];
  const unreadable: UnreadableRow[] = [];
  raw.forEach((value, index) => {
    const parsed = item.safeParse(value);
    if (parsed.success) {
      rows.push(parsed.data);
      return;
    }
    const problem = parsed.error.issues
      .slice(0, 3)
      .map((i) => `${i.path.join('.') || '(row)'}: ${i.message}`)
      .join('; ');
    const record = typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {};
    const text = (key: string) => (typeof record[key] === 'string' && record[key] !== '' ? (record[key] as string) : undefined);
    const identifier = text('identifier');
    const hostname = text('hostname');
    unreadable.push({ index, problem, ...(identifier ? { identifier } : {}), ...(hostname ? { hostname } : {}) });
  });
  return { rows, unreadable };
}
