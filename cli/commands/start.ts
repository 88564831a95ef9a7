import { CoreV1Api, KubeConfig, VersionApi } from '@kubernetes/client-node';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { homedir, userInfo } from 'node:os';
import { delimiter, join } from 'node:path';
import { defineCommandLine, textOptions, parseCommandLine, runCommandLine, UsageError, type OptionValues } from '../../shared/command-line.ts';
import { ConfigError } from '../../shared/errors.ts';
import { API_GROUP, API_VERSION, NODEGROUP_PLURAL } from '../../shared/labels.ts';
import { waitForStop } from '../../shared/wait-for-stop.ts';

// The AWS SDK's "Node 20 support ends in 2027" notice is noise for a local run.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
const STOP_TIMEOUT_MS = 5_000;

// `npm start`: the whole autoscaler on this machine against the current kubeconfig — the functions
// with their embedded store (state kept in .vpsie-autoscaler/state) and the forwarder, in this one
// process. It runs DRY (decides, logs and announces, mutates nothing) unless --live is given AND the
// cluster holds VPSie credentials in the Secret kube-system/vpsie-credentials. It stops with a clear
// message when no cluster can be reached.
//
// IMPORTANT: a laptop pointed at a production context must not join the production forwarders'
// leader election (its empty local ledger would then plan for the cluster): the Lease is this user's
// own, vpsie-autoscaler-forwarder-local-<user>, unless --lease-name says otherwise.

const USAGE = `usage: vpsie-autoscaler start [options]

  --kubeconfig <path>     the cluster (default: $KUBECONFIG, else ~/.kube/config)
  --cluster-id <id>       this cluster's id (default local; VM hostnames start with "<id>-")
  --namespace <ns>        the forwarder's namespace: bootstrap Secrets, Lease (default vpsie-autoscaler)
  --port <p>              the functions' port (default 8090)
  --listen <host:port>    the forwarder's /metrics, /healthz, /readyz (default 127.0.0.1:8081)
  --live                  create, delete and change things (needs kube-system/vpsie-credentials);
                          without it the run is dry: decisions are logged and announced, nothing changes
  --lease-name <name>     the forwarder's leader-election Lease (default vpsie-autoscaler-forwarder-local-<user>;
                          the in-cluster forwarders use vpsie-autoscaler-forwarder: do not share it by accident)
  --dry-run               the default; kept for scripts (conflicts with --live)
  --vpsie-url <url>       VPSie API base URL (default https://api.vpsie.com; e.g. a local \`vpsie-autoscaler vpsie-sim\`)
  --data-dir <dir>        where the functions keep their state (default .vpsie-autoscaler/state)
  --log-level <level>     trace|debug|info|warn|error (default info)

VPSie credentials: kubectl -n kube-system create secret generic vpsie-credentials \\
  --from-literal=token=<API token> --from-literal=deletePassword=<password> --from-literal=projectId=<project>
`;

export interface StartOptions {
  kubeconfig: string | undefined;
  /** $KUBECONFIG's files when --kubeconfig is not given (merged, first definition wins). */
  kubeconfigList?: string[] | undefined;
  clusterId: string;
  namespace: string;
  port: number;
  listen: string;
  live: boolean;
  leaseName: string;
  vpsieUrl: string | undefined;
  dataDir: string;
  logLevel: string;
}

const START_LINE = defineCommandLine({
  name: 'vpsie-autoscaler start',
  usage: USAGE,
  options: {
    ...textOptions('kubeconfig', 'lease-name', 'vpsie-url', 'data-dir'),
    'cluster-id': { type: 'string', default: 'local' },
    namespace: { type: 'string', default: 'vpsie-autoscaler' },
    port: { type: 'number', integer: true, min: 0, max: 65535, default: 8090 },
    listen: { type: 'string', default: '127.0.0.1:8081' },
    'dry-run': { type: 'boolean' },
    live: { type: 'boolean' },
    'log-level': { type: 'string', default: 'info' },
  },
  check: (v) => [
    ...(v.live && v['dry-run'] ? ['--live and --dry-run contradict each other'] : []),
    ...(v['lease-name'] !== undefined && !isLeaseName(v['lease-name'])
      ? [`--lease-name must be a DNS subdomain name (lowercase letters, digits, '-' and '.', at most 253), got "${v['lease-name']}"`]
      : []),
  ],
});

