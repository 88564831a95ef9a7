import { gzipSync } from 'node:zlib';
import type { PlanningState } from '../planning/types.ts';
import type { Clock } from '../clock.ts';
import { clusterPk, CONTACT_SK, groupSk, LAST_PLAN_SK, nodeSk, operationSk, STATE_REST_SK, type ItemKey } from './keys.ts';
import { leaseKey, LeaseLostError, type Lease, type LeaseRules } from './lease.ts';
import { encodeManifest, MANIFEST_ATTRIBUTE, MANIFESTED, PREV_DATA, PREV_DATA_GZ, PREV_TOKEN, type CommitManifest } from './commit-manifest.ts';
import { decodeContact, encodeLastPlan, type ContactRecord, type LastPlanRecord } from './cluster-records.ts';
import { decodeClusterItems, type LoadedClusterState, type Version } from './cluster-state-decode.ts';
import { forEachLimit } from './for-each-limit.ts';
import { ConditionFailedError, type AttributeValue, type Item, type TableAdapter } from './table-adapter.ts';

export type { LoadedClusterState } from './cluster-state-decode.ts';

// Loads a cluster's PlanningState from its items (cluster-state-decode.ts) and persists the state plan() returned.
//
// Items: group state `ng#<ns/name>` (optimistic `version`), node timers `node#<name>`, operations
// `op#<id>` (the ledger; an operation that leaves the state is archived with a TTL, not deleted),
// and `state` for every other field of PlanningState (seenResults, sentCommands, and whatever the
// planning core adds later, gzipped JSON), plus the records in cluster-records.ts. Each item keeps its
// value as JSON in `data` and the fencing token of the lease that last wrote it in `fencingToken`.
// Operations, group state and `state` count only in the version the last committed plan stands on
// (commit-manifest.ts): a commit that fails half-way leaves nothing that counts.

export interface CommitInput {
  lease: Lease;
  loaded: LoadedClusterState;
  next: PlanningState;
  contact: Omit<ContactRecord, 'fencingToken'>;
  lastPlan: LastPlanRecord;
}

export interface StateStoreOptions {
  /** How long an archived operation stays readable in the ledger (TTL). */
  operationRetentionMs: number;
  /** The newest applied result ids kept for de-duplication. */
  maxSeenResults: number;
  /** Parallel writes during a commit. */
  writeConcurrency: number;
}

export const DEFAULT_STATE_STORE_OPTIONS: StateStoreOptions = {
  operationRetentionMs: 7 * 24 * 3_600_000,
  maxSeenResults: 5_000,
  writeConcurrency: 16,
};

/** A write by lease N never overwrites an item written by lease N+1 or later. */
const FENCED = 'attribute_not_exists(#pk) OR #fencingToken <= :token';

type Write = () => Promise<void>;

export class ClusterStateStore {
  constructor(
    private readonly table: TableAdapter,
    private readonly leases: LeaseRules,
    private readonly clock: Clock,
    private readonly options: StateStoreOptions = DEFAULT_STATE_STORE_OPTIONS,
  ) {}

  async load(clusterId: string): Promise<LoadedClusterState> {
    return decodeClusterItems(clusterId, await this.table.queryPartition(clusterPk(clusterId)));
  }

