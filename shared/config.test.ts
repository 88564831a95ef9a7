import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { envBoolean, envInteger, envList, envName, envSection, loadConfig, mergeConfig } from './config.ts';
import { ConfigError, ValidationError } from './errors.ts';

const schema = z.strictObject({
  clusterId: z.string().regex(/^[a-z0-9-]+$/),
  functionsUrl: z.url(),
  dryRun: envBoolean.default(false),
  heartbeatMs: envInteger.pipe(z.number().min(1000)).default(30_000),
  namespaces: envList.default([]),
  vpsie: z.strictObject({ baseUrl: z.url(), timeoutMs: envInteger.default(10_000) }),
});

describe('loadConfig', () => {
  it('parses and applies defaults', () => {
    const config = loadConfig(schema, { clusterId: 'c1', functionsUrl: 'https://f.example', vpsie: { baseUrl: 'https://api.vpsie.com' } });
    expect(config).toEqual({ clusterId: 'c1', functionsUrl: 'https://f.example', dryRun: false, heartbeatMs: 30_000, namespaces: [], vpsie: { baseUrl: 'https://api.vpsie.com', timeoutMs: 10_000 } });
  });

  it('reports every problem at once, each with its path', () => {
    const error = (() => {
      try {
        loadConfig(schema, { clusterId: 'C 1', dryRun: 'maybe', heartbeatMs: '10', vpsie: { timeoutMs: 'soon', extra: 1 }, typo: true }, { subject: 'forwarder configuration' });
      } catch (e) {
        return e;
      }
      throw new Error('expected a ConfigError');
    })();
    expect(error).toBeInstanceOf(ConfigError);
    expect(error).toBeInstanceOf(ValidationError);
    const problems = (error as ConfigError).problems.map((p) => p.path).sort();
    expect(problems).toEqual(['clusterId', 'dryRun', 'functionsUrl', 'heartbeatMs', 'typo', 'vpsie.baseUrl', 'vpsie.extra', 'vpsie.timeoutMs']);
    expect((error as Error).message).toMatch(/^forwarder configuration is invalid:/);
    expect((error as Error).message).toContain('typo: unknown field');
    expect((error as ConfigError).cause).toBeDefined();
  });

  it('names the environment variable to set when the input came from the environment', () => {
    const env = { APP_CLUSTER_ID: 'c1', APP_FUNCTIONS_URL: 'https://f', APP_VPSIE__TIMEOUT_MS: 'x' };
    expect(() => loadConfig(schema, envSection('APP_', env), { envPrefix: 'APP_' }))
      .toThrow(/vpsie\.baseUrl \(APP_VPSIE__BASE_URL\)[\s\S]*vpsie\.timeoutMs \(APP_VPSIE__TIMEOUT_MS\)/);
  });
});

describe('environment helpers', () => {
  it('reads a prefixed section, nesting on "__" and camel-casing names', () => {
    const env = { APP_CLUSTER_ID: 'c1', APP_DRY_RUN: 'yes', APP_VPSIE__BASE_URL: 'https://v', APP_EMPTY: '', OTHER: 'x', APP_NAMESPACES: 'a, b' };
    const section = envSection('APP_', env);
    expect(section).toEqual({ clusterId: 'c1', dryRun: 'yes', vpsie: { baseUrl: 'https://v' }, namespaces: 'a, b' });
    expect(loadConfig(schema, mergeConfig({ functionsUrl: 'https://f' }, section))).toMatchObject({ dryRun: true, namespaces: ['a', 'b'] });
  });

  it('maps paths back to variable names', () => {
    expect(envName('APP_', ['vpsie', 'baseUrl'])).toBe('APP_VPSIE__BASE_URL');
    expect(envName('APP_', ['clusterId'])).toBe('APP_CLUSTER_ID');
  });

  it('merges sources deeply, later wins, undefined ignored, arrays replaced', () => {
    expect(mergeConfig({ a: 1, n: { x: 1, y: 2 }, l: [1, 2] }, { a: undefined, n: { y: 3 }, l: [3] }, null)).toEqual({ a: 1, n: { x: 1, y: 3 }, l: [3] });
  });

  it('reads booleans, integers and lists from strings', () => {
    expect(['true', 'on', '1', 'NO', 'false'].map((v) => envBoolean.parse(v))).toEqual([true, true, true, false, false]);
    expect(envBoolean.safeParse('maybe').success).toBe(false);
    expect(envInteger.parse('-42')).toBe(-42);
    expect(envInteger.safeParse('4.2').success).toBe(false);
    expect(envList.parse(' a,,b ')).toEqual(['a', 'b']);
  });
});
