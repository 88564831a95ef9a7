import { describe, expect, it } from 'vitest';
import { ConfigError } from '../shared/errors.ts';
import { parseFunctionsConfig, policyFor } from './config.ts';
import { configFromEnv } from './config-sources.ts';

const cluster = { signingKey: 'k'.repeat(32), triggerToken: 't'.repeat(16) };

describe('functions configuration', () => {
  it('reads the environment, applying defaults', () => {
    const { input, problems } = configFromEnv({
      VPSIE_AUTOSCALER_TABLE: 'state',
      VPSIE_AUTOSCALER_CLUSTERS: JSON.stringify({ prod: cluster }),
      VPSIE_AUTOSCALER_POLICY: '{"launchDeadlineMs":60000}',
      VPSIE_AUTOSCALER_LEASE_MS: '20000',
    });
    expect(problems).toEqual([]);
    const config = parseFunctionsConfig(input);
    expect(config).toMatchObject({ tableName: 'state', leaseMs: 20_000, maxClockSkewMs: 300_000, region: 'us-east-1', policy: { launchDeadlineMs: 60_000 } });
    expect(policyFor(config, 'prod')).toMatchObject({ clusterId: 'prod', hostnamePrefix: 'prod-', launchDeadlineMs: 60_000, drainDeadlineMs: 600_000 });
  });

  it('lets a cluster override the policy and the hostname prefix', () => {
    const config = parseFunctionsConfig({ tableName: 'state', policy: { drainDeadlineMs: 1_000 }, clusters: { a: { ...cluster, hostnamePrefix: 'k8s-a-', policy: { drainDeadlineMs: 2_000 } } } });
    expect(policyFor(config, 'a')).toMatchObject({ hostnamePrefix: 'k8s-a-', drainDeadlineMs: 2_000 });
  });

  it('reports every problem at once, bad JSON included, without echoing secrets', () => {
    const { input, problems } = configFromEnv({
      VPSIE_AUTOSCALER_CLUSTERS: JSON.stringify({ 'Bad_Id': cluster, ok: { signingKey: 'short-secret', triggerToken: 't'.repeat(16) } }),
      VPSIE_AUTOSCALER_POLICY: '{not json',
      VPSIE_AUTOSCALER_LEASE_MS: 'soon',
    });
    const error = (() => {
      try {
        parseFunctionsConfig(input, problems);
      } catch (e) {
        return e as ConfigError;
      }
      throw new Error('expected a ConfigError');
    })();
    expect(error).toBeInstanceOf(ConfigError);
    const paths = error.problems.map((p) => p.path);
    expect(paths).toEqual(expect.arrayContaining(['policy', 'tableName', 'leaseMs', 'clusters.Bad_Id', 'clusters.ok.signingKey']));
    expect(error.message).not.toContain('short-secret');
  });
});