function startOptions(values: OptionValues<typeof START_LINE.options>, env: Record<string, string | undefined>): StartOptions {
  return {
    // Without --kubeconfig, every $KUBECONFIG file counts, merged as kubectl does (reachCluster and the
    // forwarder's own loader read the list); only with neither is it ~/.kube/config.
    kubeconfig: values.kubeconfig,
    kubeconfigList: values.kubeconfig === undefined && env.KUBECONFIG ? env.KUBECONFIG.split(delimiter).filter((p) => p.length > 0) : undefined,
    clusterId: values['cluster-id'],
    namespace: values.namespace,
    port: values.port,
    listen: values.listen,
    live: values.live,
    leaseName: values['lease-name'] ?? defaultLeaseName(),
    vpsieUrl: values['vpsie-url'],
    dataDir: values['data-dir'] ?? join(process.cwd(), '.vpsie-autoscaler', 'state'),
    logLevel: values['log-level'],
  };
}

/** The options, or the problem (an empty string for --help). */
export function parseStartOptions(args: string[], env: Record<string, string | undefined> = process.env): StartOptions | string {
  try {
    const values = parseCommandLine(START_LINE, args, env);
    return values === 'help' ? '' : startOptions(values, env);
  } catch (error) {
    if (error instanceof UsageError) return error.message;
    throw error;
  }
}

/** The in-cluster forwarders' Lease (forwarder/config.ts default). */
export const PRODUCTION_LEASE_NAME = 'vpsie-autoscaler-forwarder';
const MAX_LEASE_NAME = 253;

/** vpsie-autoscaler-forwarder-local-<user>, the user name made a DNS label ("local" when there is none). */
export function defaultLeaseName(user: string = currentUser()): string {
  const label = user.toLowerCase().replace(/[^a-z0-9-]/g, '-').replace(/-+/g, '-').replace(/^-|-$/g, '').slice(0, 40).replace(/-$/, '');
  return `${PRODUCTION_LEASE_NAME}-local-${label || 'local'}`;
}

function currentUser(): string {
  try {
    return userInfo().username;
  } catch {
    return process.env.USER ?? '';
  }
}

function isLeaseName(name: string): boolean {
  return name.length <= MAX_LEASE_NAME && /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/.test(name);
}

class NoClusterError extends Error {
  override name = 'NoClusterError';
}

/** Loads the kubeconfig and asks the API server for its version: the clear "no cluster" message lives here. */
export async function reachCluster(kubeconfig: string | undefined, timeoutMs = 5_000, kubeconfigList: string[] = []): Promise<{ kc: KubeConfig; server: string; version: string }> {
  const listed = kubeconfig === undefined ? kubeconfigList.filter((p) => existsSync(p)) : [];
  const path = kubeconfig ?? (listed.length > 0 ? listed.join(delimiter) : join(homedir(), '.kube', 'config'));
  if (listed.length === 0 && !existsSync(path)) {
    throw new NoClusterError(
      `no cluster: there is no kubeconfig at ${path}. Point --kubeconfig or KUBECONFIG at a cluster ` +
        '(kind, k3s, kubeadm, …), or run `npm run demo` to try everything on a local control plane.',
    );
  }
  const kc = new KubeConfig();
  try {
    if (listed.length > 0) loadMerged(kc, listed);
    else kc.loadFromFile(path);
  } catch (error) {
    throw new NoClusterError(`no cluster: the kubeconfig ${path} cannot be read: ${(error as Error).message}`, { cause: error });
  }
  const server = kc.getCurrentCluster()?.server;
  if (!server) throw new NoClusterError(`no cluster: the kubeconfig ${path} has no current context with a cluster server`);
  try {
    const version = await Promise.race([
      kc.makeApiClient(VersionApi).getCode(),
      new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`no answer within ${timeoutMs / 1000} s`)), timeoutMs).unref()),
    ]);
    return { kc, server, version: version.gitVersion };
  } catch (error) {
    throw new NoClusterError(
      `no cluster: the Kubernetes API at ${server} (context ${kc.getCurrentContext()} of ${path}) cannot be reached: ${reasonOf(error)}. ` +
        'Is the cluster running? `kubectl cluster-info` should answer; or run `npm run demo` for a local one.',
      { cause: error },
    );
  }
}

