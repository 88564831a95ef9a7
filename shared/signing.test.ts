import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { AuthenticationError } from './errors.ts';
import { MemoryNonceStore, PLAN_METHOD, SIGNATURE_HEADERS, SignatureError, signMessage, verifyMessage, type SignatureFailure, type VerifyInput } from './signing.ts';

const KEY = 'k'.repeat(32);
const NOW = 1_767_000_000_000;
const BODY = gzipSync(JSON.stringify({ version: 'v1', pods: [] }));

function signed(overrides: Partial<Parameters<typeof signMessage>[0]> = {}) {
  const input = { key: KEY, clusterId: 'prod-1', method: 'POST', path: '/v1/reconcile', body: BODY, nowMs: NOW, ...overrides };
  return { headers: signMessage(input), input };
}

function verify(headers: Record<string, string>, overrides: Partial<VerifyInput> = {}) {
  return verifyMessage({ key: KEY, method: 'POST', path: '/v1/reconcile', body: BODY, headers, nowMs: NOW, nonceStore: new MemoryNonceStore(() => NOW), ...overrides });
}

async function refusal(promise: Promise<unknown>): Promise<SignatureFailure> {
  const error = await promise.then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(SignatureError);
  expect(error).toBeInstanceOf(AuthenticationError);
  return (error as SignatureError).reason;
}

