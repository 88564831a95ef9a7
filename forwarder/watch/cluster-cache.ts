import type { UnreadablePod } from '../../shared/compact/unreadable.ts';
import type { ResourceFreshness, SnapshotNode, SnapshotNodeGroup, SnapshotPdb, SnapshotResource } from '../../shared/snapshot.ts';
import type { KubeHttp } from '../kube/kube-http.ts';
import { systemClock, type Clock } from '../util/clock.ts';
import { errorFields, type Logger } from '../util/logger.ts';
import { createCacheStores, type CachedDaemonSet, type CachedPod, type ClusterCacheTriggers, type SecretFacts } from './cache-stores.ts';
import type { CompactStore } from './compact-store.ts';
import { httpLister, httpWatcher, type Lister, type Watcher } from './list-watch.ts';
import { Reflector, type ReflectorFreshness, type ReflectorSink } from './reflector.ts';
import { watchedResources, type WatchedResource } from './resources.ts';
import { ShapeInterner, StringInterner } from './shape-interner.ts';

// The forwarder's picture of the cluster: compact facts only, kept current by one reflector per
// resource (the stores and what each keeps: cache-stores.ts). It also notices the moments that
// should bring a reconcile forward.
//
// `synced` tells the truth about now, not about the past: every resource a snapshot is built from
// has a watch open after a complete list, and nothing unreadable hides a node, a NodeGroup or a
// PDB. It goes back to false through watch outages and relists. `listedOnce` is the old "every
// initial list is done" (the reconcile loop waits for it before the first snapshot).

export type { CachedDaemonSet, CachedPod, ClusterCacheTriggers, SecretFacts } from './cache-stores.ts';

export interface ClusterCacheOptions {
  http: KubeHttp;
  /** The forwarder's namespace: bootstrap Secrets are watched here only. */
  namespace: string;
  triggers: ClusterCacheTriggers;
  logger: Logger;
  clock?: Clock;
  pageSize?: number;
  podPageSize?: number;
  /** For tests: replace the API calls. */
  listerFor?: (resource: WatchedResource) => Lister;
  watcherFor?: (resource: WatchedResource) => Watcher;
  onList?: (resource: string, objects: number) => void;
}

export class ClusterCache {
  readonly pods: CompactStore<CachedPod, UnreadablePod>;
  readonly nodes: CompactStore<SnapshotNode>;
  readonly pdbs: CompactStore<SnapshotPdb>;
  readonly daemonSets: CompactStore<CachedDaemonSet>;
  readonly nodeGroups: CompactStore<SnapshotNodeGroup>;
  readonly secrets: CompactStore<SecretFacts>;
  readonly shapes = new ShapeInterner();
  private readonly strings = new StringInterner();
  private readonly reflectors: Reflector[];
  /** The reflector feeding each resource a snapshot is built from. */
  private readonly snapshotReflectors: Record<SnapshotResource, Reflector>;
  private readonly clock: Clock;
  /** Compaction failures (logged each time); the objects stay as unreadable in their store. */
  compactErrors = 0;

