import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../shared/errors.ts';
import { forwarderConfigFromArgs, UsageError } from './forwarder.ts';

const key = 'k'.repeat(32);

describe('forwarder CLI configuration', () => {
  it('lists every problem at once', () => {
    let error: unknown;
    try {
      forwarderConfigFromArgs(['--cluster-id', 'Bad_Id', '--signing-key', 'short', '--heartbeat-seconds', 'soon'], {});
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const message = (error as Error).message;
    expect(message).toMatch(/clusterId/);
    expect(message).toMatch(/functionsUrl/);
    expect(message).toMatch(/signingKey/);
    expect(message).toMatch(/heartbeatMs/);
  });

  it('reads flags, with defaults for the rest', () => {
    const config = forwarderConfigFromArgs(['--functions-url', 'http://127.0.0.1:8787', '--cluster-id', 'dev', '--signing-key', key, '--dry-run', '--listen', '127.0.0.1:0', '--heartbeat-seconds', '5', '--no-leader-election'], {});
    expect(config).toMatchObject({
      clusterId: 'dev', dryRun: true, listenHost: '127.0.0.1', listenPort: 0, heartbeatMs: 5_000, namespace: 'vpsie-autoscaler',
      leaderElection: { enabled: false }, maxDeletionsPer10Min: 100, vpsie: { baseUrl: 'https://api.vpsie.com' },
    });
  });

  it('reads the environment (VPSIE_FWD_*), flags win', () => {
    const config = forwarderConfigFromArgs(['--cluster-id', 'flag'], {
      VPSIE_FWD_CLUSTER_ID: 'env', VPSIE_FWD_FUNCTIONS_URL: 'https://f.example', VPSIE_FWD_SIGNING_KEY: key, VPSIE_FWD_DRY_RUN: 'true',
      VPSIE_FWD_VPSIE__PROJECT_ID: 'p1', POD_NAMESPACE: 'autoscaler',
    });
    expect(config).toMatchObject({ clusterId: 'flag', functionsUrl: 'https://f.example', dryRun: true, vpsie: { projectId: 'p1' }, namespace: 'autoscaler' });
  });

  it('rejects unknown flags as a usage error', () => {
    expect(() => forwarderConfigFromArgs(['--frobnicate'], {})).toThrow(UsageError);
  });
});
