import { parseRetryAfterMs } from '../util/retry-after.ts';
import {
  VpsieApiError,
  VpsieAuthError,
  VpsieInvalidResponseError,
  VpsieNotFoundError,
  VpsieQuotaError,
  VpsieRateLimitError,
  VpsieServerError,
} from './errors.ts';

// Turns one HTTP answer into either the payload or a typed error. The API's quirks decide the order:
// `"error": true` can come with HTTP 200, a 502 can be an HTML page, a missing object can be a
// "Not found" message.

export type RawResponse = { status: number; body: string; retryAfter: string | undefined };

const SNIPPET_CHARS = 300;
const QUOTA_MESSAGE = /quota|maximum number of (vms|servers|instances)|insufficient (balance|funds|credit)|limit (reached|exceeded)/i;
const NOT_FOUND_MESSAGE = /not found|does not exist|no such/i;
const AUTH_MESSAGE = /please authenticate|unauthori[sz]ed|invalid token|token expired/i;

export function snippet(body: string): string {
  const compact = body.replace(/\s+/g, ' ').trim();
  return compact.length > SNIPPET_CHARS ? `${compact.slice(0, SNIPPET_CHARS)}…` : compact;
}

function parseJson(text: string): { ok: true; value: unknown } | { ok: false } {
  if (text.trim() === '') return { ok: false };
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch {
    return { ok: false };
  }
}

function asRecord(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

function codeOf(value: unknown): number | undefined {
  const n = typeof value === 'number' ? value : typeof value === 'string' && value.trim() !== '' ? Number(value) : NaN;
  return Number.isInteger(n) ? n : undefined;
}

/**
 * @param envelope true for API calls (`{error, data}`), false for the login answer, which is a bare object.
 * @param ack true for actions whose answer carries nothing the client needs (create, delete, script
 *   add/delete): a 2xx with an empty body (204) or `{"error": false}` without `data` is success, as in
 *   the official SDK, which decodes no answer for these calls. Lists and reads keep `ack` false: a
 *   missing `data` there is never read as "nothing".
 * @returns the envelope's `data` (or the whole body when `envelope` is false; `true` for an empty ack).
 */
export function classifyResponse(response: RawResponse, operation: string, envelope: boolean, nowMs: number, ack = false): unknown {
  const { status } = response;
  const json = parseJson(response.body);
  const where = `${operation}: HTTP ${status}`;
  const success = status >= 200 && status < 300;

  if (ack && success && response.body.trim() === '') return true;

  if (status === 429) {
    const retryAfterMs = parseRetryAfterMs(response.retryAfter, nowMs);
    return fail(new VpsieRateLimitError(`${where}: rate limited${retryAfterMs === undefined ? '' : ` (retry after ${retryAfterMs} ms)`}`, { operation, httpStatus: status, retryAfterMs }));
  }

  if (!json.ok) {
    const details = { operation, httpStatus: status, bodySnippet: snippet(response.body) };
    const kind = /<html|<!doctype/i.test(response.body) ? 'an HTML page' : response.body.trim() === '' ? 'an empty body' : 'a body that is not JSON';
    if (status >= 500) return fail(new VpsieServerError(`${where} with ${kind}: ${details.bodySnippet}`, details));
    if (status === 401) return fail(new VpsieAuthError(`${where}: not authenticated`, details));
    if (status >= 400) return fail(new VpsieApiError(`${where} with ${kind}`, { ...details, retryable: false }));
    return fail(new VpsieInvalidResponseError(`${where}: expected JSON, got ${kind}: ${details.bodySnippet}`, details));
  }

  const body = asRecord(json.value);
  const errorFlag = body?.['error'];
  if (body && (errorFlag === true || errorFlag === 1 || errorFlag === '1' || errorFlag === 'true')) {
    const apiCode = codeOf(body['code']);
    const apiMessage = typeof body['message'] === 'string' ? body['message'] : undefined;
    const effective = apiCode ?? status;
    const text = `${where}: API error${apiCode === undefined ? '' : ` ${apiCode}`}: ${apiMessage ?? '(no message)'}`;
    const details = { operation, httpStatus: status, apiCode, apiMessage };
    const message = apiMessage ?? '';
    if (status === 401 || effective === 401 || AUTH_MESSAGE.test(message)) return fail(new VpsieAuthError(text, details));
    if (effective === 429) return fail(new VpsieRateLimitError(text, details));
    if (QUOTA_MESSAGE.test(message)) return fail(new VpsieQuotaError(text, details));
    if (effective === 404 || NOT_FOUND_MESSAGE.test(message)) return fail(new VpsieNotFoundError(text, details));
    if (effective >= 500 || status >= 500) return fail(new VpsieServerError(text, details));
    // A validation or permission failure: sending the same request again gives the same answer.
    return fail(new VpsieApiError(text, { ...details, retryable: false }));
  }

  if (status >= 500) return fail(new VpsieServerError(`${where}: ${snippet(response.body)}`, { operation, httpStatus: status }));
  if (status === 401) return fail(new VpsieAuthError(`${where}: not authenticated`, { operation, httpStatus: status }));
  if (status >= 400) return fail(new VpsieApiError(`${where}: ${snippet(response.body)}`, { operation, httpStatus: status, retryable: false }));

  if (!envelope) return json.value;
  if (ack && body && !('data' in body)) return true;
  if (!body || !('data' in body)) {
    return fail(new VpsieInvalidResponseError(`${where}: JSON without the {"error", "data"} envelope: ${snippet(response.body)}`, { operation, httpStatus: status, bodySnippet: snippet(response.body) }));
  }
  return body['data'];
}

function fail(error: Error): never {
  throw error;
}
