import { describe, expect, it } from 'vitest';
import { createMayHaveBeenAccepted } from './create-outcome.ts';
import { VpsieApiError, VpsieCircuitOpenError, VpsieInvalidResponseError, VpsieNetworkError, VpsieQuotaError, VpsieRateLimitError, VpsieServerError, VpsieTimeoutError } from './errors.ts';

// Whether a failed create might have made a VM: decides between "unconfirmed" (never sent again)
// and "refused" (may be sent again after a look).

describe('createMayHaveBeenAccepted', () => {
  it.each([
    ['no answer in time', new VpsieTimeoutError('t', { operation: 'createVm', timeoutMs: 15_000 })],
    ['a connection reset', new VpsieNetworkError('r', { operation: 'createVm', systemCode: 'ECONNRESET' })],
    ['a proxy\'s HTML 502', new VpsieServerError('p', { operation: 'createVm', httpStatus: 502 })],
    ['an unreadable answer', new VpsieInvalidResponseError('x', { operation: 'createVm' })],
    ['an unknown error', new Error('bug')],
  ])('yes after %s', (_what, error) => {
    expect(createMayHaveBeenAccepted(error)).toBe(true);
  });

  it.each([
    ['an API error envelope with a 5xx code', new VpsieServerError('s', { operation: 'createVm', httpStatus: 500, apiCode: 500, apiMessage: 'Internal error' })],
    ['a validation error', new VpsieApiError('v', { operation: 'createVm', httpStatus: 200, apiCode: 400, apiMessage: 'Invalid hostname', retryable: false })],
    ['a quota error', new VpsieQuotaError('q', { operation: 'createVm', httpStatus: 200, apiMessage: 'quota' })],
    ['a 429', new VpsieRateLimitError('l', { operation: 'createVm', httpStatus: 429 })],
    ['a refused connection', new VpsieNetworkError('c', { operation: 'createVm', systemCode: 'ECONNREFUSED' })],
    ['an open breaker', new VpsieCircuitOpenError('o', { operation: 'createVm', retryAtMs: 0 })],
  ])('no after %s', (_what, error) => {
    expect(createMayHaveBeenAccepted(error)).toBe(false);
  });
});
