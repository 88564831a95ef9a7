import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { AppError } from './errors.ts';
import { createLogger, REDACTED, redactSecrets } from './logger.ts';

function capture() {
  const lines: string[] = [];
  const destination = new Writable({ write(chunk, _enc, done) { lines.push(String(chunk)); done(); } });
  return { lines, destination, records: () => lines.map((l) => JSON.parse(l) as Record<string, unknown>) };
}

describe('createLogger', () => {
  it('writes JSON lines with level, time, name and message', () => {
    const out = capture();
    createLogger({ name: 'forwarder', destination: out.destination }).info({ nodes: 3 }, 'reconciled');
    expect(out.records()[0]).toMatchObject({ level: 'info', name: 'forwarder', nodes: 3, msg: 'reconciled' });
    expect(typeof out.records()[0]!.time).toBe('string');
  });

  it('honours the level', () => {
    const out = capture();
    const log = createLogger({ name: 'x', level: 'warn', destination: out.destination });
    log.info('hidden');
    log.warn('shown');
    expect(out.records().map((r) => r.msg)).toEqual(['shown']);
  });

  it('redacts secrets at any depth, in bindings and in errors', () => {
    const out = capture();
    const log = createLogger({ name: 'x', destination: out.destination }).child({ credentials: { clientSecret: 's3cret-1' } }).child({ component: 'c', token: 'tok-9' });
    const requestError = Object.assign(new AppError('request failed', { cause: new Error('inner') }), {
      config: { headers: { 'Vpsie-Auth': 'tok-2', Authorization: 'Bearer tok-3' } },
    });
    log.error({
      err: requestError,
      request: { headers: { authorization: 'Bearer tok-4', 'x-vpsie-cluster': 'prod-1' } },
      vpsie: { password: 'pw-5', username: 'ops' },
      signingKey: 'key-6',
      token: 'tok-7',
      taint: { key: 'dedicated', value: 'gpu', effect: 'NoSchedule' },
      list: [{ access_token: 'tok-8' }],
    }, 'failed');
    const line = out.lines.join('');
    for (const secret of ['s3cret-1', 'tok-2', 'tok-3', 'tok-4', 'pw-5', 'key-6', 'tok-7', 'tok-8', 'tok-9']) expect(line).not.toContain(secret);
    const record = out.records()[0]!;
    expect(record).toMatchObject({
      credentials: { clientSecret: REDACTED },
      request: { headers: { authorization: REDACTED, 'x-vpsie-cluster': 'prod-1' } },
      vpsie: { password: REDACTED, username: 'ops' },
      taint: { key: 'dedicated' },
      err: { type: 'AppError', message: expect.stringContaining('request failed'), config: { headers: { 'Vpsie-Auth': REDACTED } } },
    });
    expect(line).toContain('inner');
  });
});

describe('redactSecrets', () => {
  it('copies rather than mutates, and survives cycles', () => {
    const input: Record<string, unknown> = { token: 't', nested: { ok: 1 } };
    input.self = input;
    const out = redactSecrets(input) as Record<string, unknown>;
    expect(input.token).toBe('t');
    expect(out).toMatchObject({ token: REDACTED, nested: { ok: 1 }, self: '[circular]' });
  });

  it('reads fetch Headers', () => {
    expect(redactSecrets({ headers: new Headers({ authorization: 'x', accept: 'json' }) })).toEqual({ headers: { authorization: REDACTED, accept: 'json' } });
  });
});

describe('redaction by substring', () => {
  it('redacts any field whose name contains token, password, secret, key or authorization, in any case', () => {
    const input = {
      'X-Api-Key': 'v-1', vpsieApiToken: 'v-2', DB_PASSWORD_OLD: 'v-3', webhookSecretValue: 'v-4', 'Proxy-Authorization': 'v-5',
      privateKeyPem: 'v-6', refresh_TOKEN: 'v-7', nested: { deeper: [{ myBearerToken: 'v-8' }] }, sshKeys: ['v-9'],
    };
    const text = JSON.stringify(redactSecrets(input));
    for (let i = 1; i <= 9; i++) expect(text).not.toContain(`v-${i}`);
    expect(text.match(/\[redacted\]/g)).toHaveLength(9);
  });

  it('keeps numbers, booleans, taint keys and the few names that only look secret', () => {
    const input = {
      fencingToken: 42, lastFencingToken: 41, bootstrapTokenTtlMs: 1_800_000, hasKey: true,
      taint: { key: 'dedicated', effect: 'NoSchedule' }, secretName: 'vpsie-credentials', credentialsSecret: 'vpsie-credentials', topologyKey: 'kubernetes.io/hostname', tokenId: 'abcdef',
      username: 'ops',
    };
    expect(redactSecrets(input)).toEqual(input);
  });
});
