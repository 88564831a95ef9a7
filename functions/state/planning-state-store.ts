import { gunzipSync, gzipSync } from 'node:zlib';
import type { GroupState, NodeTimers, Operation, PlanningState } from '../planning/types.ts';
import type { Clock } from '../clock.ts';
import {
  clusterPk, CONTACT_SK, GROUP_PREFIX, groupSk, LAST_PLAN_SK, LEASE_SK, NODE_PREFIX, nodeSk,
  OPERATION_PREFIX, operationSk, STATE_REST_SK, type ItemKey,
} from './keys.ts';
import { toLeaseRecord, type Lease, type LeaseRecord, type LeaseRules } from './lease.ts';
import {
  decodeContact, decodeLastPlan, decodeTrigger, encodeLastPlan,
  type ContactRecord, type LastPlanRecord, type TriggerRecord,
} from './cluster-records.ts';
import { TRIGGER_SK } from './trigger.ts';
import { forEachLimit } from './for-each-limit.ts';
import type { AttributeValue, Item, TableAdapter } from './table-adapter.ts';

// Loads a cluster's PlanningState from its items and persists the state plan() returned.
//
// Items: group state `ng#<ns/name>` (optimistic `version`), node timers `node#<name>`, operations
// `op#<id>` (the ledger; an operation that leaves the state is archived with a TTL, not deleted),
// and `state` for every other field of PlanningState (seenResults, sentCommands, and whatever the
// planning core adds later, gzipped JSON), plus the records in cluster-records.ts. Each item keeps its
// value as JSON in `data` and the fencing token of the lease that last wrote it in `fencingToken`.

export interface LoadedClusterState {
  clusterId: string;
  planning: PlanningState;
  lease?: LeaseRecord;
  contact?: ContactRecord;
  trigger?: TriggerRecord;
  lastPlan?: LastPlanRecord;
  /** The items as loaded: commit() writes only what changed and expects these versions. */
  baseline: Baseline;
}

interface Baseline {
  groups: Map<string, { json: string; version: number }>;
  nodes: Map<string, string>;
  operations: Map<string, string>;
  restJson?: string;
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
    const baseline: Baseline = { groups: new Map(), nodes: new Map(), operations: new Map() };
    const loaded: LoadedClusterState = { clusterId, planning, baseline };
    let rest: Record<string, unknown> = {};
    for (const item of items) {
      const sk = item.sk;
      const data = typeof item.data === 'string' ? item.data : undefined;
      if (sk === LEASE_SK) loaded.lease = toLeaseRecord(item);
      else if (sk === CONTACT_SK) loaded.contact = decodeContact(item);
      else if (sk === TRIGGER_SK) loaded.trigger = decodeTrigger(item);
      else if (sk === LAST_PLAN_SK) loaded.lastPlan = decodeLastPlan(item);
      else if (sk === STATE_REST_SK && item.dataGz instanceof Uint8Array) {
        baseline.restJson = gunzipSync(item.dataGz).toString('utf8');
        rest = JSON.parse(baseline.restJson) as Record<string, unknown>;
      } else if (sk.startsWith(GROUP_PREFIX) && data !== undefined) {
        const key = sk.slice(GROUP_PREFIX.length);
        planning.groups[key] = JSON.parse(data) as GroupState;
        baseline.groups.set(key, { json: data, version: Number(item.version ?? 0) });
      } else if (sk.startsWith(NODE_PREFIX) && data !== undefined) {
        const name = sk.slice(NODE_PREFIX.length);
        planning.nodes[name] = JSON.parse(data) as NodeTimers;
        baseline.nodes.set(name, data);
      } else if (sk.startsWith(OPERATION_PREFIX) && data !== undefined && item.archivedAtMs === undefined) {
        const operation = JSON.parse(data) as Operation;
        planning.operations.push(operation);
        baseline.operations.set(operation.id, data);
      }
    }
    planning.operations.sort((a, b) => a.createdAtMs - b.createdAtMs || a.id.localeCompare(b.id));
    loaded.planning = { ...rest, ...planning };
    return loaded;
  }

  /**
   * Persists `next` under the lease. Throws LeaseLostError (nothing written) when the lease was taken
   * over, ConditionFailedError when a newer lease holder wrote an item first. Either way the caller
   * must not send the plan.
   *
   * IMPORTANT: the write order is an invariant. Operations go first — an in-flight launch recorded
   * before anything else is what stops the next plan from launching again; the last-plan record goes
   * last, so a retried request is only answered from a plan whose state was fully written.
   */
  async commit(input: CommitInput): Promise<{ itemsWritten: number }> {
    const lease = await this.leases.confirm(input.lease);
    const token = lease.fencingToken;
    const pk = clusterPk(lease.clusterId);
    const nowMs = this.clock();
    const stamp = { fencingToken: token, updatedAtMs: nowMs };
    const fenced = { condition: FENCED, values: { ':token': token } };
    const { baseline } = input.loaded;
    const next = input.next;

    const operationWrites: Write[] = [];
    const nextOperationIds = new Set<string>();
    for (const operation of next.operations) {
      nextOperationIds.add(operation.id);
      const json = JSON.stringify(operation);
      if (baseline.operations.get(operation.id) === json) continue;
      const item: Item = { pk, sk: operationSk(operation.id), data: json, kind: operation.kind, status: operation.status, nodeGroup: operation.nodeGroup, ...stamp };
      operationWrites.push(() => this.table.put(item, fenced));
    }
    for (const id of baseline.operations.keys()) {
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
      if (before?.json === json) continue;
      const item: Item = { pk, sk: groupSk(key), data: json, version: (before?.version ?? 0) + 1, ...stamp };
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
    if (restJson !== (baseline.restJson ?? '{}')) {
      groupWrites.push(() => this.table.put({ pk, sk: STATE_REST_SK, dataGz: gzipSync(restJson), ...stamp }, fenced));
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
    // IMPORTANT: confirm again after the writes. Fenced writes stop a stale writer from overwriting a
    // newer holder's items, but not from adding items that holder has not read. Leases never come
    // back with the same token, so "still ours now" proves nobody acquired (and loaded) in between —
    // otherwise this throws LeaseLostError and the plan is not sent.
    try {
      await this.leases.confirm(lease);
    } catch (error) {
      // The plan will not be sent: it must not be replayed to a retried request either.
      await this.table.delete({ pk, sk: LAST_PLAN_SK }, { condition: '#fencingToken = :token', values: { ':token': token } }).catch(() => undefined);
      throw error;
    }
    return { itemsWritten: itemsWritten + 1 };
  }

  /** Only the contact record (cheaper than load() for a cluster with many nodes). */
  async readContact(clusterId: string): Promise<ContactRecord | undefined> {
    return decodeContact(await this.table.get({ pk: clusterPk(clusterId), sk: CONTACT_SK }));
  }

  /** Archived operations leave the state but stay in the ledger until their TTL. */
  async archiveOperation(key: ItemKey, token: number, nowMs: number): Promise<void> {
    await this.table.update(key, {
      update: 'SET #archivedAtMs = :now, #ttl = :ttl, #fencingToken = :token',
      condition: 'attribute_exists(#pk) AND #fencingToken <= :token',
      values: { ':now': nowMs, ':ttl': Math.ceil((nowMs + this.options.operationRetentionMs) / 1000), ':token': token },
    });
  }
}