/** kubectl's merge of a $KUBECONFIG list: the first file to define a cluster, user or context (or the current context) wins. */
function loadMerged(kc: KubeConfig, paths: string[]): void {
  kc.loadFromFile(paths[0]!);
  for (const path of paths.slice(1)) {
    const next = new KubeConfig();
    next.loadFromFile(path);
    // client-node's mergeConfig throws on a name defined twice; kubectl keeps the first definition.
    for (const cluster of next.getClusters()) if (!kc.getCluster(cluster.name)) kc.addCluster(cluster);
    for (const user of next.getUsers()) if (!kc.getUser(user.name)) kc.addUser(user);
    for (const context of next.getContexts()) if (!kc.getContextObject(context.name)) kc.addContext(context);
    if (!kc.getCurrentContext() && next.getCurrentContext()) kc.setCurrentContext(next.getCurrentContext());
  }
}

/** fetch says "fetch failed"; the reason (ECONNREFUSED, a certificate problem, …) is in its cause. */
function reasonOf(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  const message = (error as Error).message;
  return cause?.message ? `${message} (${cause.code ? `${cause.code}: ` : ''}${cause.message})` : message;
}

function status(error: unknown): number | undefined {
  const code = (error as { code?: unknown }).code;
  return typeof code === 'number' ? code : undefined;
}

export async function run(args: string[]): Promise<number> {
  return runCommandLine(START_LINE, args, (values) => start(startOptions(values, process.env)));
}