  /**
   * Persists `next` under the lease. Throws LeaseLostError (nothing that counts written) when the lease
   * was taken over, ConditionFailedError when a newer lease holder wrote an item first, or whatever the
   * store threw. Either way the caller must not send the plan, and nothing it wrote counts: the
   * manifest on the lease (commit-manifest.ts), written last, still names the previous versions.
   *
   * IMPORTANT: the write order is an invariant. Every item first (each keeping the version it
   * replaces), then the manifest, conditional on the lease: only a plan whose manifest landed is sent
   * or replayed, and only the versions it names count.
   */
  async commit(input: CommitInput): Promise<{ itemsWritten: number }> {
    const lease = await this.leases.confirm(input.lease);
    const token = lease.fencingToken;
    const pk = clusterPk(lease.clusterId);
    const nowMs = this.clock();
    const stamp = { fencingToken: token, updatedAtMs: nowMs, [MANIFESTED]: true };
    const fenced = { condition: FENCED, values: { ':token': token } };
    const { baseline } = input.loaded;
    const next = input.next;
    const manifest: CommitManifest = { token, ops: {}, groups: {} };
    /** The version an item replaces, kept on it until the next commit (PREV_DATA or PREV_DATA_GZ). */
    const previous = (before: Version | undefined, gz = false): Record<string, AttributeValue> =>
      before ? { [gz ? PREV_DATA_GZ : PREV_DATA]: gz ? gzipSync(before.json) : before.json, [PREV_TOKEN]: before.token } : {};

    const operationWrites: Write[] = [];
    const nextOperationIds = new Set<string>();
    for (const operation of next.operations) {
      nextOperationIds.add(operation.id);
      const json = JSON.stringify(operation);
      const before = baseline.operations.get(operation.id);
      if (before && !before.dirty && before.json === json) {
        manifest.ops[operation.id] = before.token;
        continue;
      }
      manifest.ops[operation.id] = token;
      const item: Item = { pk, sk: operationSk(operation.id), data: json, kind: operation.kind, status: operation.status, nodeGroup: operation.nodeGroup, ...previous(before), ...stamp };
      operationWrites.push(() => this.table.put(item, fenced));
    }
    for (const [id, before] of baseline.operations) {
      if (nextOperationIds.has(id)) continue;
      operationWrites.push(() => this.archiveOperation({ pk, sk: operationSk(id) }, token, nowMs, before).then(() => undefined));
    }
    for (const id of baseline.strayOperations) {
      if (nextOperationIds.has(id)) continue;
      operationWrites.push(() => this.archiveOperation({ pk, sk: operationSk(id) }, token, nowMs).then(() => undefined));
    }

    const nodeWrites: Write[] = [];
    for (const [name, timers] of Object.entries(next.nodes)) {
      const json = JSON.stringify(timers);
      if (baseline.nodes.get(name) === json) continue;
      nodeWrites.push(() => this.table.put({ pk, sk: nodeSk(name), data: json, ...stamp }, fenced));
    }
    for (const name of baseline.nodes.keys()) {
      if (name in next.nodes) continue;
      nodeWrites.push(() => this.table.delete({ pk, sk: nodeSk(name) }, fenced));
    }

    const groupWrites: Write[] = [];
    for (const [key, state] of Object.entries(next.groups)) {
      const json = JSON.stringify(state);
      const before = baseline.groups.get(key);
      const committed = before && before.json !== '' ? before : undefined;
      if (committed && !committed.dirty && committed.json === json) {
        manifest.groups[key] = committed.token;
        continue;
      }
      manifest.groups[key] = token;
      const item: Item = { pk, sk: groupSk(key), data: json, version: (before?.version ?? 0) + 1, ...previous(committed), ...stamp };
      groupWrites.push(() =>
        before
          ? this.table.put(item, { condition: '#version = :version AND #fencingToken <= :token', values: { ':version': before.version, ':token': token } })
          : this.table.put(item, { condition: 'attribute_not_exists(#pk)' }),
      );
    }
    for (const [key, before] of baseline.groups) {
      if (key in next.groups) continue;
      groupWrites.push(() => this.table.delete({ pk, sk: groupSk(key) }, { condition: '#version = :version', values: { ':version': before.version } }));
    }

    const { groups: _groups, nodes: _nodes, operations: _operations, ...rest } = next;
    if (rest.seenResults) rest.seenResults = rest.seenResults.slice(-this.options.maxSeenResults);
    const restJson = JSON.stringify(rest);
    if (restJson !== (baseline.rest?.json ?? '{}') || baseline.rest?.dirty) {
      manifest.rest = token;
      groupWrites.push(() => this.table.put({ pk, sk: STATE_REST_SK, dataGz: gzipSync(restJson), ...previous(baseline.rest, true), ...stamp }, fenced));
    } else if (baseline.rest) {
      manifest.rest = baseline.rest.token;
    }

    const recordWrites: Write[] = [
      () => this.table.put({ pk, sk: CONTACT_SK, ...(input.contact as unknown as Record<string, AttributeValue>), ...stamp }, fenced),
    ];

    let itemsWritten = 0;
    for (const phase of [operationWrites, nodeWrites, groupWrites, recordWrites]) {
      await forEachLimit(phase, this.options.writeConcurrency, (write) => write());
      itemsWritten += phase.length;
    }
    await this.table.put({ pk, sk: LAST_PLAN_SK, ...encodeLastPlan(input.lastPlan), ...stamp }, fenced);
    // IMPORTANT: the manifest goes last, conditional on the lease still being ours (nobody acquired
    // it since, so nobody has loaded a picture this commit would contradict). It also confirms the
    // lease: on failure this throws LeaseLostError and the plan is not sent; its items never count.
    try {
      await this.table.update(leaseKey(lease.clusterId), {
        update: `SET #${MANIFEST_ATTRIBUTE} = :manifest`,
        condition: '#owner = :owner AND #fencingToken = :token',
        values: { ':manifest': encodeManifest(manifest), ':owner': lease.owner, ':token': token },
      });
    } catch (error) {
      if (error instanceof ConditionFailedError) throw new LeaseLostError(lease.clusterId, token, { cause: error });
      throw error;
    }
    return { itemsWritten: itemsWritten + 1 }; // + the last plan (the manifest is an attribute of the lease)
  }

  /** Only the contact record (cheaper than load() for a cluster with many nodes). */
  async readContact(clusterId: string): Promise<ContactRecord | undefined> {
    return decodeContact(await this.table.get({ pk: clusterPk(clusterId), sk: CONTACT_SK }));
  }

  /**
   * Archived operations leave the state but stay in the ledger until their TTL. The version the
   * archive replaces is kept: should this commit fail, the operation still counts in that version.
   */
  async archiveOperation(key: ItemKey, token: number, nowMs: number, before?: Version): Promise<void> {
    const keep = before ? `, #${PREV_DATA} = :prev, #${PREV_TOKEN} = :prevToken` : '';
    await this.table.update(key, {
      update: `SET #archivedAtMs = :now, #ttl = :ttl, #fencingToken = :token, #${MANIFESTED} = :manifested${keep}`,
      condition: 'attribute_exists(#pk) AND #fencingToken <= :token',
      values: {
        ':now': nowMs, ':ttl': Math.ceil((nowMs + this.options.operationRetentionMs) / 1000), ':token': token, ':manifested': true,
        ...(before ? { ':prev': before.json, ':prevToken': before.token } : {}),
      },
    });
  }
}
