import type { ForwarderConfig } from '../config.ts';
import { KubeApiError, type KubeHttp } from '../kube/kube-http.ts';
import { errorFields, type Logger } from '../util/logger.ts';
import { FORWARDER_USER_AGENT } from '../version.ts';
import { VpsieClient, type VpsieClientOptions } from './client.ts';
import { credentialsFromSecret } from './credentials.ts';
import { forwarderScriptSweeper } from './bootstrap-scripts.ts';
import { unreadableRowsReporter } from './unreadable-report.ts';

// The VPSie client from the credentials Secret, read once at start-up. No Secret (404) or no right
// to read it (403): no client, and the forwarder runs dry. A Secret with bad contents throws, listing
// every problem with it.

export interface VpsieConnection {
  vpsie: VpsieClient | undefined;
  projectId: string | undefined;
  /** Deletes stored bootstrap scripts once settled: `sweeper` for the executor, `afterListing` around each VM listing. */
  scripts: ReturnType<typeof forwarderScriptSweeper>;
}

export interface ConnectVpsieOptions {
  kube: KubeHttp;
  settings: ForwarderConfig['vpsie'];
  logger: Logger;
  /** Options of the client built here (hooks, clock; tests shorten retries). */
  clientOptions?: Partial<VpsieClientOptions>;
  /** Replaces the client built from the Secret (tests); null = no VPSie at all. */
  override?: VpsieClient | null;
  /** For the script sweeper: the cluster's view (called only after start-up) and its hostname prefix. */
  sweepView?: () => Parameters<typeof forwarderScriptSweeper>[1];
  hostnamePrefix?: string;
}

export async function connectVpsie(options: ConnectVpsieOptions): Promise<VpsieConnection> {
  const connection = await connectClient(options);
  const view = options.sweepView;
  const scripts = forwarderScriptSweeper(
    connection.vpsie,
    { node: (name) => view?.().node(name), vms: () => view?.().vms() ?? null },
    { hostnamePrefix: options.hostnamePrefix ?? '', now: options.clientOptions?.now ?? Date.now },
    options.logger,
  );
  return { ...connection, scripts };
}

async function connectClient({ kube, settings, logger, clientOptions, override }: ConnectVpsieOptions): Promise<Omit<VpsieConnection, 'scripts'>> {
  const { credentialsNamespace: ns, credentialsSecret: name } = settings;
  let data: Record<string, string> | undefined;
  try {
    const secret = await kube.request<{ data?: Record<string, string> }>({ method: 'GET', path: `/api/v1/namespaces/${encodeURIComponent(ns)}/secrets/${encodeURIComponent(name)}` });
    data = secret.data ?? {};
  } catch (error) {
    if (!(error instanceof KubeApiError && (error.status === 404 || error.status === 403))) throw error;
    logger.warn({ secretName: `${ns}/${name}`, status: error.status }, `VPSie credentials Secret ${ns}/${name} ${error.status === 404 ? 'does not exist' : 'cannot be read (RBAC)'}`);
  }
  const projectFromSecret = data?.projectId ? Buffer.from(data.projectId, 'base64').toString('utf8').trim() : undefined;
  const projectId = settings.projectId ?? projectFromSecret;
  if (override !== undefined) return { vpsie: override ?? undefined, projectId };
  if (!data) return { vpsie: undefined, projectId };
  const credentials = credentialsFromSecret(data); // throws listing every problem with the Secret
  const vpsie = new VpsieClient({
    credentials,
    baseUrl: settings.baseUrl,
    login: settings.login,
    userAgent: FORWARDER_USER_AGENT,
    ...clientOptions,
    // Skipped rows are counted (the metric hook main.ts passes) and logged as a warning.
    onUnreadableRows: unreadableRowsReporter(logger, clientOptions?.onUnreadableRows),
  });
  // A first call to say early in the log whether VPSie answers; start-up does not wait for it.
  vpsie.listDatacenters().then(
    (dcs) => logger.info({ datacenters: dcs.length, ...(vpsie.loginMode ? { login: vpsie.loginMode } : {}) }, 'VPSie API reachable'),
    (error: unknown) => logger.warn({ ...errorFields(error) }, 'VPSie API check failed at start-up; the forwarder keeps trying on every reconcile'),
  );
  // The project is resolved once (id, UUID or name → /apps/v2/projects); say early which one it is, or
  // why it is not (every VM call fails with the same message until it resolves).
  if (projectId) {
    vpsie.resolveProject(projectId).then(
      (project) => logger.info({ project: { name: project.name, id: project.id, identifier: project.identifier } }, `VPSie project ${JSON.stringify(projectId)} is ${project.name || '(no name)'} (id ${project.id})`),
      (error: unknown) => logger.error({ ...errorFields(error) }, 'VPSie project could not be resolved; VMs are not listed, created or deleted until it is'),
    );
  }
  return { vpsie, projectId };
}
