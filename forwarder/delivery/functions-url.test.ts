import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../shared/errors.ts';
import { parseForwarderConfig } from '../config.ts';
import { Delivery } from './delivery.ts';
import { functionsUrlProblem } from './functions-url.ts';

const base = { clusterId: 'c1', signingKey: 'k'.repeat(32) };

describe('functions URL', () => {
  it('accepts https anywhere and http only to loopback', () => {
    for (const url of ['https://abc.lambda-url.eu-west-1.on.aws', 'http://127.0.0.1:8787', 'http://127.3.4.5', 'http://localhost:1', 'http://[::1]:8080']) {
      expect(functionsUrlProblem(new URL(url)), url).toBeUndefined();
    }
    for (const url of ['http://10.0.0.7:8080', 'http://functions.example.com', 'http://128.0.0.1', 'http://127.0.0.1.example.com', 'http://[::2]', 'ftp://127.0.0.1']) {
      expect(functionsUrlProblem(new URL(url)), url).toMatch(/https:/);
    }
  });

  it('is refused in the forwarder configuration with a clear message', () => {
    const error = (() => {
      try {
        parseForwarderConfig({ ...base, functionsUrl: 'http://functions.example.com' });
      } catch (e) {
        return e as Error;
      }
      throw new Error('expected a ConfigError');
    })();
    expect(error).toBeInstanceOf(ConfigError);
    expect(error.message).toMatch(/functionsUrl.*must be https: \(http: only for 127\.0\.0\.0\/8, ::1 or localhost\)/);
    expect(parseForwarderConfig({ ...base, functionsUrl: 'http://127.0.0.1:8787' }).functionsUrl).toBe('http://127.0.0.1:8787');
  });

  it('is refused by a Delivery built without the configuration too', () => {
    expect(() => new Delivery({ ...base, functionsUrl: 'http://10.0.0.7' })).toThrow(/loopback/);
  });
});
