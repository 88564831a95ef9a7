import { z } from 'zod';
import { KubeApiError, type KubeHttp } from './kube/kube-http.ts';
import type { Clock } from './util/clock.ts';

// The guardrails' memory, kept where a restart or a leader change cannot lose it: a ConfigMap in the
// forwarder's namespace. It holds the launches this cluster's forwarders made (a VM VPSie does not
// list yet still counts towards maxNodes, the VM caps and the cost cap) and the removals of the last
// window (the deletion rate). Written BEFORE the action it records (write-ahead): a forwarder that
// dies right after a create still counts that VM, whichever replica leads next.
//
//   reserve ──write ConfigMap (resourceVersion precondition)──▶ act (create/delete)
//      └── write fails ──▶ the command is refused: no record, no action (fail closed)

export const LEDGER_CONFIGMAP = 'vpsie-autoscaler-guardrails';
const DATA_KEY = 'ledger.json';
/** A launch counts from the ledger this long; later, VPSie's VM list (and the Node) count it. */
export const LAUNCH_MEMORY_MS = 6 * 60 * 60_000;
export const WINDOW_MS = 10 * 60_000;
/** Far above what the rate caps allow; a ledger this full means something is wrong: refuse. */
export const MAX_LEDGER_ENTRIES = 5_000;

const launchSchema = z.strictObject({
  hostname: z.string().min(1).max(63),
  /** "namespace/name" */
  group: z.string().min(1).max(320),
  atMs: z.number().int().nonnegative(),
  priceMonthly: z.number().nonnegative(),
  /** VPSie refused the create outright: no VM can come of it (it still counted for the rate). */
  released: z.boolean().optional(),
});
const deletionSchema = z.strictObject({ name: z.string().min(1).max(63), atMs: z.number().int().nonnegative() });
const ledgerSchema = z.strictObject({
  version: z.literal(1),
  launches: z.array(launchSchema).max(MAX_LEDGER_ENTRIES),
  deletions: z.array(deletionSchema).max(MAX_LEDGER_ENTRIES),
});

export type LedgerLaunch = z.infer<typeof launchSchema>;
export type LedgerDeletion = z.infer<typeof deletionSchema>;
type LedgerData = z.infer<typeof ledgerSchema>;

export class LedgerUnavailableError extends Error {
  override name = 'LedgerUnavailableError';
}

export interface GuardLedgerStore {
  read(): Promise<{ data: LedgerData; resourceVersion: string | undefined }>;
  /** Throws KubeApiError 409 when resourceVersion is stale. */
  write(data: LedgerData, resourceVersion: string | undefined): Promise<string>;
}

export class GuardLedger {
  private data: LedgerData = { version: 1, launches: [], deletions: [] };
  private resourceVersion: string | undefined;
  private loaded = false;

  constructor(private readonly store: GuardLedgerStore, private readonly clock: Clock) {}

  /** Reads the ConfigMap again (another replica may have led meanwhile). */
  async refresh(): Promise<void> {
    try {
      const { data, resourceVersion } = await this.store.read();
      this.data = data;
      this.resourceVersion = resourceVersion;
      this.loaded = true;
    } catch (error) {
      this.loaded = false;
      throw new LedgerUnavailableError(`the guardrail ledger (ConfigMap ${LEDGER_CONFIGMAP}) cannot be read: ${(error as Error).message}`, { cause: error });
    }
  }

  get isLoaded(): boolean {
    return this.loaded;
  }

  /** Launches that may still become (or be) a billed VM. */
  activeLaunches(): LedgerLaunch[] {
    const fromMs = this.clock.now() - LAUNCH_MEMORY_MS;
    return this.data.launches.filter((l) => !l.released && l.atMs > fromMs);
  }

  launchesInWindow(): number {
    const fromMs = this.clock.now() - WINDOW_MS;
    return this.data.launches.filter((l) => l.atMs > fromMs).length;
  }

  deletionsInWindow(): Set<string> {
    const fromMs = this.clock.now() - WINDOW_MS;
    return new Set(this.data.deletions.filter((d) => d.atMs > fromMs).map((d) => d.name));
  }

  hasLaunch(hostname: string): boolean {
    return this.activeLaunches().some((l) => l.hostname === hostname);
  }

