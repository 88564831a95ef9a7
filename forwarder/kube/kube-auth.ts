import { existsSync, readFileSync } from 'node:fs';
import type http from 'node:http';
import { join } from 'node:path';
import type { KubeConfig } from '@kubernetes/client-node';
import { systemClock, type Clock } from '../util/clock.ts';
import { kubeconfigFiles, readKubeconfigs, type KubeconfigDoc } from './kubeconfig.ts';

// Where the API server is and how to authenticate to it. The forwarder's two real cases — a pod's
// service account, and a kubeconfig with a token or client certificate — are read here directly;
// anything else (exec plugins, auth providers, proxies) goes through @kubernetes/client-node's
// KubeConfig, loaded only then: it costs the forwarder about 10 MiB of memory (measured) that the
// in-cluster case does not need. Which files, and how several merge: kubeconfig.ts (as kubectl).

export interface KubeAuth {
  /** https://host:port, no trailing slash. */
  server: string;
  tls: { ca?: Buffer | undefined; cert?: Buffer | undefined; key?: Buffer | undefined; rejectUnauthorized?: boolean | undefined; servername?: string | undefined };
  /** The cluster CA as PEM, when known (for the join hash). */
  caPem: string | undefined;
  /** Authentication headers, fresh for every request (service account tokens rotate). */
  headers(): Promise<Record<string, string>>;
  /** A connection agent of its own (proxies); undefined = the client's keep-alive agents. */
  agent?(): Promise<http.Agent | undefined>;
  describe: string;
}

export const SERVICE_ACCOUNT_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';

export interface LoadKubeAuthOptions {
  /** Where the pod's service account is mounted (token, ca.crt); tests point it at a directory laid out the same. */
  serviceAccountDir?: string;
  /** When a token file is read again (it rotates); the forwarder's injected clock. */
  clock?: Clock;
}

export class KubeAuthError extends Error {
  override name = 'KubeAuthError';
}

/**
 * In a pod without --kubeconfig or $KUBECONFIG: the service account. Otherwise the kubeconfig: the
 * path given alone, else every file of $KUBECONFIG merged, else ~/.kube/config (kubeconfig.ts).
 */
export async function loadKubeAuth(path: string | undefined, env: Record<string, string | undefined> = process.env, options: LoadKubeAuthOptions = {}): Promise<KubeAuth> {
  const saDir = options.serviceAccountDir ?? SERVICE_ACCOUNT_DIR;
  const clock = options.clock ?? systemClock;
  if (!path && !env.KUBECONFIG && env.KUBERNETES_SERVICE_HOST && existsSync(join(saDir, 'token'))) return inClusterAuth(env, saDir, clock);
  const files = kubeconfigFiles(path, env);
  const read = readKubeconfigs(files);
  if (!read) throw new KubeAuthError(`no kubeconfig at ${files.join(', ')} (and not running in a pod)`);
  const where = read.files.join(', ');
  return kubeconfigAuth(read.doc, where, clock) ?? clientNodeAuth(await clientNodeKubeConfig(read.doc, where));
}

function inClusterAuth(env: Record<string, string | undefined>, saDir: string, clock: Clock): KubeAuth {
  const host = env.KUBERNETES_SERVICE_HOST!;
  const port = env.KUBERNETES_SERVICE_PORT ?? '443';
  const caPem = readFileSync(join(saDir, 'ca.crt'), 'utf8');
  return {
    server: `https://${host.includes(':') ? `[${host}]` : host}:${port}`,
    tls: { ca: Buffer.from(caPem) },
    caPem,
    headers: tokenFileHeaders(join(saDir, 'token'), clock),
    describe: 'in-cluster service account',
  };
}

/** Bound service account tokens are rotated on disk (about hourly): read again every minute. */
function tokenFileHeaders(file: string, clock: Clock): () => Promise<Record<string, string>> {
  let token = '';
  let readAtMs: number | undefined;
  return async () => {
    if (readAtMs === undefined || clock.now() - readAtMs > 60_000) {
      token = readFileSync(file, 'utf8').trim();
      readAtMs = clock.now();
    }
    return { Authorization: `Bearer ${token}` };
  };
}

/**
 * A merged kubeconfig (its paths absolute) read directly; undefined when it needs more than this
 * reader does (exec, auth-provider, proxy-url).
 */
