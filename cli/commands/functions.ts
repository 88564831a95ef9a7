import { readFileSync, statSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { flagsFromEnv } from '../../shared/env-flags.ts';
import { ConfigError } from '../../shared/errors.ts';
import { configFromEnv } from '../../functions/config-sources.ts';
import { startLocalFunctions } from '../../functions/local.ts';
import { waitForStop } from '../wait-for-stop.ts';

// `vpsie-autoscaler functions`: the functions on a local Node server with an embedded
// DynamoDB-compatible store (dynalite) — no AWS account. Flags override the environment
// (VPSIE_AUTOSCALER_*, see functions/config-sources.ts); the configuration is validated before
// anything starts, listing every problem.

const USAGE = `usage: vpsie-autoscaler functions [options]

  --port <p>              port (default 8090; the forwarder's is 8080; 0 = any free port)
  --host <h>              address to bind (default 127.0.0.1)
  --cluster-id <id>       the cluster to serve (with --signing-key and --trigger-token);
                          more clusters: VPSIE_AUTOSCALER_CLUSTERS='{"<id>":{"signingKey":…,"triggerToken":…}}'
  --signing-key <k>       HMAC key shared with that cluster's forwarder (at least 32 characters)
  --signing-key-file <f>  read the signing key from a file instead
  --trigger-token <t>     bearer token for POST /v1/clusters/<id>/trigger (at least 16)
  --trigger-token-file <f> read the trigger token from a file instead
  --status-token <t>      bearer token for GET /v1/clusters/<id>/status (at least 16; without it only a signed GET reads it)
  --status-token-file <f> read the status token from a file instead
  --hostname-prefix <p>   prefix of the cluster's VM hostnames (default "<cluster-id>-"); two clusters
                          whose prefixes start one another ("c1-", "c1-eu-") are refused
  --policy <json>         policy overrides in ms, e.g. '{"launchDeadlineMs":60000}'
  --table <name>          table name (default from infra/dynamodb/state-table.yml)
  --dynamo-endpoint <url> use this DynamoDB(-compatible) endpoint instead of the embedded store
  --data-dir <dir>        keep the embedded store's data in this folder (default: in memory)
  --log-level <level>     trace|debug|info|warn|error (default info)

Every option can also come from the environment: --some-option as VPSIE_AUTOSCALER_SOME_OPTION, e.g.
VPSIE_AUTOSCALER_SIGNING_KEY (secrets so stay out of the process list). Flags win.
`;

const FLAGS = {
  port: { type: 'string' },
  host: { type: 'string' },
  'cluster-id': { type: 'string' },
  'signing-key': { type: 'string' },
  'signing-key-file': { type: 'string' },
  'trigger-token': { type: 'string' },
  'trigger-token-file': { type: 'string' },
  'status-token': { type: 'string' },
  'status-token-file': { type: 'string' },
  'hostname-prefix': { type: 'string' },
  policy: { type: 'string' },
  table: { type: 'string' },
  'dynamo-endpoint': { type: 'string' },
  'data-dir': { type: 'string' },
  'log-level': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

export const FUNCTIONS_FLAGS: Readonly<Record<string, { type: 'string' | 'boolean' }>> = FLAGS;
export const FUNCTIONS_USAGE = USAGE;
export const FUNCTIONS_DEFAULT_PORT = 8090;

/** A secret kept in a file (a mounted Secret): at most 64 KiB, trimmed. */
function secretFile(flag: string, path: string): string {
  if (statSync(path).size > 65_536) throw new Error(`--${flag} ${path}: larger than 64 KiB`);
  return readFileSync(path, 'utf8').trim();
}

export async function run(args: string[], options: { signal?: AbortSignal; out?: (line: string) => void; env?: Record<string, string | undefined> } = {}): Promise<number> {
  const out = options.out ?? ((line: string) => process.stdout.write(`${line}\n`));
  let values: Record<string, string | boolean | undefined>;
  try {
    const fromEnv = flagsFromEnv(FLAGS, 'VPSIE_AUTOSCALER_', options.env ?? process.env, args);
    values = parseArgs({ args: [...fromEnv, ...args], strict: true, allowPositionals: false, options: FLAGS }).values;
    for (const name of ['signing-key', 'trigger-token', 'status-token']) {
      const file = values[`${name}-file`];
      if (values[name] === undefined && typeof file === 'string') values[name] = secretFile(`${name}-file`, file);
    }
  } catch (error) {
    process.stderr.write(`vpsie-autoscaler functions: ${(error as Error).message}\n${USAGE}`);
    return 2;
  }
  if (values.help) {
    process.stdout.write(USAGE);
    return 0;
  }

  const problems: string[] = [];
  const { input, problems: envProblems } = configFromEnv(options.env ?? process.env);
  problems.push(...envProblems.map((p) => `${p.path}: ${p.message}`));
  const text = (name: string) => (typeof values[name] === 'string' ? (values[name] as string) : undefined);
  const clusterId = text('cluster-id');
  const clusterFlags = ['signing-key', 'trigger-token', 'status-token', 'hostname-prefix'].filter((name) => text(name) !== undefined);
  if (clusterId !== undefined) {
    input.clusters = {
      ...(input.clusters as Record<string, unknown> | undefined),
      [clusterId]: {
        signingKey: text('signing-key'),
        triggerToken: text('trigger-token'),
        ...(text('status-token') !== undefined ? { statusToken: text('status-token') } : {}),
        ...(text('hostname-prefix') !== undefined ? { hostnamePrefix: text('hostname-prefix') } : {}),
      },
    };
  } else if (clusterFlags.length > 0) {
    problems.push(`--${clusterFlags.join(', --')} need --cluster-id`);
  }
  if (text('policy') !== undefined) {
    try {
      input.policy = JSON.parse(text('policy')!);
    } catch (error) {
      problems.push(`--policy is not valid JSON: ${(error as Error).message}`);
    }
  }
  if (text('table') !== undefined) input.tableName = text('table');
  if (text('log-level') !== undefined) input.logLevel = text('log-level');
  const port = text('port') === undefined ? FUNCTIONS_DEFAULT_PORT : Number(text('port'));
  if (!Number.isInteger(port) || port < 0 || port > 65535) problems.push(`--port must be 0-65535, got "${text('port')}"`);
  if (problems.length > 0) {
    process.stderr.write(`vpsie-autoscaler functions: invalid options:\n${problems.map((p) => `  - ${p}`).join('\n')}\n`);
    return 2;
  }

  let functions: Awaited<ReturnType<typeof startLocalFunctions>>;
  try {
    functions = await startLocalFunctions({
      config: input,
      port,
      host: text('host') ?? '127.0.0.1',
      ...(text('dynamo-endpoint') ? { dynamoEndpoint: text('dynamo-endpoint') } : {}),
      ...(text('data-dir') ? { dataDir: text('data-dir') } : {}),
    });
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`vpsie-autoscaler functions: ${error.message}\n(flags: --cluster-id, --signing-key, --trigger-token; or VPSIE_AUTOSCALER_CLUSTERS)\n`);
      return 2;
    }
    throw error;
  }

  out(`functions listening on ${functions.url}`);
  out(`  POST ${functions.url}/v1/reconcile   POST ${functions.url}/v1/clusters/<id>/trigger   GET ${functions.url}/v1/clusters/<id>/status   GET ${functions.url}/healthz`);
  out(`  clusters: ${Object.keys(functions.config.clusters).join(', ')}`);
  out(functions.store
    ? `  store: embedded dynalite at ${functions.store.endpoint}, table ${functions.store.tableName}${text('data-dir') ? ` (data in ${text('data-dir')})` : ' (in memory)'}`
    : `  store: ${functions.config.dynamoEndpoint}, table ${functions.config.tableName}`);

  await waitForStop(options.signal);
  await functions.close();
  out('functions stopped');
  return 0;
}
