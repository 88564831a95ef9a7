import { zodProblems } from '../config.ts';
import { ValidationError } from '../errors.ts';
import { SNAPSHOT_VERSION, snapshotSchema, type Snapshot } from '../snapshot.ts';
import { decodePodTable, encodePodTable, podTableSchema, type PodTable } from './pod-table.ts';

// The snapshot on the wire, forwarder → functions. Two formats, one meaning (the Snapshot of
// shared/snapshot.ts, what the planner reads):
//
//   v1  the Snapshot as JSON, pods as objects                 ~30 bytes a pod gzipped
//   v2  the same, `pods` as a column table (pod-table.ts)     ~11 bytes a pod gzipped
//
// The forwarder sends v2. The functions read both, so that a rolling upgrade works in the documented
// order (functions first, docs/sizing.md): a forwarder not yet upgraded keeps sending v1. A v2
// snapshot sent to functions that read only v1 is refused with 400 (version: expected "v1"), which
// the forwarder answers by sending v1 until it restarts (forwarder/snapshot-format.ts).

export const WIRE_FORMATS = ['v1', 'v2'] as const;
export type WireFormat = (typeof WIRE_FORMATS)[number];
export const CURRENT_WIRE_FORMAT: WireFormat = 'v2';

export type WireSnapshotV2 = Omit<Snapshot, 'version' | 'pods'> & { version: 'v2'; pods: PodTable };

/** A snapshot as the wire carries it in `format` (tests and small snapshots; the forwarder streams). */
export function toWire(snapshot: Snapshot, format: WireFormat = CURRENT_WIRE_FORMAT): Snapshot | WireSnapshotV2 {
  if (format === 'v1') return snapshot;
  return { ...snapshot, version: 'v2', pods: encodePodTable(snapshot.pods, snapshot.takenAtMs) };
}

/**
 * A received snapshot (parsed JSON, any format) validated and in the one in-memory form. Every
 * problem is a ValidationError (→ 400) naming its path; nothing is half read.
 */
export function parseWireSnapshot(value: unknown): Snapshot {
  const version = typeof value === 'object' && value !== null ? (value as { version?: unknown }).version : undefined;
  if (version !== SNAPSHOT_VERSION && version !== 'v2') {
    throw new ValidationError('snapshot', [{ path: 'version', message: `unknown snapshot format ${JSON.stringify(version) ?? 'undefined'}: this service reads ${WIRE_FORMATS.join(' and ')}` }]);
  }
  let candidate = value;
  if (version === 'v2') {
    const table = podTableSchema.safeParse((value as { pods?: unknown }).pods);
    if (!table.success) throw new ValidationError('snapshot', zodProblems(table.error, (path) => ['pods', ...path].map(String).join('.')), { cause: table.error });
    candidate = { ...(value as object), version: SNAPSHOT_VERSION, pods: decodePodTable(table.data) };
  }
  const result = snapshotSchema.safeParse(candidate);
  if (!result.success) throw new ValidationError('snapshot', zodProblems(result.error), { cause: result.error });
  return result.data;
}
