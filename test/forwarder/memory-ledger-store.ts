import { KubeApiError } from '../../forwarder/kube/kube-http.ts';
import type { GuardLedgerStore } from '../../forwarder/guard-ledger.ts';

type Data = Awaited<ReturnType<GuardLedgerStore['read']>>['data'];

/** The ledger's store in memory, with the ConfigMap's resourceVersion semantics (409 when stale). */
export class MemoryLedgerStore implements GuardLedgerStore {
  private data: Data = { version: 1, launches: [], deletions: [] };
  private version = 0;
  writes = 0;
  /** Set to make the next writes fail (an API server that refuses). */
  failWrites = false;

  async read() {
    return { data: structuredClone(this.data), resourceVersion: this.version === 0 ? undefined : String(this.version) };
  }

  async write(data: Data, resourceVersion: string | undefined): Promise<string> {
    if (this.failWrites) throw new KubeApiError(500, 'InternalError', 'etcd unavailable');
    const current = this.version === 0 ? undefined : String(this.version);
    if (resourceVersion !== current) throw new KubeApiError(409, 'Conflict', 'the object has been modified');
    this.data = structuredClone(data);
    this.version += 1;
    this.writes += 1;
    return String(this.version);
  }
}
