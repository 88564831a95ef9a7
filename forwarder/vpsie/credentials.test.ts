import { describe, expect, it } from 'vitest';
import { credentialsFromSecret } from './credentials.ts';
import { VpsieCredentialsError } from './errors.ts';

const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64');

describe('credentialsFromSecret', () => {
  it('reads a token and trims the trailing newline that `echo | base64` leaves', () => {
    expect(credentialsFromSecret({ token: b64('tok-123\n'), deletePassword: b64('pw') })).toEqual({ kind: 'token', token: 'tok-123', deletePassword: 'pw' });
  });

  it('reads clientId + clientSecret', () => {
    expect(credentialsFromSecret({ clientId: b64('id'), clientSecret: b64('secret'), deletePassword: b64('pw') })).toEqual({
      kind: 'client',
      clientId: 'id',
      clientSecret: 'secret',
      deletePassword: 'pw',
    });
  });

  it('prefers the token when both modes are present', () => {
    expect(credentialsFromSecret({ token: b64('t'), clientId: b64('id'), clientSecret: b64('s'), deletePassword: b64('pw') }).kind).toBe('token');
  });

  it('lists every problem at once', () => {
    try {
      credentialsFromSecret({ clientId: b64('id') });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(VpsieCredentialsError);
      const problems = (error as VpsieCredentialsError).problems;
      expect(problems).toHaveLength(2);
      expect(problems.join()).toMatch(/deletePassword/);
      expect(problems.join()).toMatch(/clientSecret/);
    }
  });

  it('rejects a missing Secret, empty values and values that are not base64', () => {
    expect(() => credentialsFromSecret(undefined)).toThrow(/neither "token" nor/);
    expect(() => credentialsFromSecret({ token: b64('  '), deletePassword: b64('pw') })).toThrow(/neither "token"/);
    expect(() => credentialsFromSecret({ token: 'not base64!', deletePassword: b64('pw') })).toThrow(/"token" is not valid base64/);
  });
});
