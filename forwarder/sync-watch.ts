import { every, type Clock } from './util/clock.ts';

// Watches the cluster cache's `synced` on the injected clock: the synced gauge, the latency sweep,
// the first-sync moment (log, stats, first reconcile), and waitForSynced for tests and the CLI.

export interface SyncSource {
  readonly synced: boolean;
  syncStatus(): unknown;
}

export interface SyncWatchOptions {
  clock: Clock;
  source: SyncSource;
  /** Every tick, with the current state (gauges, sweeps). */
  onTick(synced: boolean): void;
  /** Once, at the first tick that finds the cache synced. */
  onFirstSync(): void;
  tickMs?: number;
}

export class SyncWatch {
  private stopTicks: (() => void) | undefined;
  private firstSync = false;
  private waiters = new Set<() => void>();

  constructor(private readonly options: SyncWatchOptions) {}

  start(): void {
    this.stopTicks = every(this.options.clock, this.options.tickMs ?? 200, () => this.tick());
  }

  stop(): void {
    this.stopTicks?.();
  }

  /** Resolves at the first tick that finds every initial list done; rejects after `timeoutMs` on the clock. */
  waitForSynced(timeoutMs = 60_000): Promise<void> {
    const { clock, source } = this.options;
    if (source.synced) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const done = () => {
        clock.clearTimeout(deadline);
        this.waiters.delete(done);
        resolve();
      };
      const deadline = clock.setTimeout(() => {
        this.waiters.delete(done);
        reject(new Error(`not synced after ${timeoutMs} ms: ${JSON.stringify(source.syncStatus())}`));
      }, timeoutMs);
      this.waiters.add(done);
    });
  }

  private tick(): void {
    const { synced } = this.options.source;
    this.options.onTick(synced);
    if (!synced) return;
    if (!this.firstSync) {
      this.firstSync = true;
      this.options.onFirstSync();
    }
    for (const done of [...this.waiters]) done();
  }
}