  constructor(private readonly options: ClusterCacheOptions) {
    const { triggers, logger } = options;
    this.clock = options.clock ?? systemClock;
    const stores = createCacheStores({
      triggers,
      shapes: this.shapes,
      strings: this.strings,
      onUnreadable: (kind, key, error) => {
        this.compactErrors += 1;
        logger.warn({ kind, key, ...errorFields(error) }, 'cannot read this object; kept as unknown (its node is not removed while it is unreadable)');
      },
    });
    ({ pods: this.pods, nodes: this.nodes, pdbs: this.pdbs, daemonSets: this.daemonSets, nodeGroups: this.nodeGroups, secrets: this.secrets } = stores);

    const eventSink = (onEvent: (object: unknown) => void): ReflectorSink => ({
      beginList: () => {},
      endList: () => {},
      remove: () => {},
      upsert: (object, from) => {
        if (from === 'watch') onEvent(object);
      },
    });
    const involved = (object: unknown) => (object as { involvedObject?: { namespace?: string; name?: string } }).involvedObject ?? {};
    const resources = watchedResources(options.namespace);
    const sinks: Array<[WatchedResource, ReflectorSink]> = [
      [resources.pods, this.pods],
      [resources.nodes, this.nodes],
      [resources.pdbs, this.pdbs],
      [resources.daemonSets, this.daemonSets],
      [resources.nodeGroups, this.nodeGroups],
      [resources.secrets, this.secrets],
      [resources.schedulingEvents, eventSink((event) => {
        const { namespace, name } = involved(event);
        if (name) triggers.unschedulablePod(`${namespace ?? 'default'}/${name}`);
      })],
      [resources.nodeEvents, eventSink((event) => {
        const { name } = involved(event);
        if (name) triggers.nodePressure(name);
      })],
    ];
    const reflectorOf = new Map<WatchedResource, Reflector>();
    this.reflectors = sinks.map(([resource, sink]) => {
      const reflector = new Reflector({
      name: resource.name,
      // Pods are the bulk (30,000 × ~4 KiB of JSON with managedFields): small pages keep the peak low.
      ...(resource === resources.pods ? { pageSize: options.podPageSize ?? 100 } : {}),
      lister: options.listerFor?.(resource) ?? httpLister(options.http, resource.path),
      watcher: options.watcherFor?.(resource) ?? httpWatcher(options.http, resource.path),
      sink,
      ...(resource.query ? { query: resource.query } : {}),
      ...(resource.watchOnly ? { resourceVersionOnly: true } : {}),
      ...(options.pageSize && resource !== resources.pods ? { pageSize: options.pageSize } : {}),
      clock: this.clock,
      onError: (name, error, retryInMs) => logger.warn({ watch: name, retryInMs, ...errorFields(error) }, 'watch failed; retrying'),
      ...(options.onList ? { onList: options.onList } : {}),
      });
      reflectorOf.set(resource, reflector);
      return reflector;
    });
    this.snapshotReflectors = {
      pods: reflectorOf.get(resources.pods)!,
      nodes: reflectorOf.get(resources.nodes)!,
      pdbs: reflectorOf.get(resources.pdbs)!,
      daemonSets: reflectorOf.get(resources.daemonSets)!,
      nodeGroups: reflectorOf.get(resources.nodeGroups)!,
    };
  }

  /**
   * Everything but the pods first; the pods' list (by far the largest) once the others have listed,
   * so that their initial lists do not sit in memory at the same time (or after 10 s regardless).
   */
  start(): void {
    const [pods, ...rest] = this.reflectors;
    for (const reflector of rest) reflector.start();
    const startedMs = this.clock.now();
    const startPods = () => {
      if (this.stopping) return;
      if (rest.every((r) => r.listedOnce) || this.clock.now() - startedMs > 10_000) pods!.start();
      else this.clock.setTimeout(startPods, 50);
    };
    startPods();
  }

  private stopping = false;

  async stop(): Promise<void> {
    this.stopping = true;
    await Promise.all(this.reflectors.map((r) => r.stop()));
  }

  /** Every initial list is done (stays true through outages): the first snapshot waits for this. */
  get listedOnce(): boolean {
    return this.reflectors.every((r) => r.listedOnce);
  }

  /** Now: every snapshot resource is fresh and nothing unreadable hides a node, a NodeGroup or a PDB. */
  get synced(): boolean {
    return Object.values(this.snapshotReflectors).every((r) => r.fresh)
      && this.nodes.unreadable.size === 0 && this.nodeGroups.unreadable.size === 0 && this.pdbs.unreadable.size === 0
      && !this.podsOnUnknownNodes();
  }

  /** Per snapshot resource, for the snapshot's `freshness`. */
  freshness(): Record<SnapshotResource, ResourceFreshness> {
    const unreadable: Record<SnapshotResource, number> = {
      pods: this.pods.unreadable.size,
      nodes: this.nodes.unreadable.size,
      pdbs: this.pdbs.unreadable.size,
      daemonSets: this.daemonSets.unreadable.size,
      nodeGroups: this.nodeGroups.unreadable.size,
    };
    const out = {} as Record<SnapshotResource, ResourceFreshness>;
    for (const [resource, reflector] of Object.entries(this.snapshotReflectors) as Array<[SnapshotResource, Reflector]>) {
      const { fresh, lastEventAgeMs } = reflector.freshness();
      out[resource] = { fresh, ...(lastEventAgeMs !== undefined ? { lastEventAgeMs } : {}), ...(unreadable[resource] > 0 ? { unreadable: unreadable[resource] } : {}) };
    }
    return out;
  }

  /** Every watch by name (readiness detail, error messages). */
  syncStatus(): Record<string, ReflectorFreshness & { listedOnce: boolean }> {
    return Object.fromEntries(this.reflectors.map((r) => [r.name, { listedOnce: r.listedOnce, ...r.freshness() }]));
  }

  /** An unreadable pod whose spec.nodeName cannot be read could be on any node. */
  private podsOnUnknownNodes(): boolean {
    for (const pod of this.pods.unreadable.values()) if (pod.nodeUnknown) return true;
    return false;
  }

  nodeGroup(namespace: string, name: string): SnapshotNodeGroup | undefined {
    return this.nodeGroups.items.get(`${namespace}/${name}`);
  }
}
