import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { createLogger } from '../shared/logger.ts';
import type { PlanMessage } from '../shared/plan-message.ts';
import { ReconcileBatcher } from './batcher.ts';
import type { ForwarderConfig } from './config.ts';
import type { ForwarderDeps, ForwarderHandle } from './handle.ts';
import { FORWARDER_USER_AGENT, FORWARDER_VERSION } from './version.ts';
import { Delivery } from './delivery/delivery.ts';
import { Executor } from './executor/executor.ts';
import { computeGroupStats, publishGroupStats } from './group-stats.ts';
import { configMapLedgerStore, GuardLedger } from './guard-ledger.ts';
import { Guardrails } from './guardrails.ts';
import { startHttpServer, type ForwarderHttpServer } from './http-server.ts';
import { EventRecorder } from './kube/event-recorder.ts';
import { clientNodeAuth, loadKubeAuth } from './kube/kube-auth.ts';
import { apiServerEndpoint, caCertHashFromPem } from './kube/join-settings.ts';
import { KubeHttp } from './kube/kube-http.ts';
import { trackCommand } from './latency-tracker.ts';
import { trackLatency } from './latency-metrics.ts';
import { LeaderElector } from './leader.ts';
import { ForwarderMetrics } from './metrics.ts';
import { recordCommandResult } from './command-metrics.ts';
import { createClusterView } from './cluster-view.ts';
import { SyncWatch } from './sync-watch.ts';
import { ReconcileLoop } from './reconcile-loop.ts';
import { encodeSnapshot } from './snapshot.ts';
import { StartupTaintSweeper } from './startup-taint-sweep.ts';
import { every, sleep, systemClock, type Clock } from './util/clock.ts';
import type { Logger } from './util/logger.ts';
import { connectVpsie } from './vpsie/connect.ts';
import { ClusterCache } from './watch/cluster-cache.ts';

// The composition root: everything is built here, once, and wired together; the rules live in the
// parts (command-metrics.ts: what counts as a scale-up; cluster-view.ts: what the guardrails see).
// Nothing else in forwarder/ reads configuration or the environment. The command line (cli.ts) and
// the image's entry (bin.ts) import this module; it imports neither.

export type { ForwarderDeps, ForwarderHandle } from './handle.ts';

