import type { z } from 'zod';
import { VpsieIncompleteListingError, VpsieInvalidResponseError } from './errors.ts';
import { listRows, parseRows, type UnreadableRow } from './rows.ts';
import type { ApiRequest, Transport } from './transport.ts';

// The two ways the client reads an answer: a list read row by row (callRows), and one object read
// whole (call). Every operation module (vm-reads, vm-writes, catalogue, scripts, projects) goes
// through these, so the unreadable-row report happens in one place.

export type UnreadableRowsEvent = { operation: string; unreadable: UnreadableRow[]; skippedNonVm: number };

export type ApiRequestWithoutAuth = Omit<ApiRequest, 'authenticated' | 'envelope'>;

export class ApiCalls {
  constructor(
    readonly transport: Transport,
    private readonly onUnreadableRows: ((event: UnreadableRowsEvent) => void) | undefined,
  ) {}

  /** An action (create, delete, add): 204 / no `data` is success. */
  async act(request: ApiRequestWithoutAuth): Promise<void> {
    await this.transport.request({ ...request, authenticated: true, envelope: true, ack: true });
  }

  /**
   * A list call read row by row: rows that fail `item` are left out and reported (onUnreadableRows);
   * those `harmless` says are not the kind of row asked for are counted apart and not returned as
   * unreadable. A payload that is not a list at all is an invalid response.
   */
  async callRows<S extends z.ZodType>(request: ApiRequestWithoutAuth, item: S, harmless?: (raw: unknown) => boolean): Promise<{ rows: Array<z.output<S>>; unreadable: UnreadableRow[] }> {
    const payload = await this.transport.request({ ...request, authenticated: true, envelope: true });
    const parsed = parseRows(payload, item);
    if (!parsed) {
      throw new VpsieInvalidResponseError(`${request.operation}: expected a list (an array, or {rows: [...]}), got ${JSON.stringify(payload)?.slice(0, 100) ?? 'nothing'}`, {
        operation: request.operation,
        bodySnippet: JSON.stringify(payload)?.slice(0, 300) ?? 'undefined',
      });
    }
    const raw = listRows(payload)!;
    const unreadable = harmless ? parsed.unreadable.filter((row) => !harmless(raw[row.index])) : parsed.unreadable;
    const skippedNonVm = parsed.unreadable.length - unreadable.length;
    if (parsed.unreadable.length > 0) {
      try {
        this.onUnreadableRows?.({ operation: request.operation, unreadable, skippedNonVm });
      } catch {
        // A broken hook must not break API calls.
      }
    }
    return { rows: parsed.rows, unreadable };
  }

  async call<S extends z.ZodType>(request: ApiRequestWithoutAuth, schema: S): Promise<z.output<S>> {
    const payload = await this.transport.request({ ...request, authenticated: true, envelope: true });
    const parsed = schema.safeParse(payload);
    if (parsed.success) return parsed.data;
    const issues = parsed.error.issues.slice(0, 5).map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
    throw new VpsieInvalidResponseError(`${request.operation}: unexpected payload: ${issues.join('; ')}`, {
      operation: request.operation,
      bodySnippet: JSON.stringify(payload)?.slice(0, 300) ?? 'undefined',
      cause: parsed.error,
    });
  }
}

export function incomplete(operation: string, rows: readonly UnreadableRow[], prefix = 'the listing is incomplete:'): VpsieIncompleteListingError {
  const first = rows[0];
  const what = first ? `row ${first.index}${first.hostname ? ` (${first.hostname})` : ''}: ${first.problem}` : '';
  return new VpsieIncompleteListingError(`${operation}: ${prefix} ${rows.length} row(s) could not be read (${what}); nothing is concluded from absence`, {
    operation,
    unreadableRows: rows.length,
  });
}
