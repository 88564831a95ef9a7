import { commandLineFlags, defineCommandLine, textOptions, parseCommandLine, runCommandLine, UsageError, type OptionValues } from '../shared/command-line.ts';
import { envSection, mergeConfig } from '../shared/config.ts';
import { withoutFlagEnv } from '../shared/env-flags.ts';
import { ConfigError } from '../shared/errors.ts';
import { waitForStop } from '../shared/wait-for-stop.ts';
import { ENV_PREFIX, parseForwarderConfig, type ForwarderConfig } from './config.ts';
import { startForwarder } from './main.ts';

// The forwarder's command line, shared by `npx vpsie-autoscaler forwarder` (cli/commands/forwarder.ts)
// and the image (its bundle's entry is forwarder/bin.ts). In a cluster the configuration comes from
// VPSIE_FWD_* variables; outside, from flags and the current kubeconfig. The composition root
// (main.ts) knows nothing of this file: the dependency goes one way.

export const USAGE = `usage: vpsie-autoscaler forwarder --functions-url <url> --cluster-id <id> --signing-key <key> [options]

  --kubeconfig <path>         kubeconfig (default: $KUBECONFIG, ~/.kube/config, or in-cluster)
  --functions-url <url>       base URL of the functions (POST <url>/v1/reconcile)
  --cluster-id <id>           this cluster's id at the functions
  --signing-key <key>         HMAC key shared with the functions (>= 32 characters)
  --signing-key-file <path>   read the signing key from a file instead
  --namespace <ns>            the forwarder's namespace: Lease, bootstrap Secrets (default vpsie-autoscaler)
  --dry-run                   mutate nothing: log and announce (events) what would be done
  --listen <host:port>        /metrics, /healthz, /readyz, /trigger (default 127.0.0.1:8080; port 0 = any)
  --trigger-token <token>     bearer token of POST /trigger (off without it)
  --trigger-token-file <path> read the trigger token from a file instead
  --heartbeat-seconds <n>     reconcile at least this often (default 30)
  --hostname-prefix <p>       VM hostname prefix of this cluster (default "<cluster-id>-")
  --adopt-vms <id,id,...>     VMs made before ownership markers that this cluster adopts (README)
  --max-deletions <n>         nodes/VMs removed per 10 minutes at most (default 100)
  --vpsie-url <url>           VPSie API base URL (default https://api.vpsie.com)
  --vpsie-project-id <id>     VPSie project: numeric id, UUID or name (default: key "projectId" of kube-system/vpsie-credentials)
  --bootstrap-delivery <m>    auto|script|userData, for NodeGroups without spec.bootstrap.delivery (default auto)
  --vpsie-login-body <b>      auto|json|form, the client-credentials login body (default auto: detected)
  --vpsie-token-header <h>    auto|vpsie-auth|bearer|both, where the VPSie token goes (default auto: detected)
  --join-endpoint <host:port> API server endpoint new nodes join (default: the kubeconfig's server)
  --no-startup-taint          new nodes register without autoscaler.vpsie.com/starting (no releaseNode nominations)
  --startup-taint-max-seconds <n>  untaint a node of ours that still has it this long after registering (default 60)
  --no-leader-election        act as the only replica (no Lease)
  --identity <name>           this replica's name in the Lease (default <hostname>-<random>)
  --log-level <level>         trace|debug|info|warn|error (default info)

Every option can also come from the environment: --some-option as VPSIE_FWD_SOME_OPTION, e.g.
VPSIE_FWD_SIGNING_KEY, VPSIE_FWD_HEARTBEAT_SECONDS=10, VPSIE_FWD_LISTEN=0.0.0.0:8080, VPSIE_FWD_DRY_RUN=true
(secrets so stay out of the process list). Flags win. Settings without a flag by their configuration
name (forwarder/config.ts, "__" nests): VPSIE_FWD_HEARTBEAT_MS, VPSIE_FWD_CAPS__MAX_CLUSTER_VMS, ...
VPSie credentials are read from the Secret kube-system/vpsie-credentials; without it the forwarder runs dry.
`;

