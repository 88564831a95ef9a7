import { KubeApiError } from '../kube/kube-http.ts';
import { Backoff } from '../util/backoff.ts';
import { sleep, systemClock, type Clock } from '../util/clock.ts';
import type { ListQuery, Lister, WatchEventType, WatchHandle, Watcher } from './list-watch.ts';

// List, then watch from the list's resourceVersion; on 410 Gone list again; after any other error wait
// (exponential backoff) and watch again from the last resourceVersion seen. Objects go to the sink one
// at a time, page by page, so a 30,000-pod list never sits in memory whole.
//
//   list(page 1..n) ─▶ synced ─▶ watch ──timeout──▶ watch(rv) …
//        ▲                         │
//        └────── 410 Gone ─────────┘   other error ─▶ backoff ─▶ watch(rv)

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

export class Reflector {
  private syncedOnce = false;
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

  /** True once the first complete list has been delivered (stays true across relists). */
  get synced(): boolean {
    return this.syncedOnce;
  }

  start(): void {
    this.loop ??= this.run();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.stopController.abort();
    this.current?.abort();
    await this.loop;
  }

  private async run(): Promise<void> {
    let needList = true;
    while (!this.stopped) {
      try {
        if (needList) {
          await this.list();
          needList = false;
        }
        const startedMs = this.clock.now();
        const events = await this.watchOnce();
        if (events === 0 && this.clock.now() - startedMs < 1_000) {
          // A watch the server closes at once, again and again, must not spin: treat it as a failure.
          throw new Error('watch closed immediately without events');
        }
        this.backoff.reset();
      } catch (error) {
        if (this.stopped) return;
        if (error instanceof WatchExpiredError || (error instanceof KubeApiError && error.status === 410)) {
          // The resourceVersion is too old (etcd compacted it): only a fresh list can resync.
          needList = true;
          continue;
        }
        const waitMs = this.backoff.next();
        this.options.onError?.(this.options.name, error, waitMs);
        if (!this.syncedOnce) needList = true;
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
      this.syncedOnce = true;
      return;
    }
    sink.beginList();
    try {
      do {
        const page = await lister({ ...query, limit: pageSize, continueToken });
        if (this.stopped) return;
        for (const item of page.items) sink.upsert(item, 'list');
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
    this.syncedOnce = true;
    this.options.onList?.(this.options.name, count);
  }

  /** Resolves with the number of events seen when the watch ends normally (server timeout). */
  private watchOnce(): Promise<number> {
    const { watcher, sink, query = {}, watchTimeoutSeconds = 300 } = this.options;
    return new Promise<number>((resolve, reject) => {
      let expired = false;
      let events = 0;
      const onEvent = (type: WatchEventType, object: unknown) => {
        events += 1;
        if (type === 'ERROR') {
          const code = (object as { code?: unknown } | undefined)?.code;
          if (code === 410) expired = true;
          this.current?.abort();
          return;
        }
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
        this.stopController.signal.removeEventListener('abort', onStop);
        this.current = undefined;
        if (expired) reject(new WatchExpiredError('watch: resourceVersion too old (410)'));
        else if (error && !this.stopped) reject(error);
        else resolve(events);
      };
      watcher({ ...query, resourceVersion: this.resourceVersion, timeoutSeconds: watchTimeoutSeconds }, onEvent, onDone)
        .then((handle) => {
          this.current = handle;
          if (this.stopped) handle.abort();
        })
        .catch(reject);
    });
  }
}
