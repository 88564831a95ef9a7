import { gunzipSync, gzipSync } from 'node:zlib';
import type { GroupState, NodeTimers, Operation, PlanningState } from '../planning/types.ts';
import type { Clock } from '../clock.ts';
import {
  clusterPk, CONTACT_SK, GROUP_PREFIX, groupSk, LAST_PLAN_SK, LEASE_SK, NODE_PREFIX, nodeSk,
  OPERATION_PREFIX, operationSk, STATE_REST_SK, type ItemKey,
} from './keys.ts';
import { leaseKey, LeaseLostError, toLeaseRecord, type Lease, type LeaseRecord, type LeaseRules } from './lease.ts';
import {
  committedVersion, decodeManifest, encodeManifest, MANIFEST_ATTRIBUTE, MANIFESTED, PREV_DATA, PREV_DATA_GZ, PREV_TOKEN, type CommitManifest,
} from './commit-manifest.ts';
import {
  decodeContact, decodeLastPlan, decodeTrigger, encodeLastPlan,
  type ContactRecord, type LastPlanRecord, type TriggerRecord,
} from './cluster-records.ts';
import { TRIGGER_SK } from './trigger.ts';
import { forEachLimit } from './for-each-limit.ts';
import { ConditionFailedError, type AttributeValue, type Item, type TableAdapter } from './table-adapter.ts';

// Loads a cluster's PlanningState from its items and persists the state plan() returned.
//
// Items: group state `ng#<ns/name>` (optimistic `version`), node timers `node#<name>`, operations
// `op#<id>` (the ledger; an operation that leaves the state is archived with a TTL, not deleted),
// and `state` for every other field of PlanningState (seenResults, sentCommands, and whatever the
// planning core adds later, gzipped JSON), plus the records in cluster-records.ts. Each item keeps its
// value as JSON in `data` and the fencing token of the lease that last wrote it in `fencingToken`.
// Operations, group state and `state` count only in the version the last committed plan stands on
// (commit-manifest.ts): a commit that fails half-way leaves nothing that counts.

export interface LoadedClusterState {
  clusterId: string;
  planning: PlanningState;
  lease?: LeaseRecord;
  contact?: ContactRecord;
  trigger?: TriggerRecord;
  /** The last plan, only when it is the committed one (a plan whose commit failed is never replayed). */
  lastPlan?: LastPlanRecord;
  /** The items as loaded: commit() writes only what changed and expects these versions. */
  baseline: Baseline;
}

/** A committed version as loaded: its JSON, the token it was written with, and whether the item shows another one. */
interface Version { json: string; token: number; dirty: boolean }

interface Baseline {
  groups: Map<string, Version & { version: number }>;
  nodes: Map<string, string>;
  operations: Map<string, Version>;
  rest?: Version;
  /** Operation items no committed plan stands on (left by failed commits): archived by the next commit. */
  strayOperations: string[];
  /** A manifest was found (else the table predates manifests and every item counted as it was). */
  manifest?: CommitManifest;
}

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
    const items = await this.table.queryPartition(clusterPk(clusterId));
    const planning: PlanningState = { groups: {}, nodes: {}, operations: [] };
    const manifest = decodeManifest(items.find((item) => item.sk === LEASE_SK));
    const baseline: Baseline = { groups: new Map(), nodes: new Map(), operations: new Map(), strayOperations: [], ...(manifest ? { manifest } : {}) };
    const loaded: LoadedClusterState = { clusterId, planning, baseline };
    // Without a manifest (a new table, or one from before them) an item counts as it is unless a
    // manifest-aware commit wrote it: that commit's manifest never landed.
    const legacy = (item: Item, value: string | undefined): { value: string; token: number; dirty: boolean } | undefined =>
      value === undefined || item[MANIFESTED] === true ? undefined : { value, token: Number(item.fencingToken ?? 0), dirty: false };
    let rest: Record<string, unknown> = {};
    for (const item of items) {
      const sk = item.sk;
      const data = typeof item.data === 'string' ? item.data : undefined;
      const prev = typeof item[PREV_DATA] === 'string' ? item[PREV_DATA] : undefined;
      if (sk === LEASE_SK) loaded.lease = toLeaseRecord(item);
      else if (sk === CONTACT_SK) loaded.contact = decodeContact(item);
      else if (sk === TRIGGER_SK) loaded.trigger = decodeTrigger(item);
      else if (sk === LAST_PLAN_SK) {
        const lastPlan = decodeLastPlan(item);
        if (lastPlan && (manifest ? lastPlan.fencingToken === manifest.token : item[MANIFESTED] !== true)) loaded.lastPlan = lastPlan;
      } else if (sk === STATE_REST_SK) {
        const gz = (value: AttributeValue | undefined) => (value instanceof Uint8Array ? gunzipSync(value).toString('utf8') : undefined);
        const version = manifest
          ? committedVersion(item, manifest.rest, gz(item.dataGz), gz(item[PREV_DATA_GZ]))
          : legacy(item, gz(item.dataGz));
        if (version) {
          baseline.rest = { json: version.value, token: version.token, dirty: version.dirty };
          rest = JSON.parse(version.value) as Record<string, unknown>;
        }
      } else if (sk.startsWith(GROUP_PREFIX)) {
        const key = sk.slice(GROUP_PREFIX.length);
        const version = manifest ? committedVersion(item, manifest.groups[key], data, prev) : legacy(item, data);
        // The optimistic version is the item's own, whichever data counts: the next write must expect it.
        if (version) {
          planning.groups[key] = JSON.parse(version.value) as GroupState;
          baseline.groups.set(key, { json: version.value, token: version.token, dirty: version.dirty, version: Number(item.version ?? 0) });
        } else if (item.version !== undefined) {
          baseline.groups.set(key, { json: '', token: 0, dirty: true, version: Number(item.version) });
        }
      } else if (sk.startsWith(NODE_PREFIX) && data !== undefined) {
        const name = sk.slice(NODE_PREFIX.length);
        planning.nodes[name] = JSON.parse(data) as NodeTimers;
        baseline.nodes.set(name, data);
      } else if (sk.startsWith(OPERATION_PREFIX)) {
        const id = sk.slice(OPERATION_PREFIX.length);
        const version = manifest
          ? committedVersion(item, manifest.ops[id], data, prev)
          : item.archivedAtMs === undefined ? legacy(item, data) : undefined;
        if (version) {
          planning.operations.push(JSON.parse(version.value) as Operation);
          baseline.operations.set(id, { json: version.value, token: version.token, dirty: version.dirty });
        } else if (item.archivedAtMs === undefined) {
          baseline.strayOperations.push(id);
        }
      }
    }
    planning.operations.sort((a, b) => a.createdAtMs - b.createdAtMs || a.id.localeCompare(b.id));
    loaded.planning = { ...rest, ...planning };
    return loaded;
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