function kubeconfigAuth(doc: KubeconfigDoc, where: string, clock: Clock): KubeAuth | undefined {
  const contextName = doc['current-context'];
  const context = doc.contexts.find((c) => c.name === contextName)?.context as { cluster?: string; user?: string } | undefined;
  if (!context) throw new KubeAuthError(`${where}: no current context`);
  const cluster = doc.clusters.find((c) => c.name === context.cluster)?.cluster as Record<string, string | boolean | undefined> | undefined;
  const user = (doc.users.find((u) => u.name === context.user)?.user ?? {}) as Record<string, string | undefined | object>;
  if (!cluster?.server) throw new KubeAuthError(`${where}: context ${contextName} names no cluster server`);
  if (cluster['proxy-url'] || user.exec || user['auth-provider']) return undefined;
  const bytes = (data: unknown, path: unknown) => {
    if (typeof data === 'string' && data) return Buffer.from(data, 'base64');
    if (typeof path === 'string' && path) return readFileSync(path);
    return undefined;
  };
  const ca = bytes(cluster['certificate-authority-data'], cluster['certificate-authority']);
  const cert = bytes(user['client-certificate-data'], user['client-certificate']);
  const key = bytes(user['client-key-data'], user['client-key']);
  let headers: () => Promise<Record<string, string>>;
  if (typeof user.token === 'string' && user.token) {
    const value = { Authorization: `Bearer ${user.token}` };
    headers = async () => value;
  } else if (typeof user.tokenFile === 'string' && user.tokenFile) {
    headers = tokenFileHeaders(user.tokenFile, clock);
  } else if (typeof user.username === 'string' && typeof user.password === 'string') {
    const value = { Authorization: `Basic ${Buffer.from(`${user.username}:${user.password}`).toString('base64')}` };
    headers = async () => value;
  } else {
    headers = async () => ({});
  }
  return {
    server: String(cluster.server).replace(/\/+$/, ''),
    tls: {
      ca,
      cert,
      key,
      ...(cluster['insecure-skip-tls-verify'] === true ? { rejectUnauthorized: false } : {}),
      ...(typeof cluster['tls-server-name'] === 'string' ? { servername: cluster['tls-server-name'] } : {}),
    },
    caPem: ca?.toString('utf8'),
    headers,
    describe: `kubeconfig ${where}`,
  };
}

/** client-node is a package name in a variable on purpose: bundlers leave it out of the image's bundle. */
const CLIENT_NODE = '@kubernetes/client-node';

async function clientNodeKubeConfig(doc: KubeconfigDoc, where: string): Promise<KubeConfig> {
  let module: typeof import('@kubernetes/client-node');
  try {
    module = (await import(CLIENT_NODE)) as typeof import('@kubernetes/client-node');
  } catch (error) {
    throw new KubeAuthError(`${where} needs an exec plugin, an auth provider or a proxy, which only @kubernetes/client-node supports, and it is not installed here (the image carries none): use a token or a client certificate`, { cause: error });
  }
  const { KubeConfig } = module;
  const kubeConfig = new KubeConfig();
  // The merged document (its paths already absolute), so client-node sees what kubectl would.
  kubeConfig.loadFromString(JSON.stringify(doc));
  return kubeConfig;
}

/** Any client-node KubeConfig (exec plugins, auth providers, proxies; tests build them in memory). */
export async function clientNodeAuth(kubeConfig: KubeConfig): Promise<KubeAuth> {
  const cluster = kubeConfig.getCurrentCluster();
  if (!cluster) throw new KubeAuthError('the kubeconfig has no current cluster');
  const options: { ca?: Buffer; cert?: Buffer; key?: Buffer; rejectUnauthorized?: boolean; servername?: string; headers?: Record<string, string>; agent?: http.Agent } = {};
  await kubeConfig.applyToHTTPSOptions(options as never);
  const caPem = cluster.caData ? Buffer.from(cluster.caData, 'base64').toString('utf8') : cluster.caFile ? readFileSync(cluster.caFile, 'utf8') : undefined;
  return {
    server: cluster.server.replace(/\/+$/, ''),
    tls: { ca: options.ca, cert: options.cert, key: options.key, rejectUnauthorized: options.rejectUnauthorized, servername: options.servername },
    caPem,
    headers: async () => {
      const fresh: { headers?: Record<string, string> } = { headers: {} };
      await kubeConfig.applyToHTTPSOptions(fresh as never);
      return fresh.headers ?? {};
    },
    ...(cluster.proxyUrl
      ? {
          agent: async () => {
            const fresh: { agent?: http.Agent } = {};
            await kubeConfig.applyToHTTPSOptions(fresh as never);
            return fresh.agent;
          },
        }
      : {}),
    describe: 'client-node KubeConfig',
  };
}
