import type { KubeConfig } from '@kubernetes/client-node';
import { randomBytes } from 'node:crypto';
import { pathToFileURL } from 'node:url';
import { hostname } from 'node:os';
import { createLogger } from '../shared/logger.ts';
import { NODEGROUP_LABEL } from '../shared/labels.ts';
import type { PlanMessage } from '../shared/plan-message.ts';
import type { Offering, SnapshotVm } from '../shared/snapshot.ts';
import { ReconcileBatcher } from './batcher.ts';
import type { ForwarderConfig } from './config.ts';
import { Delivery, type DeliveryOptions } from './delivery/delivery.ts';
import { Executor } from './executor/executor.ts';
import { computeGroupStats, publishGroupStats } from './group-stats.ts';
import { configMapLedgerStore, GuardLedger } from './guard-ledger.ts';
import { Guardrails, type GuardrailView } from './guardrails.ts';
import { startHttpServer, type ForwarderHttpServer } from './http-server.ts';
import { EventRecorder } from './kube/event-recorder.ts';
import { clientNodeAuth, loadKubeAuth, type KubeAuth } from './kube/kube-auth.ts';
import { apiServerEndpoint, caCertHashFromPem } from './kube/join-settings.ts';
import { KubeApiError, KubeHttp } from './kube/kube-http.ts';
import { LatencyTracker, trackCommand } from './latency-tracker.ts';
import { LeaderElector } from './leader.ts';
import { ForwarderMetrics } from './metrics.ts';
import { ReconcileLoop } from './reconcile-loop.ts';
import { encodeSnapshot } from './snapshot.ts';
import { systemClock, type Clock } from './util/clock.ts';
import { errorFields, type Logger } from './util/logger.ts';
import { listClusterVms, listOfferings } from './vpsie-view.ts';
import { ClusterCache } from './watch/cluster-cache.ts';
import { credentialsFromSecret, VpsieClient } from './vpsie/index.ts';
import packageJson from '../package.json' with { type: 'json' };

// The composition root: everything is built here, once, and wired together. Nothing else in
// forwarder/ reads configuration or the environment.

export const FORWARDER_VERSION: string = packageJson.version;

export interface ForwarderDeps {
  kubeConfig?: KubeConfig;
  /** Already loaded authentication (tests: the in-cluster loader pointed at a service-account directory). */
  kubeAuth?: KubeAuth;
  logger?: Logger;
  clock?: Clock;
  /** Replaces the client built from the credentials Secret (tests); null = no VPSie at all. */
  vpsie?: VpsieClient | null;
  /** Extra VpsieClient options when the forwarder builds it (tests shorten retries). */
  vpsieOptions?: Partial<ConstructorParameters<typeof VpsieClient>[0]>;
  /** Delivery retry settings (tests shorten them). */
  deliveryOptions?: Pick<DeliveryOptions, 'maxAttempts' | 'backoff' | 'timeoutMs'>;
}

export interface ForwarderHandle {
  identity: string;
  /** http://host:port of /metrics, /healthz, /readyz, /trigger. */
  url: string;
  config: ForwarderConfig;
  /** True when running dry (asked for, or forced by missing VPSie credentials). */
  dryRun: boolean;
  metrics: ForwarderMetrics;
  cache: ClusterCache;
  loop: ReconcileLoop;
  isLeader(): boolean;
  isSynced(): boolean;
  /** Asks for a reconcile now (as POST /trigger does). */
  trigger(): void;
  /** Resolves when every initial list is done. */
  waitForSynced(timeoutMs?: number): Promise<void>;
  /** Plans received, newest last (the last 20). */
  plans: PlanMessage[];
  /** Graceful: finishes the reconcile in progress, releases the Lease. */
  stop(): Promise<void>;
  /** Like a killed process: stops everything at once, the Lease is left to expire. */
  crash(): Promise<void>;
}

