import { describe, expect, it } from 'vitest';
import { AppError } from '../../shared/errors.ts';
import { VpsieApiError, VpsieAuthError, VpsieError, VpsieNetworkError, VpsieServerError, VpsieTimeoutError } from './errors.ts';

describe('VPSie errors', () => {
  it('set name, a stable code, retryable, and carry the cause', () => {
    const cause = new Error('ECONNRESET');
    const network = new VpsieNetworkError('reset', { operation: 'listVms', systemCode: 'ECONNRESET', cause });
    expect(network).toBeInstanceOf(VpsieError);
    expect(network).toBeInstanceOf(AppError);
    expect(network).toMatchObject({ name: 'VpsieNetworkError', code: 'vpsie.network', retryable: true, operation: 'listVms', systemCode: 'ECONNRESET', cause });
    expect(new VpsieServerError('x', { httpStatus: 502 })).toMatchObject({ name: 'VpsieServerError', code: 'vpsie.server', retryable: true, httpStatus: 502 });
    expect(new VpsieAuthError('x', { httpStatus: 401 })).toMatchObject({ name: 'VpsieAuthError', code: 'vpsie.auth', retryable: false });
    expect(new VpsieApiError('x', { httpStatus: 200, apiCode: 400 })).toMatchObject({ name: 'VpsieApiError', code: 'vpsie.api', retryable: false, apiCode: 400 });
    expect(new VpsieTimeoutError('x', { timeoutMs: 5 })).toMatchObject({ code: 'vpsie.timeout', timeoutMs: 5 });
  });
});
