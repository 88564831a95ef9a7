import { KubeApiError } from '../kube/kube-http.ts';
import { Backoff } from '../util/backoff.ts';
import { sleep, systemClock, type Clock } from '../util/clock.ts';
import type { ListQuery, Lister, WatchEventType, WatchHandle, Watcher } from './list-watch.ts';

// List, then watch from the list's resourceVersion; on 410 Gone list again; after any other error
// (an ERROR event included) wait (exponential backoff) and watch again from the last resourceVersion
// seen. Objects go to the sink one at a time, page by page, so a 30,000-pod list never sits in memory whole.
//
//   list(page 1..n) ─▶ watch open (fresh) ──timeout──▶ watch(rv) …
//        ▲                         │
//        └────── 410 Gone ─────────┘   other error ─▶ backoff ─▶ watch(rv)
//
// Fresh means "the sink holds what the server holds, give or take the watch's latency": a complete
// list was delivered and a watch is open now. It turns false the moment a watch ends or a relist
// begins, and true again only when the server has accepted the next watch: destructive decisions
// must never rest on a picture that stopped updating.

export interface ReflectorSink {
  /** A relist begins: every object listed until `endList` is current; the rest are gone. */
  beginList(): void;
  upsert(object: unknown, from: 'list' | 'watch'): void;
  remove(object: unknown): void;
  endList(): void;
}

export interface ReflectorOptions {
  name: string;
  lister: Lister;
  watcher: Watcher;
  sink: ReflectorSink;
  query?: ListQuery;
  pageSize?: number;
  /** Skip the history: list one item only to learn the resourceVersion, then deliver watch events (Events). */
  resourceVersionOnly?: boolean;
  watchTimeoutSeconds?: number;
  backoff?: { initialMs: number; maxMs: number };
  clock?: Clock;
  onError?: (name: string, error: unknown, retryInMs: number) => void;
  /** Called on every relist (including the first); for metrics and tests. */
  onList?: (name: string, objects: number) => void;
}

class WatchExpiredError extends Error {
  override name = 'WatchExpiredError';
}

/** The server sent a watch ERROR event other than 410 (a Status object): retried with backoff. */
export class WatchErrorEvent extends Error {
  override name = 'WatchErrorEvent';
}

/** A normal end sooner than this after the start counts as a failure (a server closing at once must not spin). */
const MIN_WATCH_MS = 1_000;

export type ReflectorPhase = 'idle' | 'listing' | 'watching' | 'reconnecting' | 'stopped';

export interface ReflectorFreshness {
  fresh: boolean;
  phase: ReflectorPhase;
  /** Since the last list page or watch event (bookmarks included); absent before the first. */
  lastEventAgeMs?: number;
}

export class Reflector {
  private listedOnceFlag = false;
  private phaseNow: ReflectorPhase = 'idle';
  private lastEventAtMs: number | undefined;
  private stopped = false;
  private readonly stopController = new AbortController();
  private current: WatchHandle | undefined;
  private resourceVersion = '';
  private loop: Promise<void> | undefined;
  private readonly backoff: Backoff;
  private readonly clock: Clock;
  relists = 0;

  constructor(private readonly options: ReflectorOptions) {
    this.clock = options.clock ?? systemClock;
    this.backoff = new Backoff(options.backoff ?? { initialMs: 500, maxMs: 30_000 });
  }

  get name(): string {
    return this.options.name;
  }

  /** True once the first complete list has been delivered (stays true across relists and outages). */
  get listedOnce(): boolean {
    return this.listedOnceFlag;
  }

  /** A complete list was delivered and a watch is open now (see the comment at the top). */
  get fresh(): boolean {
    return this.listedOnceFlag && this.phaseNow === 'watching';
  }

  freshness(): ReflectorFreshness {
    return {
      fresh: this.fresh,
      phase: this.phaseNow,
      ...(this.lastEventAtMs !== undefined ? { lastEventAgeMs: Math.max(0, this.clock.now() - this.lastEventAtMs) } : {}),
    };
  }

  start(): void {
    this.loop ??= this.run();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.phaseNow = 'stopped';
    this.stopController.abort();
    this.current?.abort();
    await this.loop;
  }

