import { commandLineFlags, defineCommandLine, textOptions, runCommandLine, UsageError, type OptionValues } from '../../shared/command-line.ts';
import { ConfigError } from '../../shared/errors.ts';
import { configFromEnv } from '../../functions/config-sources.ts';
import { startLocalFunctions } from '../../functions/local.ts';
import { waitForStop } from '../../shared/wait-for-stop.ts';
import { warmUpPlanner } from '../../functions/planning/warm-up.ts';

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

const FUNCTIONS_LINE = defineCommandLine({
  name: 'vpsie-autoscaler functions',
  usage: USAGE,
  envPrefix: 'VPSIE_AUTOSCALER_',
  options: {
    ...textOptions('cluster-id', 'hostname-prefix', 'policy', 'table', 'dynamo-endpoint', 'data-dir', 'log-level'),
    port: { type: 'number', integer: true, min: 0, max: 65535, default: 8090 },
    host: { type: 'string', default: '127.0.0.1' },
    'signing-key': { type: 'secret' },
    'trigger-token': { type: 'secret' },
    'status-token': { type: 'secret' },
  },
});

/** Every flag of the command line (a secret's -file included), each also read from VPSIE_AUTOSCALER_<FLAG>. */
export const FUNCTIONS_FLAGS: Readonly<Record<string, { type: 'string' | 'boolean' }>> = commandLineFlags(FUNCTIONS_LINE.options);
export const FUNCTIONS_USAGE = USAGE;
export const FUNCTIONS_DEFAULT_PORT = FUNCTIONS_LINE.options.port.default;

export async function run(args: string[], options: { signal?: AbortSignal; out?: (line: string) => void; env?: Record<string, string | undefined> } = {}): Promise<number> {
  const env = options.env ?? process.env;
  return runCommandLine(FUNCTIONS_LINE, args, (values) => serve(values, env, options), { env });
}

async function serve(values: OptionValues<typeof FUNCTIONS_LINE.options>, env: Record<string, string | undefined>, options: { signal?: AbortSignal; out?: (line: string) => void }): Promise<number> {
  const out = options.out ?? ((line: string) => process.stdout.write(`${line}\n`));
  const problems: string[] = [];
  const { input, problems: envProblems } = configFromEnv(env);
  problems.push(...envProblems.map((p) => `${p.path}: ${p.message}`));
  const clusterId = values['cluster-id'];
  const clusterFlags = (['signing-key', 'trigger-token', 'status-token', 'hostname-prefix'] as const).filter((name) => values[name] !== undefined);
  if (clusterId !== undefined) {
    input.clusters = {
      ...(input.clusters as Record<string, unknown> | undefined),
      [clusterId]: {
        signingKey: values['signing-key'],
        triggerToken: values['trigger-token'],
        ...(values['status-token'] !== undefined ? { statusToken: values['status-token'] } : {}),
        ...(values['hostname-prefix'] !== undefined ? { hostnamePrefix: values['hostname-prefix'] } : {}),
      },
    };
  } else if (clusterFlags.length > 0) {
    problems.push(`--${clusterFlags.join(', --')} need --cluster-id`);
  }
  if (values.policy !== undefined) {
    try {
      input.policy = JSON.parse(values.policy!);
    } catch (error) {
      problems.push(`--policy is not valid JSON: ${(error as Error).message}`);
    }
  }
  if (values.table !== undefined) input.tableName = values.table;
  if (values['log-level'] !== undefined) input.logLevel = values['log-level'];
  if (problems.length > 0) {
    throw new UsageError(problems);
  }

  // Before the first request: a burst's first reconcile should not pay for compiling the planner.
  warmUpPlanner();
  let functions: Awaited<ReturnType<typeof startLocalFunctions>>;
  try {
    functions = await startLocalFunctions({
      config: input,
      port: values.port,
      host: values.host,
      ...(values['dynamo-endpoint'] ? { dynamoEndpoint: values['dynamo-endpoint'] } : {}),
      ...(values['data-dir'] ? { dataDir: values['data-dir'] } : {}),
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
    ? `  store: embedded dynalite at ${functions.store.endpoint}, table ${functions.store.tableName}${values['data-dir'] ? ` (data in ${values['data-dir']})` : ' (in memory)'}`
    : `  store: ${functions.config.dynamoEndpoint}, table ${functions.config.tableName}`);

  await waitForStop(options.signal);
  await functions.close();
  out('functions stopped');
  return 0;
}