describe('signMessage / verifyMessage', () => {
  it('accepts an untouched message and says who sent it', async () => {
    const { headers } = signed({ nonce: 'n'.repeat(22) });
    await expect(verify(headers)).resolves.toEqual({ clusterId: 'prod-1', nonce: 'n'.repeat(22), timestampMs: NOW });
  });

  it('puts a random 128-bit nonce in every message', () => {
    const a = signed().headers[SIGNATURE_HEADERS.nonce]!;
    const b = signed().headers[SIGNATURE_HEADERS.nonce]!;
    expect(a).toMatch(/^[0-9a-f]{32}$/);
    expect(a).not.toBe(b);
  });

  it('verifies the compressed bytes as sent, before anything decompresses them', async () => {
    const tampered = Buffer.from(BODY);
    tampered[tampered.length - 1] = tampered[tampered.length - 1]! ^ 1;
    expect(await refusal(verify(signed().headers, { body: tampered }))).toBe('bad-signature');
    expect(await refusal(verify(signed().headers, { body: Buffer.concat([BODY, Buffer.from([0])]) }))).toBe('bad-signature');
  });

  it('refuses a tampered body given as a string', async () => {
    const { headers } = signed({ body: '{"a":1}' });
    await expect(verify(headers, { body: '{"a":1}' })).resolves.toBeDefined();
    expect(await refusal(verify(headers, { body: '{"a":2}' }))).toBe('bad-signature');
  });

  it('refuses a message moved to another path or method', async () => {
    expect(await refusal(verify(signed().headers, { path: '/v1/webhook' }))).toBe('bad-signature');
    expect(await refusal(verify(signed().headers, { path: '/v1/reconcile?x=1' }))).toBe('bad-signature');
    expect(await refusal(verify(signed().headers, { method: 'PUT' }))).toBe('bad-signature');
    // A request cannot pass as a plan and a plan cannot pass as a request.
    expect(await refusal(verify(signed().headers, { method: PLAN_METHOD }))).toBe('bad-signature');
    expect(await refusal(verify(signed({ method: PLAN_METHOD }).headers))).toBe('bad-signature');
  });

  it('refuses the wrong key, an unknown cluster and a claimed cluster that differs from the signer', async () => {
    expect(await refusal(verify(signed().headers, { key: 'x'.repeat(32) }))).toBe('bad-signature');
    expect(await refusal(verify(signed().headers, { key: () => undefined }))).toBe('bad-signature');
    const moved = { ...signed().headers, [SIGNATURE_HEADERS.cluster]: 'prod-2' };
    expect(await refusal(verify(moved, { key: () => KEY }))).toBe('bad-signature');
  });

  it('looks the key up by the claimed cluster', async () => {
    const keys: Record<string, string> = { 'prod-1': KEY, 'prod-2': 'y'.repeat(32) };
    await expect(verify(signed().headers, { key: async (id) => keys[id] })).resolves.toMatchObject({ clusterId: 'prod-1' });
    await expect(verify(signed({ clusterId: 'prod-2', key: keys['prod-2']! }).headers, { key: (id) => keys[id] })).resolves.toMatchObject({ clusterId: 'prod-2' });
  });

  it('refuses a tampered timestamp or nonce header (both are signed)', async () => {
    const { headers } = signed();
    expect(await refusal(verify({ ...headers, [SIGNATURE_HEADERS.timestamp]: String(NOW + 1) }))).toBe('bad-signature');
    expect(await refusal(verify({ ...headers, [SIGNATURE_HEADERS.nonce]: 'a'.repeat(32) }))).toBe('bad-signature');
  });

  it('refuses timestamps more than 5 minutes off in either direction, and accepts exactly 5 minutes', async () => {
    expect(await refusal(verify(signed({ nowMs: NOW - 300_001 }).headers))).toBe('stale');
    expect(await refusal(verify(signed({ nowMs: NOW + 300_001 }).headers))).toBe('stale');
    await expect(verify(signed({ nowMs: NOW - 300_000 }).headers)).resolves.toBeDefined();
    await expect(verify(signed({ nowMs: NOW + 300_000 }).headers)).resolves.toBeDefined();
    expect(await refusal(verify(signed({ nowMs: NOW - 11_000 }).headers, { maxSkewMs: 10_000 }))).toBe('stale');
  });

  it('refuses a reused nonce, per cluster', async () => {
    const store = new MemoryNonceStore(() => NOW);
    const { headers } = signed({ nonce: 'same-nonce-123456' });
    await expect(verify(headers, { nonceStore: store })).resolves.toBeDefined();
    expect(await refusal(verify(headers, { nonceStore: store }))).toBe('replayed');
    // Same nonce, other cluster: a separate namespace.
    const other = signed({ nonce: 'same-nonce-123456', clusterId: 'prod-2' }).headers;
    await expect(verify(other, { nonceStore: store })).resolves.toBeDefined();
  });

  it('does not remember the nonce of a refused message', async () => {
    const store = new MemoryNonceStore(() => NOW);
    const { headers } = signed();
    await refusal(verify(headers, { nonceStore: store, body: 'forged' }));
    expect(store.size).toBe(0);
    await expect(verify(headers, { nonceStore: store })).resolves.toBeDefined();
  });

  it('refuses missing headers and names them', async () => {
    for (const name of Object.values(SIGNATURE_HEADERS)) {
      const headers: Record<string, string> = { ...signed().headers };
      delete headers[name];
      const error = await verify(headers).catch((e: SignatureError) => e);
      expect(error).toMatchObject({ reason: 'missing' });
      expect((error as Error).message).toContain(name);
    }
    expect(await refusal(verify({}))).toBe('missing');
    expect(await refusal(verify({ ...signed().headers, [SIGNATURE_HEADERS.signature]: '' }))).toBe('missing');
  });

  it('refuses malformed headers', async () => {
    const { headers } = signed();
    expect(await refusal(verify({ ...headers, [SIGNATURE_HEADERS.timestamp]: 'yesterday' }))).toBe('malformed');
    expect(await refusal(verify({ ...headers, [SIGNATURE_HEADERS.nonce]: 'short' }))).toBe('malformed');
    expect(await refusal(verify({ ...headers, [SIGNATURE_HEADERS.signature]: 'zz' }))).toBe('malformed');
    expect(await refusal(verify({ ...headers, [SIGNATURE_HEADERS.cluster]: 'Prod 1' }))).toBe('malformed');
  });

  it('reads headers from a fetch Headers object and from any-case records', async () => {
    const { headers } = signed();
    await expect(verify(new Headers(headers) as unknown as Record<string, string>)).resolves.toBeDefined();
    const upper = Object.fromEntries(Object.entries(signed().headers).map(([k, v]) => [k.toUpperCase(), v]));
    await expect(verify(upper)).resolves.toBeDefined();
  });

  it('signs plans with method PLAN over the request path', async () => {
    const plan = JSON.stringify({ version: 'v1', commands: [] });
    const headers = signMessage({ key: KEY, clusterId: 'prod-1', method: PLAN_METHOD, path: '/v1/reconcile', body: plan, nowMs: NOW });
    await expect(verify(headers, { method: PLAN_METHOD, body: plan })).resolves.toBeDefined();
  });

  it('binds a plan to the request it answers: verified with another request nonce it is refused', async () => {
    const plan = JSON.stringify({ version: 'v1', commands: [] });
    const requestNonce = 'r'.repeat(32);
    const headers = signMessage({ key: KEY, clusterId: 'prod-1', method: PLAN_METHOD, path: '/v1/reconcile', body: plan, nowMs: NOW, inReplyTo: requestNonce });
    await expect(verify(headers, { method: PLAN_METHOD, body: plan, inReplyTo: requestNonce })).resolves.toBeDefined();
    // The same plan, handed over as the answer to a later request (its nonce differs), or unbound.
    expect(await refusal(verify(headers, { method: PLAN_METHOD, body: plan, inReplyTo: 's'.repeat(32) }))).toBe('bad-signature');
    expect(await refusal(verify(headers, { method: PLAN_METHOD, body: plan }))).toBe('bad-signature');
    // An unbound plan does not pass where a binding is required.
    const unbound = signMessage({ key: KEY, clusterId: 'prod-1', method: PLAN_METHOD, path: '/v1/reconcile', body: plan, nowMs: NOW });
    expect(await refusal(verify(unbound, { method: PLAN_METHOD, body: plan, inReplyTo: requestNonce }))).toBe('bad-signature');
  });

  it('refuses an empty key', () => {
    expect(() => signed({ key: '' })).toThrow(/must not be empty/);
  });
});

describe('MemoryNonceStore', () => {
  it('forgets nonces once they expire, and prunes them', async () => {
    let now = 1000;
    const store = new MemoryNonceStore(() => now, 0);
    expect(await store.remember('c', 'n1', 2000)).toBe(true);
    expect(await store.remember('c', 'n1', 2000)).toBe(false);
    now = 2000;
    expect(await store.remember('c', 'n2', 5000)).toBe(true);
    expect(store.size).toBe(1);
    expect(await store.remember('c', 'n1', 5000)).toBe(true);
  });
});
