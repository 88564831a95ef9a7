import { z } from 'zod';
import type { SnapshotPod } from '../snapshot.ts';

// The pods of a snapshot as columns (wire format v2, shared/compact/wire.ts). At 170,000 pods the
// pods are nine tenths of a snapshot, and as objects (v1) they gzip to ~30 bytes each: every pod
// repeats its namespace, its ReplicaSet's name, its node's name and a 13-digit time, and the keys
// between them keep gzip from finding the repeats. As columns each repeated string is sent once
// (namespaces, name prefixes, node names: tables; pods: small indexes), times are seconds before the
// snapshot, and like values sit side by side: ~11 bytes a pod gzipped (docs/sizing.md).
//
//   name "checkout-7d9f8b6c5d-x2k4j" = prefixes[prefix[i]] "checkout-7d9f8b6c5d-" + suffix[i] "x2k4j"
//   createdAtMs = timeBaseMs − createdAgo[i] × timeUnitMs   (unit 1000 when every time is whole seconds)
//   optional facts are sparse: unschedulable = [pod, ago, pod, ago, …], terminating = [pod, …],
//   nominated = [pod, nodeNames index, …], pod indexes increasing.
//
// IMPORTANT: lossless for every SnapshotPod. A field added to SnapshotPod fails to type-check in
// POD_FIELDS below until it is carried here (and in the round-trip test).

export const POD_PHASES = ['Pending', 'Running', 'Succeeded', 'Failed', 'Unknown'] as const satisfies readonly SnapshotPod['phase'][];

/** Where each SnapshotPod field travels (a compile-time check that none is forgotten). */
const POD_FIELDS: Record<keyof SnapshotPod, string> = {
  namespace: 'namespace', name: 'prefix + suffix', shape: 'shape', nodeName: 'node', phase: 'phase', createdAtMs: 'createdAgo',
  unschedulableSinceMs: 'unschedulable', terminating: 'terminating', nominatedNodeName: 'nominated',
};
void POD_FIELDS;

// Columns are checked by hand, not element by element through zod: 170,000 pods × 10 columns cost
// zod ~200 ms, these loops a few.
const column = <T>(check: (v: unknown) => boolean, what: string) => z.custom<T[]>((v) => Array.isArray(v), `must be an array of ${what}`).superRefine((values, ctx) => {
  const at = (values as unknown[]).findIndex((v) => !check(v));
  if (at >= 0) ctx.addIssue({ code: 'custom', path: [at], message: `must be ${what}, not ${JSON.stringify(values[at])}` });
});
const isInt = (v: unknown): v is number => Number.isSafeInteger(v);
const ints = (min = -Number.MAX_SAFE_INTEGER, max = Number.MAX_SAFE_INTEGER) => column<number>((v) => isInt(v) && v >= min && v <= max, min === 0 ? 'indexes (integers ≥ 0)' : 'integers');
const strings = (minLength: number) => column<string>((v) => typeof v === 'string' && v.length >= minLength, minLength > 0 ? 'non-empty strings' : 'strings');

export const podTableSchema = z.strictObject({
  count: z.number().int().min(0),
  timeBaseMs: z.number().int().min(0),
  timeUnitMs: z.union([z.literal(1), z.literal(1000)]),
  namespaces: strings(1),
  prefixes: strings(0),
  nodeNames: strings(1),
  namespace: ints(0),
  prefix: ints(0),
  suffix: strings(0),
  shape: ints(0),
  /** Index into nodeNames; −1 = not bound to a node. */
  node: ints(-1),
  phase: column<number>((v) => isInt(v) && v >= 0 && v < POD_PHASES.length, `phase indexes (0-${POD_PHASES.length - 1}: ${POD_PHASES.join(', ')})`),
  createdAgo: ints(),
  unschedulable: ints(),
  terminating: ints(0),
  nominated: ints(0),
}).superRefine((t, ctx) => {
  const columns = ['namespace', 'prefix', 'suffix', 'shape', 'node', 'phase', 'createdAgo'] as const;
  for (const name of columns) {
    if (t[name].length !== t.count) ctx.addIssue({ code: 'custom', path: [name], message: `has ${t[name].length} values for ${t.count} pods` });
  }
  const within = (name: 'namespace' | 'prefix' | 'node', size: number) => {
    const at = t[name].findIndex((v) => v >= size);
    if (at >= 0) ctx.addIssue({ code: 'custom', path: [name, at], message: `index ${t[name][at]} is outside the table of ${size}` });
  };
  within('namespace', t.namespaces.length);
  within('prefix', t.prefixes.length);
  within('node', t.nodeNames.length);
  sparse(ctx, 'unschedulable', t.unschedulable, 2, t.count);
  sparse(ctx, 'terminating', t.terminating, 1, t.count);
  sparse(ctx, 'nominated', t.nominated, 2, t.count);
  for (let i = 1; i < t.nominated.length; i += 2) {
    if (t.nominated[i]! >= t.nodeNames.length) ctx.addIssue({ code: 'custom', path: ['nominated', i], message: `node index ${t.nominated[i]} is outside the table of ${t.nodeNames.length}` });
  }
});
export type PodTable = z.infer<typeof podTableSchema>;

/** A sparse column: groups of `width` values, the first a pod index, increasing, below `count`. */
function sparse(ctx: z.RefinementCtx, column: string, values: number[], width: number, count: number): void {
  if (values.length % width !== 0) return ctx.addIssue({ code: 'custom', path: [column], message: `holds ${values.length} values, not groups of ${width}` });
  for (let i = 0, last = -1; i < values.length; i += width) {
    const pod = values[i]!;
    if (pod <= last || pod >= count) return ctx.addIssue({ code: 'custom', path: [column, i], message: `pod index ${pod} is not increasing or not below ${count}` });
    last = pod;
  }
}

