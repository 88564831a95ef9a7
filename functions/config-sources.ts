import { jsonSyntaxProblem } from '../shared/config.ts';
import type { Problem } from '../shared/errors.ts';
import { credentialsFromEnv, readSsmParameter } from './ssm-parameter.ts';

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
  /** Only for tests: where GetParameter is sent (default https://ssm.<region>.amazonaws.com). */
  ssmEndpoint: 'VPSIE_AUTOSCALER_SSM_ENDPOINT',
  /** JSON: policy overrides for every cluster, e.g. { "launchDeadlineMs": 60000 }. */
  policy: 'VPSIE_AUTOSCALER_POLICY',
  leaseMs: 'VPSIE_AUTOSCALER_LEASE_MS',
  maxClockSkewMs: 'VPSIE_AUTOSCALER_MAX_CLOCK_SKEW_MS',
  heartbeatMs: 'VPSIE_AUTOSCALER_HEARTBEAT_MS',
  silentForwarderAfterMs: 'VPSIE_AUTOSCALER_SILENT_FORWARDER_AFTER_MS',
  staleOperationAfterMs: 'VPSIE_AUTOSCALER_STALE_OPERATION_AFTER_MS',
  operationRetentionMs: 'VPSIE_AUTOSCALER_OPERATION_RETENTION_MS',
  logLevel: 'LOG_LEVEL',
  /** Bytes of a decompressed snapshot (default: from the memory below; functions/http/body-limits.ts). */
  maxSnapshotBytes: 'VPSIE_AUTOSCALER_MAX_SNAPSHOT_BYTES',
  /** Set by Lambda: the function's memory in MB. */
  functionMemoryMb: 'AWS_LAMBDA_FUNCTION_MEMORY_SIZE',
} as const;

const NUMERIC = ['leaseMs', 'maxClockSkewMs', 'heartbeatMs', 'silentForwarderAfterMs', 'staleOperationAfterMs', 'operationRetentionMs', 'maxSnapshotBytes', 'functionMemoryMb'] as const;

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
      // Never the parser's message: it quotes the text around the error, i.e. part of a signing key.
      problems.push({ path: name, message: `${ENV[name]} ${jsonSyntaxProblem(error)}` });
    }
  }
  return { input, problems };
}

/** Reads the clusters JSON from SSM Parameter Store (SecureString, decrypted). Problems never echo the value. */
export async function clustersFromSsm(parameterName: string, env: Record<string, string | undefined>): Promise<ConfigDraft> {
  const credentials = credentialsFromEnv(env);
  if (!credentials) return { input: {}, problems: [{ path: 'clusters', message: `reading SSM parameter ${parameterName} needs AWS credentials in the environment` }] };
  let value: string;
  try {
    value = await readSsmParameter({
      name: parameterName,
      region: env[ENV.region] ?? 'us-east-1',
      credentials,
      ...(env[ENV.ssmEndpoint] ? { endpoint: env[ENV.ssmEndpoint] } : {}),
    });
  } catch (error) {
    return { input: {}, problems: [{ path: 'clusters', message: `could not read SSM parameter ${parameterName}: ${(error as Error).message}` }] };
  }
  try {
    return { input: { clusters: JSON.parse(value) }, problems: [] };
  } catch {
    return { input: {}, problems: [{ path: 'clusters', message: `SSM parameter ${parameterName} is not valid JSON` }] };
  }
}

/** Environment first; the SSM parameter (when named) supplies the clusters. */
export async function configFromEnvAndSsm(env: Record<string, string | undefined>): Promise<ConfigDraft> {
  const draft = configFromEnv(env);
  const parameter = env[ENV.clustersSsmParameter];
  if (!parameter) return draft;
  const fromSsm = await clustersFromSsm(parameter, env);
  return { input: { ...draft.input, ...fromSsm.input }, problems: [...draft.problems, ...fromSsm.problems] };
}