async function start(options: StartOptions): Promise<number> {
  const say = (line: string) => process.stderr.write(`vpsie-autoscaler start: ${line}\n`);

  let cluster;
  try {
    cluster = await reachCluster(options.kubeconfig, undefined, options.kubeconfigList);
  } catch (error) {
    if (error instanceof NoClusterError) {
      process.stderr.write(`vpsie-autoscaler start: ${error.message}\n`);
      return 1;
    }
    throw error;
  }
  say(`cluster ${cluster.server} (Kubernetes ${cluster.version})`);
  const core = cluster.kc.makeApiClient(CoreV1Api);

  // What is missing is said up front; nothing here is created in the user's cluster.
  let credentials = false;
  try {
    await core.readNamespacedSecret({ namespace: 'kube-system', name: 'vpsie-credentials' });
    credentials = true;
  } catch (error) {
    const code = status(error);
    if (code !== 404 && code !== 403) throw error;
    say(code === 404 ? 'no Secret kube-system/vpsie-credentials' : 'the Secret kube-system/vpsie-credentials cannot be read (RBAC)');
  }
  if (options.live && !credentials) {
    process.stderr.write('vpsie-autoscaler start: --live needs VPSie credentials in the Secret kube-system/vpsie-credentials (see --help); nothing was started\n');
    return 2;
  }
  const dryRun = !options.live;
  say(dryRun
    ? `DRY-RUN: decisions are logged and announced as Events, nothing is created, deleted or changed (--live to act${credentials ? '' : '; it also needs VPSie credentials'})`
    : 'LIVE (--live): VMs will be created and deleted, nodes tainted, drained and deleted');
  let namespaceExists = true;
  try {
    await core.readNamespace({ name: options.namespace });
  } catch (error) {
    if (status(error) !== 404) throw error;
    namespaceExists = false;
    say(`namespace ${options.namespace} does not exist: running without leader election (create it for the Lease and the bootstrap Secrets)`);
  }
  if (namespaceExists) {
    say(options.leaseName === PRODUCTION_LEASE_NAME
      ? `leader election on the Lease ${options.namespace}/${options.leaseName}, the one the in-cluster forwarders use (--lease-name): this run may take over from them`
      : `leader election on the Lease ${options.namespace}/${options.leaseName} (not the in-cluster forwarders' ${PRODUCTION_LEASE_NAME}; --lease-name to change)`);
  }
  try {
    if (!(await crdInstalled(cluster.kc))) say(`the NodeGroup CRD is not installed: kubectl apply -f infra/crds/${NODEGROUP_PLURAL}.${API_GROUP}.yaml`);
  } catch {
    // informational only
  }

  const signingKey = randomBytes(32).toString('hex');
  const triggerToken = randomBytes(16).toString('hex');
  const statusToken = randomBytes(16).toString('hex');
  const { startLocalFunctions } = await import('../../functions/local.ts');
  const { startForwarder } = await import('../../forwarder/main.ts');
  const { parseForwarderConfig } = await import('../../forwarder/config.ts');

  let functions;
  try {
    functions = await startLocalFunctions({
      port: options.port,
      dataDir: options.dataDir,
      config: { clusters: { [options.clusterId]: { signingKey, triggerToken, statusToken } }, logLevel: options.logLevel },
    });
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`vpsie-autoscaler start: ${error.message}\n`);
      return 2;
    }
    throw error;
  }
  const [listenHost, listenPort] = splitHostPort(options.listen);
  let forwarder;
  try {
    forwarder = await startForwarder(
      parseForwarderConfig({
        clusterId: options.clusterId,
        functionsUrl: functions.url,
        signingKey,
        // With a $KUBECONFIG list the forwarder merges it itself (forwarder/kube/kubeconfig.ts).
        ...(options.kubeconfig ? { kubeconfig: options.kubeconfig } : options.kubeconfigList?.length ? {} : { kubeconfig: join(homedir(), '.kube', 'config') }),
        namespace: options.namespace,
        dryRun,
        listenHost,
        listenPort,
        logLevel: options.logLevel,
        ...(options.vpsieUrl ? { vpsie: { baseUrl: options.vpsieUrl } } : {}),
        leaderElection: namespaceExists ? { enabled: true, leaseName: options.leaseName } : { enabled: false },
      }),
    );
  } catch (error) {
    await functions.close();
    if (error instanceof ConfigError) {
      process.stderr.write(`vpsie-autoscaler start: ${error.message}\n`);
      return 2;
    }
    throw error;
  }
  say(`functions ${functions.url} (state in ${options.dataDir}); forwarder ${forwarder.url}/metrics; cluster id ${options.clusterId}`);
  say(`status: curl -H 'authorization: Bearer ${statusToken}' ${functions.url}/v1/clusters/${options.clusterId}/status`);
  say('Ctrl-C stops both');

  await waitForStop();
  say('stopping the forwarder (it hands its Lease back) and the functions…');
  // Bounded: a part that does not finish stopping must not keep Ctrl-C from ending the process.
  const stopped = await Promise.race([
    Promise.all([forwarder.stop(), functions.close()]).then(() => true),
    new Promise<false>((resolve) => setTimeout(() => resolve(false), STOP_TIMEOUT_MS).unref()),
  ]);
  say(stopped ? 'stopped' : `not everything stopped within ${STOP_TIMEOUT_MS / 1000} s; exiting anyway`);
  process.exit(0);
}

function splitHostPort(listen: string): [string, number] {
  const match = /^(.*):(\d+)$/.exec(listen);
  return match ? [match[1] || '127.0.0.1', Number(match[2])] : ['127.0.0.1', Number(listen)];
}

async function crdInstalled(kc: KubeConfig): Promise<boolean> {
  const { CustomObjectsApi } = await import('@kubernetes/client-node');
  try {
    await kc.makeApiClient(CustomObjectsApi).listClusterCustomObject({ group: API_GROUP, version: API_VERSION, plural: NODEGROUP_PLURAL, limit: 1 });
    return true;
  } catch (error) {
    if (status(error) === 404) return false;
    throw error;
  }
}