/** A pod as the encoder reads it (the forwarder's cache holds the shape apart). */
export type PodFacts = Omit<SnapshotPod, 'shape'>;

class Interner {
  readonly list: string[] = [];
  private readonly indexes = new Map<string, number>();
  of(value: string): number {
    let i = this.indexes.get(value);
    if (i === undefined) {
      i = this.list.length;
      this.list.push(value);
      this.indexes.set(value, i);
    }
    return i;
  }
}

/** Below the forwarder's 64 KiB write buffer at 3 bytes a character (forwarder/snapshot.ts). */
const CHUNK_CHARS = 16 * 1024;

/**
 * The table as JSON text, in chunks of ~16 Ki characters (the forwarder streams them into gzip: never the
 * whole text at once). `shapes[i]` is the podShapes index of `pods[i]`. Two passes over the pods:
 * tables and time unit first, then one column at a time; the extra memory is three Int32Arrays.
 */
export function* podTableJson(pods: readonly PodFacts[], shapes: ArrayLike<number>, takenAtMs: number): Generator<string> {
  const count = pods.length;
  const namespaces = new Interner();
  const prefixes = new Interner();
  const nodeNames = new Interner();
  const ns = new Int32Array(count);
  const prefix = new Int32Array(count);
  const node = new Int32Array(count);
  let wholeSeconds = true;
  for (let i = 0; i < count; i++) {
    const pod = pods[i]!;
    ns[i] = namespaces.of(pod.namespace);
    prefix[i] = prefixes.of(pod.name.slice(0, pod.name.lastIndexOf('-') + 1));
    node[i] = pod.nodeName === undefined ? -1 : nodeNames.of(pod.nodeName);
    if (pod.nominatedNodeName !== undefined) nodeNames.of(pod.nominatedNodeName);
    if (pod.createdAtMs % 1000 !== 0 || (pod.unschedulableSinceMs !== undefined && pod.unschedulableSinceMs % 1000 !== 0)) wholeSeconds = false;
  }
  const unit = wholeSeconds ? 1000 : 1;
  const base = Math.floor(takenAtMs / unit) * unit;
  const ago = (ms: number) => (base - ms) / unit;

  let text = `{"count":${count},"timeBaseMs":${base},"timeUnitMs":${unit},"namespaces":${JSON.stringify(namespaces.list)},"prefixes":${JSON.stringify(prefixes.list)},"nodeNames":${JSON.stringify(nodeNames.list)}`;
  const column = function* (name: string, value: (i: number) => string | undefined): Generator<string> {
    text += `,"${name}":[`;
    let first = true;
    for (let i = 0; i < count; i++) {
      const v = value(i);
      if (v === undefined) continue;
      text += first ? v : `,${v}`;
      first = false;
      if (text.length >= CHUNK_CHARS) {
        yield text;
        text = '';
      }
    }
    text += ']';
  };
  yield* column('namespace', (i) => String(ns[i]));
  yield* column('prefix', (i) => String(prefix[i]));
  yield* column('suffix', (i) => { const name = pods[i]!.name; return JSON.stringify(name.slice(name.lastIndexOf('-') + 1)); });
  yield* column('shape', (i) => String(shapes[i]));
  yield* column('node', (i) => String(node[i]));
  yield* column('phase', (i) => String(POD_PHASES.indexOf(pods[i]!.phase)));
  yield* column('createdAgo', (i) => String(ago(pods[i]!.createdAtMs)));
  yield* column('unschedulable', (i) => { const since = pods[i]!.unschedulableSinceMs; return since === undefined ? undefined : `${i},${ago(since)}`; });
  yield* column('terminating', (i) => (pods[i]!.terminating ? String(i) : undefined));
  yield* column('nominated', (i) => { const nominated = pods[i]!.nominatedNodeName; return nominated === undefined ? undefined : `${i},${nodeNames.of(nominated)}`; });
  yield `${text}}`;
}

/** The table as an object (tests, small snapshots): the same encoder, parsed back. */
export function encodePodTable(pods: readonly SnapshotPod[], takenAtMs: number): PodTable {
  return JSON.parse([...podTableJson(pods, pods.map((p) => p.shape), takenAtMs)].join('')) as PodTable;
}

/** A validated table (podTableSchema) back to pods; the pods are validated by snapshotSchema after. */
export function decodePodTable(t: PodTable): SnapshotPod[] {
  const pods: SnapshotPod[] = new Array(t.count);
  const at = (ago: number) => t.timeBaseMs - ago * t.timeUnitMs;
  for (let i = 0; i < t.count; i++) {
    const node = t.node[i]!;
    const pod: SnapshotPod = {
      namespace: t.namespaces[t.namespace[i]!]!,
      name: t.prefixes[t.prefix[i]!]! + t.suffix[i]!,
      shape: t.shape[i]!,
      phase: POD_PHASES[t.phase[i]!]!,
      createdAtMs: at(t.createdAgo[i]!),
    };
    if (node >= 0) pod.nodeName = t.nodeNames[node]!;
    pods[i] = pod;
  }
  for (let i = 0; i < t.unschedulable.length; i += 2) pods[t.unschedulable[i]!]!.unschedulableSinceMs = at(t.unschedulable[i + 1]!);
  for (const i of t.terminating) pods[i]!.terminating = true;
  for (let i = 0; i < t.nominated.length; i += 2) pods[t.nominated[i]!]!.nominatedNodeName = t.nodeNames[t.nominated[i + 1]!]!;
  return pods;
}