export async function startForwarder(config: ForwarderConfig, deps: ForwarderDeps = {}): Promise<ForwarderHandle> {
  const clock = deps.clock ?? systemClock;
  const identity = config.identity ?? `${hostname()}-${randomBytes(3).toString('hex')}`;
  const logger = deps.logger ?? (createLogger({ name: 'forwarder', level: config.logLevel }) as unknown as Logger);
  const log = logger.child({ forwarder: identity, clusterId: config.clusterId });
  const auth = deps.kubeAuth ?? (deps.kubeConfig ? await clientNodeAuth(deps.kubeConfig) : await loadKubeAuth(config.kubeconfig, process.env, { clock }));
  const kube = new KubeHttp(auth, { qps: config.kubeClient.qps, burst: config.kubeClient.burst, deadlineMs: config.kubeClient.requestDeadlineMs, clock, userAgent: FORWARDER_USER_AGENT });
  const metrics = new ForwarderMetrics();
  metrics.monthlyCostCap.set(config.caps.maxMonthlyCost);
  const cluster = { clusterId: config.clusterId, hostnamePrefix: config.hostnamePrefix ?? `${config.clusterId}-` };
  const adoptedVmIdentifiers = new Set(config.adoptVmIdentifiers);
  let stopped = false;

  const clientOptions = { onRequest: metrics.onVpsieRequest, onUnreadableRows: metrics.onVpsieUnreadableRows, now: () => clock.now(), sleep: (ms: number) => sleep(clock, ms), ...deps.vpsieOptions };
  const { vpsie, projectId, scripts } = await connectVpsie({ kube, settings: config.vpsie, logger: log, override: deps.vpsie, clientOptions, sweepView: () => view, hostnamePrefix: cluster.hostnamePrefix });
  const dryRun = config.dryRun || !vpsie;
  if (!config.dryRun && !vpsie) log.warn({}, 'no VPSie credentials: running in DRY-RUN mode; nothing will be created, deleted or changed');
  else if (dryRun) log.info({}, 'dry-run mode: commands are logged and announced as events, nothing is mutated');

  let batcher: ReconcileBatcher | undefined;
  const cache = new ClusterCache({
    http: kube,
    namespace: config.namespace,
    logger: log,
    clock,
    triggers: {
      unschedulablePod: (key) => {
        latency.podUnschedulable(key);
        batcher?.podUnschedulable(key);
      },
      nodeGroupChanged: () => batcher?.nodeGroupChanged(),
      nodePressure: () => batcher?.nodePressure(),
    },
  });
  const view = createClusterView(cache, vpsie, { cluster, projectId, adoptedIdentifiers: adoptedVmIdentifiers }, log);
  // Latency histograms and the scrape-time gauges (oldest pending pod, launch, drain; cost; circuit).
  const latency = trackLatency(cache, metrics, clock); // the cache's triggers fire only after cache.start()
  const { maxLaunchesPer10Min, ...caps } = config.caps;
  const guardrails = new Guardrails({
    cluster,
    caps: { ...caps, maxDeletionsPerWindow: config.maxDeletionsPer10Min, maxLaunchesPerWindow: maxLaunchesPer10Min },
    view,
    ledger: new GuardLedger(configMapLedgerStore(kube, config.namespace), clock),
    dryRun,
  });
  metrics.setScrapeSources({
    oldestUnschedulablePodSeconds: () => latency.oldestUnschedulablePodSeconds(),
    oldestUnjoinedLaunchSeconds: () => latency.oldestUnjoinedLaunchSeconds(),
    oldestDrainSeconds: () => latency.oldestDrainSeconds(),
    monthlyCost: () => guardrails.monthlyCost(),
    circuitOpen: () => (vpsie ? vpsie.breakerState !== 'closed' : undefined),
  });
  const caCertHash = config.join.caCertHash ?? (auth.caPem ? caCertHashFromPem(auth.caPem) : '');
  if (!caCertHash) log.warn({}, 'no cluster CA known: {{caCertHash}} renders empty (set join.caCertHash)');

  let leader: LeaderElector | undefined;
  const isLeader = () => (leader ? leader.isLeader : !stopped);
  const events = new EventRecorder(kube, identity, clock);
  const executor = new Executor({
    dryRun,
    isLeader,
    context: {
      kube, vpsie, view, guardrails, clock, logger: log, events, startupTaint: config.startupTaint,
      clusterId: config.clusterId,
      namespace: config.namespace,
      vpsieProjectId: projectId,
      adoptedVmIdentifiers,
      deadNodeAfterMs: config.deadNodeAfterMs, bootstrapDelivery: config.vpsie.bootstrapDelivery, scriptSweeper: scripts.sweeper,
      join: { apiServerEndpoint: config.join.apiServerEndpoint ?? apiServerEndpoint(auth.server), caCertHash, bootstrapTokenTtlMs: config.join.bootstrapTokenTtlMs },
    },
    onResult: (result, command) => {
      recordCommandResult(metrics, command, result);
      trackCommand(latency, command, result.outcome);
    },
  });
  const delivery = new Delivery({ functionsUrl: config.functionsUrl, clusterId: config.clusterId, signingKey: config.signingKey, clock, logger: log, userAgent: FORWARDER_USER_AGENT, ...deps.deliveryOptions });
  const plans: PlanMessage[] = [];
  const publishStats = () => {
    for (const group of cache.nodeGroups.items.values()) metrics.ensureGroup(group.name);
    publishGroupStats(metrics, computeGroupStats(cache, (group) => guardrails.launchingCount(group)));
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
    listVms: () => scripts.afterListing(view.listVms()), // then stored bootstrap scripts whose Node is Ready are deleted
    listOfferings: () => view.listOfferings(),
    buildSnapshot: async ({ offerings, vms, results, lastFencingToken, whatIf }) => {
      publishStats();
      // What is left of the caps, from the ledger as it is now; unreadable: nothing is left (the
      // forwarder would refuse), so the planner starts nothing it cannot finish.
      const limits = await guardrails.ledger.refresh().then(
        () => guardrails.limits(),
        () => ({ ...guardrails.limits(), deletionsRemaining: 0, launchesRemaining: 0 }),
      );
      const forwarder = { id: identity, version: FORWARDER_VERSION, dryRun: dryRun || whatIf === true, lastFencingToken, limits };
      return encodeSnapshot(cache, { clusterId: config.clusterId, forwarder, takenAtMs: clock.now(), offerings, vms, results, format: delivery.snapshotFormat.current });
    },
    onFencingToken: (token) => {
      leader?.recordFencingToken(token);
      metrics.fencingToken.set(token);
    },
    onOutcome: (outcome) => {
      metrics.reconcilesTotal.inc({ outcome: outcome.kind });
      if (outcome.kind !== 'plan') return;
      metrics.snapshotBytes.set({ encoding: 'gzip' }, outcome.requestBytes);
      metrics.snapshotBytes.set({ encoding: 'identity' }, outcome.rawBytes);
      metrics.lastReconcileSeconds.set(clock.now() / 1000);
    },
    onPlan: (plan) => void (plans.push(plan) > 20 && plans.shift()),
  });
  batcher = new ReconcileBatcher({ clock, heartbeatMs: config.heartbeatMs, onFire: (reasons) => loop.trigger(reasons) });

  if (config.leaderElection.enabled) {
    const { leaseName, leaseDurationMs, renewDeadlineMs, retryPeriodMs } = config.leaderElection;
    leader = new LeaderElector({
      kube, namespace: config.namespace, leaseName, identity, leaseDurationMs, renewDeadlineMs, retryPeriodMs, clock, logger: log,
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

  const syncWatch = new SyncWatch({
    clock,
    source: cache,
    onTick: (synced) => {
      metrics.synced.set(synced ? 1 : 0);
      latency.sweep();
    },
    onFirstSync: () => {
      log.info({ pods: cache.pods.size, nodes: cache.nodes.size, nodeGroups: cache.nodeGroups.size, shapes: cache.shapes.size }, 'synced: every initial list is done');
      publishStats();
      batcher?.now('start');
    },
  });
  cache.start();
  leader?.start();
  syncWatch.start();
  const stopStats = every(clock, 15_000, () => void (cache.synced && publishStats()));
  // Our nodes that no releaseNode came for lose the startup taint anyway (startup-taint-sweep.ts).
  const stopStartupSweep = new StartupTaintSweeper({ kube, events, view, clock, logger: log, maxMs: config.startupTaintMaxSeconds * 1000, active: () => !dryRun && isLeader() && cache.synced }).start();
  log.info({ url: server.url, kube: auth.describe, kubeProxy: kube.proxy, dryRun, namespace: config.namespace, functionsUrl: config.functionsUrl, leaderElection: config.leaderElection.enabled }, 'forwarder started');

  const shutdown = async (graceful: boolean) => {
    if (stopped) return;
    stopped = true;
    syncWatch.stop();
    stopStats();
    stopStartupSweep();
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
    waitForSynced: (timeoutMs) => syncWatch.waitForSynced(timeoutMs),
    stop: () => shutdown(true),
    crash: () => shutdown(false),
  };
}