  async recordLaunch(launch: Omit<LedgerLaunch, 'atMs'>): Promise<void> {
    await this.update((data) => {
      if (data.launches.some((l) => l.hostname === launch.hostname && !l.released)) return false;
      data.launches.push({ ...launch, atMs: this.clock.now() });
      return true;
    });
  }

  /** VPSie refused the create before acting: the launch no longer holds a place under the caps. */
  async releaseLaunch(hostname: string): Promise<void> {
    await this.update((data) => {
      const entry = data.launches.find((l) => l.hostname === hostname && !l.released);
      if (!entry) return false;
      entry.released = true;
      return true;
    });
  }

  async recordDeletion(name: string): Promise<void> {
    await this.update((data) => {
      if (this.deletionsInWindow().has(name)) return false;
      data.deletions.push({ name, atMs: this.clock.now() });
      return true;
    });
  }

  /** Applies a change and writes it with the resourceVersion precondition; on a conflict, reads and retries once. */
  private async update(change: (data: LedgerData) => boolean): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      if (!this.loaded) await this.refresh();
      const next = structuredClone(this.data);
      this.prune(next);
      if (!change(next)) return;
      if (next.launches.length > MAX_LEDGER_ENTRIES || next.deletions.length > MAX_LEDGER_ENTRIES) {
        throw new LedgerUnavailableError(`the guardrail ledger holds more than ${MAX_LEDGER_ENTRIES} entries; refusing to grow it`);
      }
      try {
        this.resourceVersion = await this.store.write(next, this.resourceVersion);
        this.data = next;
        return;
      } catch (error) {
        if (error instanceof KubeApiError && error.status === 409 && attempt < 2) {
          await this.refresh();
          continue;
        }
        this.loaded = false; // read again before the next decision
        throw new LedgerUnavailableError(`the guardrail ledger (ConfigMap ${LEDGER_CONFIGMAP}) cannot be written: ${(error as Error).message}`, { cause: error });
      }
    }
  }

  private prune(data: LedgerData): void {
    const nowMs = this.clock.now();
    data.launches = data.launches.filter((l) => nowMs - l.atMs < LAUNCH_MEMORY_MS);
    data.deletions = data.deletions.filter((d) => nowMs - d.atMs < WINDOW_MS);
  }
}

/** The ConfigMap as the ledger's store. */
export function configMapLedgerStore(kube: KubeHttp, namespace: string): GuardLedgerStore {
  const path = `/api/v1/namespaces/${encodeURIComponent(namespace)}/configmaps`;
  return {
    async read() {
      try {
        const cm = await kube.request<{ metadata: { resourceVersion?: string }; data?: Record<string, string> }>({ method: 'GET', path: `${path}/${LEDGER_CONFIGMAP}` });
        const text = cm.data?.[DATA_KEY];
        if (text === undefined) return { data: { version: 1, launches: [], deletions: [] }, resourceVersion: cm.metadata.resourceVersion };
        if (text.length > 1_000_000) throw new Error(`${DATA_KEY} is ${text.length} bytes, more than a ledger can be`);
        const parsed = ledgerSchema.safeParse(JSON.parse(text));
        // A ledger that does not parse is not "empty": somebody edited it. Fail closed.
        if (!parsed.success) throw new Error(`${DATA_KEY} is not a valid ledger: ${parsed.error.issues[0]?.message ?? 'invalid'}`);
        return { data: parsed.data, resourceVersion: cm.metadata.resourceVersion };
      } catch (error) {
        if (error instanceof KubeApiError && error.status === 404) return { data: { version: 1, launches: [], deletions: [] }, resourceVersion: undefined };
        throw error;
      }
    },
    async write(data, resourceVersion) {
      const body = {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: {
          name: LEDGER_CONFIGMAP,
          namespace,
          labels: { 'app.kubernetes.io/managed-by': 'vpsie-autoscaler' },
          ...(resourceVersion ? { resourceVersion } : {}),
        },
        data: { [DATA_KEY]: JSON.stringify(data) },
      };
      const written = resourceVersion
        ? await kube.request<{ metadata: { resourceVersion: string } }>({ method: 'PUT', path: `${path}/${LEDGER_CONFIGMAP}`, body })
        // Without a resourceVersion: create; a 409 AlreadyExists (another replica created it) is retried like a conflict.
        : await kube.request<{ metadata: { resourceVersion: string } }>({ method: 'POST', path, body });
      return written.metadata.resourceVersion;
    },
  };
}