export async function startForwarder(config: ForwarderConfig, deps: ForwarderDeps = {}): Promise<ForwarderHandle> {
  const clock = deps.clock ?? systemClock;
  const identity = config.identity ?? `${hostname()}-${randomBytes(3).toString('hex')}`;
  const logger = deps.logger ?? (createLogger({ name: 'forwarder', level: config.logLevel }) as unknown as Logger);
  const log = logger.child({ forwarder: identity, clusterId: config.clusterId });
  const auth = deps.kubeAuth ?? (deps.kubeConfig ? await clientNodeAuth(deps.kubeConfig) : await loadKubeAuth(config.kubeconfig));
  const kube = new KubeHttp(auth, { qps: config.kubeClient.qps, burst: config.kubeClient.burst, deadlineMs: config.kubeClient.requestDeadlineMs });
  const metrics = new ForwarderMetrics();
  metrics.monthlyCostCap.set(config.caps.maxMonthlyCost);
  const hostnamePrefix = config.hostnamePrefix ?? `${config.clusterId}-`;
  let stopped = false;
  let firstSync = false;

  const { vpsie, projectId } = await connectVpsie(config, deps, kube, metrics, log);
  const dryRun = config.dryRun || !vpsie;
  if (!config.dryRun && !vpsie) log.warn({}, 'no VPSie credentials: running in DRY-RUN mode; nothing will be created, deleted or changed');
  else if (dryRun) log.info({}, 'dry-run mode: commands are logged and announced as events, nothing is mutated');

  let batcher: ReconcileBatcher | undefined;
  let tracker: LatencyTracker | undefined;
  const cache = new ClusterCache({
    http: kube,
    namespace: config.namespace,
    logger: log,
    clock,
    triggers: {
      unschedulablePod: (key) => {
        tracker?.podUnschedulable(key);
        batcher?.podUnschedulable(key);
      },
      nodeGroupChanged: () => batcher?.nodeGroupChanged(),
      nodePressure: () => batcher?.nodePressure(),
    },
  });
  // What VPSie said on the last reconcile: the guardrails count VMs and price them from it.
  let lastVms: SnapshotVm[] | null = null;
  let lastOfferings: Offering[] = [];
  const view: GuardrailView = {
    node: (name) => cache.nodes.items.get(name),
    nodes: () => cache.nodes.items.values(),
    vms: () => lastVms,
    offerings: () => lastOfferings,
    synced: () => cache.synced,
    pod: (namespace, name) => cache.pods.items.get(`${namespace}/${name}`)?.pod,
    nodeGroup: (namespace, name) => cache.nodeGroup(namespace, name),
    groupNodes: (group) => [...cache.nodes.items.values()].filter((n) => n.labels[NODEGROUP_LABEL] === group),
    nodeGroupsNamed: (name) => [...cache.nodeGroups.items.values()].filter((g) => g.name === name),
  };
  // Latency histograms and the scrape-time gauges (oldest pending pod, launch, drain; cost; circuit).
  tracker = new LatencyTracker(
    { pod: (key) => cache.pods.items.get(key)?.pod, node: (name) => cache.nodes.items.get(name) },
    {
      triggerToCreate: (nodegroup, s) => metrics.triggerToCreateSeconds.observe({ nodegroup }, s),
      createToReady: (nodegroup, s) => metrics.createToReadySeconds.observe({ nodegroup }, s),
      podPending: (s) => metrics.podPendingSeconds.observe(s),
      drain: (nodegroup, outcome, s) => metrics.drainDurationSeconds.observe({ nodegroup, outcome }, s),
    },
    () => clock.now(),
  );
  const latency = tracker;
  metrics.setScrapeSources({
    oldestUnschedulablePodSeconds: () => latency.oldestUnschedulablePodSeconds(),
    oldestUnjoinedLaunchSeconds: () => latency.oldestUnjoinedLaunchSeconds(),
    oldestDrainSeconds: () => latency.oldestDrainSeconds(),
    monthlyCost: () => guardrails.monthlyCost(),
    circuitOpen: () => (vpsie ? vpsie.breakerState !== 'closed' : undefined),
  });
  const { caps } = config;
  const guardrails = new Guardrails({
    cluster: { clusterId: config.clusterId, hostnamePrefix },
    caps: {
      maxDeletionsPerWindow: config.maxDeletionsPer10Min,
      maxLaunchesPerWindow: caps.maxLaunchesPer10Min,
      maxClusterVms: caps.maxClusterVms,
      maxMonthlyCost: caps.maxMonthlyCost,
      maxCommandsPerPlan: caps.maxCommandsPerPlan,
      maxEventsPerPlan: caps.maxEventsPerPlan,
      maxNodesLeaving: caps.maxNodesLeaving,
    },
    view,
    ledger: new GuardLedger(configMapLedgerStore(kube, config.namespace), clock),
    dryRun,
  });
  const caCertHash = config.join.caCertHash ?? (auth.caPem ? caCertHashFromPem(auth.caPem) : '');
  if (!caCertHash) log.warn({}, 'no cluster CA known: {{caCertHash}} renders empty (set join.caCertHash)');

  let leader: LeaderElector | undefined;
  const isLeader = () => (leader ? leader.isLeader : !stopped);
  const executor = new Executor({
    dryRun,
    isLeader,
    context: {
      kube,
      vpsie,
      view,
      guardrails,
      events: new EventRecorder(kube, identity, clock),
      clock,
      logger: log,
      clusterId: config.clusterId,
      namespace: config.namespace,
      vpsieProjectId: projectId,
      adoptedVmIdentifiers: new Set(config.adoptVmIdentifiers),
      deadNodeAfterMs: config.deadNodeAfterMs,
      join: {
        apiServerEndpoint: config.join.apiServerEndpoint ?? apiServerEndpoint(auth.server),
        caCertHash,
        bootstrapTokenTtlMs: config.join.bootstrapTokenTtlMs,
      },
    },
    onResult: (result, command) => {
      metrics.commandsTotal.inc({ kind: command.kind, outcome: result.outcome });
      trackCommand(latency, command, result.outcome);
      const group = 'nodeGroup' in command && command.nodeGroup ? command.nodeGroup.name : '';
      const bad = result.outcome === 'failed' || result.outcome === 'refused';
      if (command.kind === 'createVm') (bad ? metrics.scaleUpFailuresTotal : result.outcome === 'succeeded' ? metrics.scaleUpTotal : undefined)?.inc({ nodegroup: group });
      if (command.kind === 'deleteNode' && result.outcome === 'succeeded') metrics.scaleDownTotal.inc({ nodegroup: group });
      if (bad && (command.kind === 'deleteNode' || command.kind === 'deleteVm' || (command.kind === 'evictPod' && !result.retryable) || command.kind === 'taintNode')) {
        metrics.scaleDownFailuresTotal.inc({ nodegroup: group });
      }
      if (command.kind === 'updateNodeGroupStatus' && result.outcome === 'succeeded') metrics.nodegroupDesiredNodes.set({ nodegroup: group }, command.status.desiredNodes);
    },
  });
  const delivery = new Delivery({ functionsUrl: config.functionsUrl, clusterId: config.clusterId, signingKey: config.signingKey, clock, logger: log, ...deps.deliveryOptions });
  const plans: PlanMessage[] = [];
  const launching = (group: string) => guardrails.launchingCount(group);
  const publishStats = () => {
    for (const group of cache.nodeGroups.items.values()) metrics.ensureGroup(group.name);
    publishGroupStats(metrics, computeGroupStats(cache, launching));
  };
  const loop = new ReconcileLoop({
    clock,
    logger: log,
    batcher: () => batcher!,
    delivery,
    executor,
    isLeader,
    // The first snapshot waits for the initial lists; later ones go out even while a watch is down,
    // flagged not synced (the planner then holds every destructive step).
    isSynced: () => cache.listedOnce,
    listVms: async () => (lastVms = await listClusterVms(vpsie, { cluster: { clusterId: config.clusterId, hostnamePrefix }, projectId, adoptedIdentifiers: new Set(config.adoptVmIdentifiers) }, log)),
    listOfferings: async () => {
      const listed = await listOfferings(vpsie, cache.nodeGroups.items.values(), log);
      // Prices for the cost cap: a catalogue read that failed (listed nothing) keeps the last good one,
      // so one slow answer from VPSie does not make every create "of unknown price".
      if (listed.length > 0) lastOfferings = listed;
      return listed;
    },
    buildSnapshot: async ({ offerings, vms, results, lastFencingToken, whatIf }) => {
      publishStats();
      // What is left of the caps, from the ledger as it is now; unreadable: nothing is left (the
      // forwarder would refuse), so the planner starts nothing it cannot finish.
      const limits = await guardrails.ledger.refresh().then(
        () => guardrails.limits(),
        () => ({ ...guardrails.limits(), deletionsRemaining: 0, launchesRemaining: 0 }),
      );
      return encodeSnapshot(cache, {
        clusterId: config.clusterId,
        forwarder: { id: identity, version: FORWARDER_VERSION, dryRun: dryRun || whatIf === true, lastFencingToken, limits },
        takenAtMs: clock.now(),
        offerings,
        vms,
        results,
      });
    },
    onFencingToken: (token) => {
      leader?.recordFencingToken(token);
      metrics.fencingToken.set(token);
    },
    onOutcome: (outcome) => {
      metrics.reconcilesTotal.inc({ outcome: outcome.kind });
      if (outcome.kind === 'plan') {
        metrics.snapshotBytes.set({ encoding: 'gzip' }, outcome.requestBytes);
        metrics.snapshotBytes.set({ encoding: 'identity' }, outcome.rawBytes);
        metrics.lastReconcileSeconds.set(clock.now() / 1000);
      }
    },
    onPlan: (plan) => {
      plans.push(plan);
      if (plans.length > 20) plans.shift();
    },
  });
  batcher = new ReconcileBatcher({ clock, heartbeatMs: config.heartbeatMs, onFire: (reasons) => loop.trigger(reasons) });

  if (config.leaderElection.enabled) {
    leader = new LeaderElector({
      kube,
      namespace: config.namespace,
      leaseName: config.leaderElection.leaseName,
      identity,
      leaseDurationMs: config.leaderElection.leaseDurationMs,
      renewDeadlineMs: config.leaderElection.renewDeadlineMs,
      retryPeriodMs: config.leaderElection.retryPeriodMs,
      clock,
      logger: log,
      onStartedLeading: (token) => {
        metrics.leader.set(1);
        // Resume from the predecessor: its last executed fencing token, then a fresh snapshot; the
        // functions' ledger knows what is in flight.
        loop.raiseFencingToken(token);
        batcher?.now('start');
      },
      onStoppedLeading: () => metrics.leader.set(0),
    });
  } else {
    metrics.leader.set(1);
  }

  let server: ForwarderHttpServer;
  try {
    server = await startHttpServer({
      host: config.listenHost,
      port: config.listenPort,
      triggerPort: config.triggerPort,
      registry: metrics.registry,
      healthy: () => !stopped,
      ready: () => ({ ready: cache.synced, detail: { leader: isLeader(), dryRun, watches: cache.syncStatus() } }),
      triggerToken: config.triggerToken,
      onTrigger: () => batcher?.now('webhook'),
    });
  } catch (error) {
    batcher.stop();
    kube.close();
    throw error;
  }

  cache.start();
  leader?.start();
  const syncWatch = setInterval(() => {
    metrics.synced.set(cache.synced ? 1 : 0);
    latency.sweep();
    if (cache.synced && !firstSync) {
      firstSync = true;
      log.info({ pods: cache.pods.size, nodes: cache.nodes.size, nodeGroups: cache.nodeGroups.size, shapes: cache.shapes.size }, 'synced: every initial list is done');
      publishStats();
      batcher?.now('start');
    }
  }, 200);
  const statsTimer = setInterval(() => {
    if (cache.synced) publishStats();
  }, 15_000);
  statsTimer.unref();
  log.info({ url: server.url, kube: auth.describe, dryRun, namespace: config.namespace, functionsUrl: config.functionsUrl, leaderElection: config.leaderElection.enabled }, 'forwarder started');

  const shutdown = async (graceful: boolean) => {
    if (stopped) return;
    stopped = true;
    clearInterval(syncWatch);
    clearInterval(statsTimer);
    batcher?.stop();
    // A leader reports its last results on the way out (a standby has none to report).
    if (graceful) await loop.stop({ reportResults: leader ? leader.isLeader : true });
    else void loop.stop();
    await leader?.stop({ release: graceful });
    await cache.stop();
    await server.close();
    kube.close();
    log.info({ graceful }, 'forwarder stopped');
  };

  return {
    identity,
    url: server.url,
    config,
    dryRun,
    metrics,
    cache,
    loop,
    plans,
    isLeader,
    isSynced: () => cache.synced,
    trigger: () => batcher?.now('manual'),
    waitForSynced: async (timeoutMs = 60_000) => {
      const deadline = Date.now() + timeoutMs;
      while (!cache.synced) {
        if (Date.now() > deadline) throw new Error(`not synced after ${timeoutMs} ms: ${JSON.stringify(cache.syncStatus())}`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    },
    stop: () => shutdown(true),
    crash: () => shutdown(false),
  };
}

async function connectVpsie(
  config: ForwarderConfig,
  deps: ForwarderDeps,
  kube: KubeHttp,
  metrics: ForwarderMetrics,
  log: Logger,
): Promise<{ vpsie: VpsieClient | undefined; projectId: string | undefined }> {
  const { credentialsNamespace: ns, credentialsSecret: name } = config.vpsie;
  let data: Record<string, string> | undefined;
  try {
    const secret = await kube.request<{ data?: Record<string, string> }>({ method: 'GET', path: `/api/v1/namespaces/${encodeURIComponent(ns)}/secrets/${encodeURIComponent(name)}` });
    data = secret.data ?? {};
  } catch (error) {
    if (!(error instanceof KubeApiError && (error.status === 404 || error.status === 403))) throw error;
    log.warn({ secretName: `${ns}/${name}`, status: error.status }, `VPSie credentials Secret ${ns}/${name} ${error.status === 404 ? 'does not exist' : 'cannot be read (RBAC)'}`);
  }
  const projectFromSecret = data?.projectId ? Buffer.from(data.projectId, 'base64').toString('utf8').trim() : undefined;
  const projectId = config.vpsie.projectId ?? projectFromSecret;
  if (deps.vpsie !== undefined) return { vpsie: deps.vpsie ?? undefined, projectId };
  if (!data) return { vpsie: undefined, projectId };
  const credentials = credentialsFromSecret(data); // throws listing every problem with the Secret
  const vpsie = new VpsieClient({ credentials, baseUrl: config.vpsie.baseUrl, onRequest: metrics.onVpsieRequest, ...deps.vpsieOptions });
  // A first call to say early in the log whether VPSie answers; start-up does not wait for it.
  vpsie.listDatacenters().then(
    (dcs) => log.info({ datacenters: dcs.length }, 'VPSie API reachable'),
    (error: unknown) => log.warn({ ...errorFields(error) }, 'VPSie API check failed at start-up; the forwarder keeps trying on every reconcile'),
  );
  return { vpsie, projectId };
}

// The image runs the bundle of this file directly (node main.mjs [flags]); tests and the CLI import it.
// IMPORTANT: no top-level await here: command.ts imports this module, which must finish evaluating first.
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  void import('./command.ts')
    .then(({ runForwarderCommand }) => runForwarderCommand(process.argv.slice(2)))
    .then((code) => {
      process.exitCode = code;
    }, (error: unknown) => {
      process.stderr.write(`vpsie-autoscaler forwarder: ${error instanceof Error ? error.stack ?? error.message : String(error)}\n`);
      process.exitCode = 1;
    });
}
