import { once } from 'node:events';
import { createGzip, gzipSync, type Gzip } from 'node:zlib';
import { podTableJson } from '../shared/compact/pod-table.ts';
import { SnapshotBuilder } from '../shared/compact/snapshot-builder.ts';
import { CURRENT_WIRE_FORMAT, toWire, type WireFormat } from '../shared/compact/wire.ts';
import type { CommandResult, Offering, Snapshot, SnapshotVm } from '../shared/snapshot.ts';
import type { ClusterCache } from './watch/cluster-cache.ts';
import type { InternedShape } from './watch/shape-interner.ts';

// From the cache to the wire, gzip-compressed as it is written. A 170,000-pod snapshot is ~10 MiB of
// JSON in format v2 (31 MiB in v1); building it as one string (plus a Buffer copy, plus a pod object
// each) would cost the forwarder a large part of its memory budget at every reconcile. Instead the
// small parts are built with SnapshotBuilder and the pods are streamed straight from the cache into
// the compressor: in v2 as columns (shared/compact/pod-table.ts, chunks of 16 Ki characters), in v1
// (functions not yet upgraded, shared/compact/wire.ts) one object at a time. Pods already share
// interned shapes, so each distinct shape is keyed once per snapshot, not once per pod.

export interface SnapshotMeta {
  clusterId: string;
  forwarder: Snapshot['forwarder'];
  takenAtMs: number;
  offerings: Offering[];
  vms: SnapshotVm[] | null;
  results: CommandResult[];
  /** Wire format; default v2 (v1 for functions that read only v1: forwarder/snapshot-format.ts). */
  format?: WireFormat;
}

export interface EncodedSnapshot {
  /** gzip bytes, exactly as sent and signed. */
  body: Buffer;
  rawBytes: number;
  synced: boolean;
  pods: number;
  format: WireFormat;
}

const CHUNK_BYTES = 64 * 1024;

export async function encodeSnapshot(cache: ClusterCache, meta: SnapshotMeta): Promise<EncodedSnapshot> {
  // Read once: the flag sent is the flag the freshness below explains (the cache keeps changing).
  const synced = cache.synced;
  const builder = new SnapshotBuilder({ clusterId: meta.clusterId, forwarder: meta.forwarder, takenAtMs: meta.takenAtMs, synced });
  builder.setFreshness(cache.freshness());
  // Unreadable pods travel by name and node so that the planner keeps their nodes (fail closed).
  for (const { nodeUnknown: _any, ...pod } of cache.pods.unreadable.values()) builder.addUnknownPod(pod);
  const indexOf = new Map<InternedShape, number>();
  const shapeIndex = (interned: InternedShape) => {
    let index = indexOf.get(interned);
    if (index === undefined) {
      index = builder.shape(interned.shape);
      indexOf.set(interned, index);
    }
    return index;
  };
  for (const node of cache.nodes.items.values()) builder.addCompactNode(node);
  for (const pdb of cache.pdbs.items.values()) builder.addCompactPdb(pdb);
  for (const group of cache.nodeGroups.items.values()) builder.addNodeGroup({ metadata: { name: group.name, namespace: group.namespace, generation: group.generation }, spec: group.spec });
  for (const offering of meta.offerings) builder.addOffering(offering);
  builder.setVms(meta.vms);
  for (const result of meta.results) builder.addResult(result);
  const daemonSets = [...cache.daemonSets.items.values()].map(({ daemonSet, shape }) => ({ ...daemonSet, shape: shapeIndex(shape) }));
  // A fixed list of the cached pods (references, not copies): the cache keeps changing while the
  // stream awaits the compressor. Shape indexes first: podShapes is written before the pods.
  const pods = [...cache.pods.items.values()];
  const podShapeIndex = pods.map(({ shape }) => shapeIndex(shape));
  const format = meta.format ?? CURRENT_WIRE_FORMAT;
  const { pods: _empty, ...head } = { ...builder.build(), daemonSets, version: format };

  const gzip = createGzip({ level: 6 });
  const chunks: Buffer[] = [];
  gzip.on('data', (chunk: Buffer) => chunks.push(chunk));
  const out = new ChunkWriter(gzip);
  // Everything but the pods, then `"pods":[…]` appended as the object's last key.
  const headJson = JSON.stringify(head);
  if (format === 'v2') {
    await out.text(`${headJson.slice(0, -1)},"pods":`);
    for (const chunk of podTableJson(pods.map((p) => p.pod), podShapeIndex, meta.takenAtMs)) await out.text(chunk);
    await out.text('}');
  } else {
    await out.text(`${headJson.slice(0, -1)},"pods":[`);
    for (let i = 0; i < pods.length; i++) {
      if (i > 0) await out.text(',');
      // {"namespace":…,"phase":"Running"} → {"namespace":…,"phase":"Running","shape":3}
      await out.text(JSON.stringify(pods[i]!.pod), 1);
      await out.text(`,"shape":${podShapeIndex[i]}}`);
    }
    await out.text(']}');
  }
  await out.flush();
  const ended = once(gzip, 'end');
  gzip.end();
  await ended;
  return { body: Buffer.concat(chunks), rawBytes: out.bytes, synced, pods: pods.length, format };
}

/**
 * Copies text into one reused buffer and hands it to the compressor when full. No string is ever
 * concatenated and no per-chunk Buffer is allocated: the only garbage is each pod's short JSON string,
 * which dies young. (Building the chunks as strings cost ~15 MiB of RSS at 30,000 pods, measured.)
 */
class ChunkWriter {
  private buffer = Buffer.allocUnsafe(CHUNK_BYTES);
  private used = 0;
  bytes = 0;

  constructor(private readonly gzip: Gzip) {}

  /** Writes `text` without its last `dropLast` characters (ASCII: the closing brace of an object). */
  async text(text: string, dropLast = 0): Promise<void> {
    const maxBytes = text.length * 3;
    if (this.used + maxBytes > this.buffer.length) await this.flush();
    if (maxBytes > this.buffer.length) {
      const big = Buffer.from(text);
      this.bytes += big.length - dropLast;
      await this.push(big.subarray(0, big.length - dropLast));
      return;
    }
    const written = this.buffer.write(text, this.used, 'utf8');
    this.used += written - dropLast;
    this.bytes += written - dropLast;
  }

  async flush(): Promise<void> {
    if (this.used === 0) return;
    await this.push(this.buffer.subarray(0, this.used));
    this.used = 0;
  }

  private async push(chunk: Buffer): Promise<void> {
    // IMPORTANT: the buffer is reused after 'drain', i.e. once the compressor has consumed it.
    if (!this.gzip.write(chunk)) await once(this.gzip, 'drain');
    if (chunk.buffer === this.buffer.buffer) this.buffer = this.gzip.writableLength > 0 ? Buffer.allocUnsafe(CHUNK_BYTES) : this.buffer;
  }
}

/** A snapshot object encoded as the wire expects (tests, small snapshots). */
export function encodeSnapshotObject(snapshot: Snapshot, format: WireFormat = CURRENT_WIRE_FORMAT): EncodedSnapshot {
  const raw = Buffer.from(JSON.stringify(toWire(snapshot, format)));
  return { body: gzipSync(raw), rawBytes: raw.length, synced: snapshot.synced, pods: snapshot.pods.length, format };
}
