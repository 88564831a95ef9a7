import { VpsieApiError, VpsieCircuitOpenError, VpsieError, VpsieInvalidResponseError, VpsieNetworkError, VpsieServerError, VpsieTimeoutError } from './errors.ts';

// After a failed create: could VPSie have accepted it anyway? If so, creating again inside the same
// launch could buy a second VM (the first may show in /vm/pending only seconds later), so the launch
// is reported "unconfirmed" and later reconciles look for it by hostname instead.

/** Errors raised before anything reached VPSie's application: the VM certainly does not exist. */
const NEVER_REACHED = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);

/**
 * true: the create may have been accepted (no answer, a dropped connection, an answer not from the
 * API itself such as a proxy's HTML 502, or an answer that cannot be read).
 * false: it was refused before it was sent (open breaker, connection refused) or the API itself
 * answered with `"error": true` — a GUESS: VPSie documents no case where an API error envelope
 * comes after the VM was made; a proxy failing late answers with its own page, not the envelope.
 */
export function createMayHaveBeenAccepted(error: unknown): boolean {
  if (!(error instanceof VpsieError)) return true;
  if (error instanceof VpsieCircuitOpenError) return false;
  if (error instanceof VpsieTimeoutError || error instanceof VpsieInvalidResponseError) return true;
  if (error instanceof VpsieNetworkError) return !NEVER_REACHED.has(error.systemCode ?? '');
  if (error instanceof VpsieServerError) return error.apiMessage === undefined && error.apiCode === undefined;
  if (error instanceof VpsieApiError) return false;
  return false;
}
