import { describe, expect, it } from 'vitest';
import { toApiError } from './kube-errors.ts';

// A non-2xx answer of the API server as an error: the Status object's reason and message, and how
// long Retry-After says to wait (both forms, against the clock given).

const request = { method: 'POST', path: '/api/v1/namespaces/ns/pods/p/eviction' };
const NOW_MS = Date.UTC(2026, 0, 1, 0, 0, 0);

describe('toApiError', () => {
  it('reads a Status object and a delay-seconds Retry-After', () => {
    const error = toApiError(request, 429, JSON.stringify({ kind: 'Status', reason: 'TooManyRequests', message: 'Cannot evict pod as it would violate the pod\'s disruption budget.' }), '10', NOW_MS);
    expect(error).toMatchObject({ name: 'KubeApiError', status: 429, reason: 'TooManyRequests', retryAfterMs: 10_000 });
    expect(error.message).toBe(`POST ${request.path}: 429 TooManyRequests Cannot evict pod as it would violate the pod's disruption budget.`);
  });

  it('reads an HTTP-date Retry-After relative to the clock given, and none from a bad value', () => {
    expect(toApiError(request, 503, '', 'Thu, 01 Jan 2026 00:00:05 GMT', NOW_MS).retryAfterMs).toBe(5_000);
    expect(toApiError(request, 503, '', '5s', NOW_MS).retryAfterMs).toBeUndefined(); // parseInt read 5
    expect(toApiError(request, 503, '', undefined, NOW_MS).retryAfterMs).toBeUndefined();
  });

  it('keeps the start of a body that is not a Status object, with the status as the reason', () => {
    const error = toApiError(request, 502, `<html>${'x'.repeat(600)}</html>`, undefined, NOW_MS);
    expect(error.reason).toBe('502');
    expect(error.message.startsWith(`POST ${request.path}: 502`)).toBe(true);
    expect(error.message).toContain(`<html>${'x'.repeat(494)}`); // the first 500 characters
    expect(error.message).not.toContain('x'.repeat(495));
  });
});
