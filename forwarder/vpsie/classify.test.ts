import { describe, expect, it } from 'vitest';
import { classifyResponse } from './classify.ts';
import {
  VpsieApiError,
  VpsieAuthError,
  VpsieInvalidResponseError,
  VpsieNotFoundError,
  VpsieQuotaError,
  VpsieRateLimitError,
  VpsieServerError,
} from './errors.ts';

const classify = (status: number, body: unknown, retryAfter?: string) =>
  classifyResponse({ status, body: typeof body === 'string' ? body : JSON.stringify(body), retryAfter }, 'op', true, 0);

function errorOf(fn: () => unknown): Error {
  try {
    fn();
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a throw');
}

describe('classifyResponse', () => {
  it('returns data on success, including `data: true`', () => {
    expect(classify(200, { error: false, data: [1], total: 1 })).toEqual([1]);
    expect(classify(200, { error: false, data: true })).toBe(true);
  });

  it('treats "error": true on HTTP 200 as an error, retryable only when the code says server-side', () => {
    const validation = errorOf(() => classify(200, { error: true, code: 400, message: 'hostname is required' }));
    expect(validation).toBeInstanceOf(VpsieApiError);
    expect((validation as VpsieApiError).retryable).toBe(false);
    expect((validation as VpsieApiError).apiMessage).toBe('hostname is required');
    const server = errorOf(() => classify(200, { error: true, code: 500, message: 'Internal error' }));
    expect(server).toBeInstanceOf(VpsieServerError);
    expect((server as VpsieServerError).retryable).toBe(true);
  });

  it('recognises auth, not-found and quota failures', () => {
    expect(errorOf(() => classify(401, { error: true, code: 401, message: 'Please authenticate' }))).toBeInstanceOf(VpsieAuthError);
    expect(errorOf(() => classify(200, { error: true, message: 'Please authenticate' }))).toBeInstanceOf(VpsieAuthError);
    expect(errorOf(() => classify(200, { error: true, code: 0, message: 'VM Not found' }))).toBeInstanceOf(VpsieNotFoundError);
    expect(errorOf(() => classify(200, { error: true, code: 403, message: 'VM quota exceeded' }))).toBeInstanceOf(VpsieQuotaError);
  });

  it('reads 429 with Retry-After', () => {
    const error = errorOf(() => classify(429, 'slow down', '2'));
    expect(error).toBeInstanceOf(VpsieRateLimitError);
    expect((error as VpsieRateLimitError).retryAfterMs).toBe(2000);
  });

  it('turns an HTML 502 page into a retryable server error with a snippet', () => {
    const error = errorOf(() => classify(502, '<html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>'));
    expect(error).toBeInstanceOf(VpsieServerError);
    expect(error.message).toMatch(/HTML page/);
    expect((error as VpsieServerError).retryable).toBe(true);
  });

  it('gives a typed, non-retryable error for garbage on 200', () => {
    for (const body of ['<html>maintenance</html>', '{"error": false, "data": [', '', '"just a string"', { unrelated: 1 }]) {
      const error = errorOf(() => classify(200, body));
      expect(error).toBeInstanceOf(VpsieInvalidResponseError);
      expect((error as VpsieInvalidResponseError).retryable).toBe(false);
    }
  });

  it('never retries a plain 4xx', () => {
    const error = errorOf(() => classify(422, { message: 'bad' }));
    expect(error).toBeInstanceOf(VpsieApiError);
    expect((error as VpsieApiError).retryable).toBe(false);
  });
});
