import type { Problem } from '../shared/errors.ts';

// Where the configuration comes from. Environment variables (all optional here; the schema says what
// is required), and in Lambda the clusters' secrets from one SSM SecureString parameter, read once
// per cold start so signing keys never sit in the function's environment.

export const ENV = {
  tableName: 'VPSIE_AUTOSCALER_TABLE',
  dynamoEndpoint: 'VPSIE_AUTOSCALER_DYNAMODB_ENDPOINT',
  region: 'AWS_REGION',
  /** JSON: { "<clusterId>": { "signingKey": "…", "triggerToken": "…", "hostnamePrefix": "…", "policy": {…} } } */
  clusters: 'VPSIE_AUTOSCALER_CLUSTERS',
  /** Name of an SSM SecureString parameter whose value is the clusters JSON (used when set). */
  clustersSsmParameter: 'VPSIE_AUTOSCALER_CLUSTERS_SSM_PARAMETER',
  /** JSON: policy overrides for every cluster, e.g. { "launchDeadlineMs": 60000 }. */
  policy: 'VPSIE_AUTOSCALER_POLICY',
  leaseMs: 'VPSIE_AUTOSCALER_LEASE_MS',
  maxClockSkewMs: 'VPSIE_AUTOSCALER_MAX_CLOCK_SKEW_MS',
  heartbeatMs: 'VPSIE_AUTOSCALER_HEARTBEAT_MS',
  silentForwarderAfterMs: 'VPSIE_AUTOSCALER_SILENT_FORWARDER_AFTER_MS',
  staleOperationAfterMs: 'VPSIE_AUTOSCALER_STALE_OPERATION_AFTER_MS',
  operationRetentionMs: 'VPSIE_AUTOSCALER_OPERATION_RETENTION_MS',
  logLevel: 'LOG_LEVEL',
} as const;

const NUMERIC = ['leaseMs', 'maxClockSkewMs', 'heartbeatMs', 'silentForwarderAfterMs', 'staleOperationAfterMs', 'operationRetentionMs'] as const;

export interface ConfigDraft {
  input: Record<string, unknown>;
  problems: Problem[];
}

/** The raw configuration from the environment; JSON that does not parse is a problem, not a throw. */
export function configFromEnv(env: Record<string, string | undefined>): ConfigDraft {
  const input: Record<string, unknown> = {};
  const problems: Problem[] = [];
  const text = (name: keyof typeof ENV) => {
    const value = env[ENV[name]];
    return value === undefined || value === '' ? undefined : value;
  };
  for (const name of ['tableName', 'dynamoEndpoint', 'region', 'logLevel'] as const) {
    const value = text(name);
    if (value !== undefined) input[name] = value;
  }
  for (const name of NUMERIC) {
    const value = text(name);
    if (value !== undefined) input[name] = /^\d+$/.test(value) ? Number(value) : value;
  }
  for (const name of ['clusters', 'policy'] as const) {
    const value = text(name);
    if (value === undefined) continue;
    try {
      input[name] = JSON.parse(value);
    } catch (error) {
      problems.push({ path: name, message: `${ENV[name]} is not valid JSON: ${(error as Error).message}` });
    }
  }
  return { input, problems };
}

/** Reads the clusters JSON from SSM Parameter Store (SecureString, decrypted). */
export async function clustersFromSsm(parameterName: string, region: string | undefined): Promise<ConfigDraft> {
  // Loaded only when configured, so local runs and tests never touch AWS.
  const { SSMClient, GetParameterCommand } = await import('@aws-sdk/client-ssm');
  const client = new SSMClient(region ? { region } : {});
  try {
    const out = await client.send(new GetParameterCommand({ Name: parameterName, WithDecryption: true }));
    const value = out.Parameter?.Value;
    if (!value) return { input: {}, problems: [{ path: 'clusters', message: `SSM parameter ${parameterName} is empty` }] };
    try {
      return { input: { clusters: JSON.parse(value) }, problems: [] };
    } catch {
      // Never echo the value: it holds the signing keys.
      return { input: {}, problems: [{ path: 'clusters', message: `SSM parameter ${parameterName} is not valid JSON` }] };
    }
  } catch (error) {
    return { input: {}, problems: [{ path: 'clusters', message: `could not read SSM parameter ${parameterName}: ${(error as Error).name}: ${(error as Error).message}` }] };
  } finally {
    client.destroy();
  }
}

/** Environment first; the SSM parameter (when named) supplies the clusters. */
export async function configFromEnvAndSsm(env: Record<string, string | undefined>): Promise<ConfigDraft> {
  const draft = configFromEnv(env);
  const parameter = env[ENV.clustersSsmParameter];
  if (!parameter) return draft;
  const fromSsm = await clustersFromSsm(parameter, env[ENV.region]);
  return { input: { ...draft.input, ...fromSsm.input }, problems: [...draft.problems, ...fromSsm.problems] };
}