const FORWARDER_LINE = defineCommandLine({
  name: 'vpsie-autoscaler forwarder',
  usage: USAGE,
  envPrefix: ENV_PREFIX,
  // Values the configuration schema checks (heartbeat, deletions, URLs) stay text here: the schema
  // lists every problem at once, with the setting's name.
  options: {
    ...textOptions('kubeconfig', 'functions-url', 'cluster-id', 'namespace', 'listen', 'heartbeat-seconds', 'hostname-prefix', 'adopt-vms',
      'max-deletions', 'vpsie-url', 'vpsie-project-id', 'bootstrap-delivery', 'vpsie-login-body', 'vpsie-token-header', 'join-endpoint',
      'identity', 'log-level', 'startup-taint-max-seconds'),
    'signing-key': { type: 'secret' },
    'dry-run': { type: 'boolean' },
    'trigger-token': { type: 'secret' },
    'no-leader-election': { type: 'boolean' },
    'no-startup-taint': { type: 'boolean' },
  },
});

export { UsageError };

/** The forwarder's flags (a secret's -file included); each also comes from VPSIE_FWD_<FLAG> (shared/env-flags.ts). */
export const FORWARDER_FLAGS = commandLineFlags(FORWARDER_LINE.options);

/** Flags and environment → validated configuration; throws a UsageError (bad flags) or a ConfigError listing every problem. */
export function forwarderConfigFromArgs(args: string[], env: Record<string, string | undefined> = process.env): ForwarderConfig {
  const values = parseCommandLine(FORWARDER_LINE, args, env);
  if (values === 'help') throw new UsageError([]);
  return configFromValues(values, env);
}

function configFromValues(values: OptionValues<typeof FORWARDER_LINE.options>, env: Record<string, string | undefined>): ForwarderConfig {
  const flags: Record<string, unknown> = {
    // Without --kubeconfig, the kube client reads every $KUBECONFIG file itself (kube/kubeconfig.ts).
    kubeconfig: values.kubeconfig,
    functionsUrl: values['functions-url'],
    clusterId: values['cluster-id'],
    signingKey: values['signing-key'],
    namespace: values.namespace ?? env.POD_NAMESPACE,
    dryRun: values['dry-run'] || undefined,
    triggerToken: values['trigger-token'],
    hostnamePrefix: values['hostname-prefix'],
    adoptVmIdentifiers: values['adopt-vms'],
    maxDeletionsPer10Min: values['max-deletions'],
    identity: values.identity ?? env.POD_NAME,
    logLevel: values['log-level'],
    heartbeatMs: values['heartbeat-seconds'] === undefined ? undefined : secondsToMs(values['heartbeat-seconds']),
    vpsie: {
      baseUrl: values['vpsie-url'],
      projectId: values['vpsie-project-id'],
      bootstrapDelivery: values['bootstrap-delivery'],
      login: { body: values['vpsie-login-body'], header: values['vpsie-token-header'] },
    },
    join: { apiServerEndpoint: values['join-endpoint'] },
    leaderElection: values['no-leader-election'] ? { enabled: false } : undefined,
    startupTaint: values['no-startup-taint'] ? false : undefined,
    startupTaintMaxSeconds: values['startup-taint-max-seconds'],
  };
  if (values.listen !== undefined) {
    const match = /^(.*):(\d+)$/.exec(values.listen);
    if (match) Object.assign(flags, { listenHost: match[1] || '127.0.0.1', listenPort: Number(match[2]) });
    else flags.listenPort = values.listen; // reported by the schema
  }
  // The variables of flags were read as flags above; the rest are settings by their config name.
  return parseForwarderConfig(mergeConfig(envSection(ENV_PREFIX, withoutFlagEnv(FORWARDER_FLAGS, ENV_PREFIX, env)), flags));
}

function secondsToMs(text: string): number | string {
  return /^\d+(\.\d+)?$/.test(text) ? Math.round(Number(text) * 1000) : text;
}

/** Parses, starts, runs until SIGINT/SIGTERM, stops gracefully. Returns the exit code. */
export async function runForwarderCli(args: string[], env: Record<string, string | undefined> = process.env): Promise<number> {
  return runCommandLine(FORWARDER_LINE, args, async (values) => {
    let config: ForwarderConfig;
    try {
      config = configFromValues(values, env);
    } catch (error) {
      // The configuration's problems are the command line's: exit 2 with the usage.
      if (error instanceof ConfigError) throw new UsageError([error.message], { cause: error });
      throw error;
    }
    const forwarder = await startForwarder(config);
    await waitForStop();
    await forwarder.stop();
    return 0;
  }, { env });
}
