import { gunzipSync } from 'node:zlib';
import type { GroupState, NodeTimers, Operation, PlanningState } from '../planning/types.ts';
import { CONTACT_SK, GROUP_PREFIX, LAST_PLAN_SK, LEASE_SK, NODE_PREFIX, OPERATION_PREFIX, STATE_REST_SK } from './keys.ts';
import { toLeaseRecord, type LeaseRecord } from './lease.ts';
import { committedVersion, decodeManifest, MANIFESTED, PREV_DATA, PREV_DATA_GZ, type CommitManifest } from './commit-manifest.ts';
import { decodeContact, decodeLastPlan, decodeTrigger, type ContactRecord, type LastPlanRecord, type TriggerRecord } from './cluster-records.ts';
import { TRIGGER_SK } from './trigger.ts';
import type { AttributeValue, Item } from './table-adapter.ts';

// A cluster's items as loaded → its PlanningState, and the baseline a commit compares against
// (planning-state-store.ts writes only what changed, expecting these versions). Which version of an
// item counts is the manifest's to say (commit-manifest.ts).

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
export interface Version { json: string; token: number; dirty: boolean }

export interface Baseline {
  groups: Map<string, Version & { version: number }>;
  nodes: Map<string, string>;
  operations: Map<string, Version>;
  rest?: Version;
  /** Operation items no committed plan stands on (left by failed commits): archived by the next commit. */
  strayOperations: string[];
  /** A manifest was found (else the table predates manifests and every item counted as it was). */
  manifest?: CommitManifest;
}

/** The state the items of one cluster partition stand for. */
export function decodeClusterItems(clusterId: string, items: Item[]): LoadedClusterState {
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