  private async run(): Promise<void> {
    let needList = true;
    while (!this.stopped) {
      try {
        if (needList) {
          this.phaseNow = 'listing';
          await this.list();
          needList = false;
        }
        const startedMs = this.clock.now();
        await this.watchOnce();
        if (this.stopped) return;
        this.phaseNow = 'reconnecting';
        if (this.clock.now() - startedMs < MIN_WATCH_MS) {
          // A watch the server closes at once, again and again, must not spin: treat it as a failure.
          throw new Error(`watch closed within ${MIN_WATCH_MS} ms`);
        }
        this.backoff.reset();
      } catch (error) {
        if (this.stopped) return;
        this.phaseNow = 'reconnecting';
        if (error instanceof WatchExpiredError || (error instanceof KubeApiError && error.status === 410)) {
          // The resourceVersion is too old (etcd compacted it): only a fresh list can resync.
          needList = true;
          continue;
        }
        const waitMs = this.backoff.next();
        this.options.onError?.(this.options.name, error, waitMs);
        if (!this.listedOnceFlag) needList = true;
        await sleep(this.clock, waitMs, this.stopController.signal);
      }
    }
  }

  private async list(): Promise<void> {
    const { lister, sink, query = {}, pageSize = 250 } = this.options;
    let continueToken: string | undefined;
    let count = 0;
    if (this.options.resourceVersionOnly) {
      this.resourceVersion = (await lister({ ...query, limit: 1 })).resourceVersion;
      this.relists += 1;
      this.listedOnceFlag = true;
      this.lastEventAtMs = this.clock.now();
      return;
    }
    sink.beginList();
    try {
      do {
        const page = await lister({ ...query, limit: pageSize, continueToken });
        if (this.stopped) return;
        for (const item of page.items) sink.upsert(item, 'list');
        this.lastEventAtMs = this.clock.now();
        count += page.items.length;
        continueToken = page.continueToken;
        this.resourceVersion = page.resourceVersion;
      } while (continueToken);
    } catch (error) {
      // An expired continue token (410) or any failure mid-list: the next attempt lists from scratch.
      // IMPORTANT: no endList() here; a partial list must not delete the objects it did not reach.
      if (error instanceof KubeApiError && error.status === 410) throw new WatchExpiredError('continue token expired', { cause: error });
      throw error;
    }
    sink.endList();
    this.relists += 1;
    this.listedOnceFlag = true;
    this.options.onList?.(this.options.name, count);
  }

  /** Resolves when the watch ends normally (server timeout); rejects on errors and ERROR events. */
  private watchOnce(): Promise<void> {
    const { watcher, sink, query = {}, watchTimeoutSeconds = 300 } = this.options;
    return new Promise<void>((resolve, reject) => {
      let expired = false;
      let errorEvent: WatchErrorEvent | undefined;
      const onOpen = () => {
        if (!finished && !this.stopped) this.phaseNow = 'watching';
      };
      const onEvent = (type: WatchEventType, object: unknown) => {
        if (finished) return;
        this.lastEventAtMs = this.clock.now();
        if (type === 'ERROR') {
          const status = object as { code?: unknown; reason?: unknown; message?: unknown } | undefined;
          if (status?.code === 410) expired = true;
          else errorEvent = new WatchErrorEvent(`watch ERROR event: ${String(status?.code ?? '?')} ${String(status?.reason ?? '')} ${String(status?.message ?? '').slice(0, 300)}`.trim());
          this.current?.abort();
          onDone(undefined);
          return;
        }
        // An event proves the server accepted the watch (for watchers that do not report the open).
        onOpen();
        const rv = (object as { metadata?: { resourceVersion?: string } } | undefined)?.metadata?.resourceVersion;
        if (rv) this.resourceVersion = rv;
        if (type === 'ADDED' || type === 'MODIFIED') sink.upsert(object, 'watch');
        else if (type === 'DELETED') sink.remove(object);
      };
      const onStop = () => onDone(undefined);
      // A stop must end the wait even if the watcher never calls back.
      this.stopController.signal.addEventListener('abort', onStop, { once: true });
      let finished = false;
      const onDone = (error: unknown) => {
        if (finished) return;
        finished = true;
        if (!this.stopped) this.phaseNow = 'reconnecting';
        this.stopController.signal.removeEventListener('abort', onStop);
        this.current = undefined;
        if (expired) reject(new WatchExpiredError('watch: resourceVersion too old (410)'));
        else if (errorEvent && !this.stopped) reject(errorEvent);
        else if (error && !this.stopped) reject(error);
        else resolve();
      };
      watcher({ ...query, resourceVersion: this.resourceVersion, timeoutSeconds: watchTimeoutSeconds }, onEvent, onDone, onOpen)
        .then((handle) => {
          if (finished || this.stopped) handle.abort();
          else this.current = handle;
        })
        .catch((error: unknown) => onDone(error ?? new Error('watch failed to start')));
    });
  }
}
