import { once } from 'node:events';
import { createGzip, gzipSync } from 'node:zlib';
import { SnapshotBuilder } from '../shared/compact/snapshot-builder.ts';
import type { CommandResult, Offering, Snapshot, SnapshotVm } from '../shared/snapshot.ts';
import type { ClusterCache } from './watch/cluster-cache.ts';
import type { InternedShape } from './watch/shape-interner.ts';

// From the cache to the wire, gzip-compressed as it is written. A 30,000-pod snapshot is ~4 MiB of
// JSON; building it as one string (plus a Buffer copy, plus 30,000 pod objects) would cost the
// forwarder a quarter of its memory budget at every reconcile. Instead the small parts are built with
// SnapshotBuilder and the pods are streamed straight from the cache into the compressor. Pods already
// share interned shapes, so each distinct shape is keyed once per snapshot, not once per pod.

export interface SnapshotMeta {
  clusterId: string;
  forwarder: Snapshot['forwarder'];
  takenAtMs: number;
  offerings: Offering[];
  vms: SnapshotVm[] | null;
  results: CommandResult[];
}

export interface EncodedSnapshot {
  /** gzip bytes, exactly as sent and signed. */
  body: Buffer;
  rawBytes: number;
  synced: boolean;
  pods: number;
}

const CHUNK_CHARS = 64 * 1024;

export async function encodeSnapshot(cache: ClusterCache, meta: SnapshotMeta): Promise<EncodedSnapshot> {
  const builder = new SnapshotBuilder({ clusterId: meta.clusterId, forwarder: meta.forwarder, takenAtMs: meta.takenAtMs, synced: cache.synced });
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
  const { pods: _empty, ...head } = { ...builder.build(), daemonSets };

  const gzip = createGzip({ level: 6 });
  const chunks: Buffer[] = [];
  gzip.on('data', (chunk: Buffer) => chunks.push(chunk));
  let rawBytes = 0;
  let pending = '';
  const write = async (text: string, flush = false) => {
    pending += text;
    if (pending.length < CHUNK_CHARS && !flush) return;
    const buffer = Buffer.from(pending);
    rawBytes += buffer.length;
    pending = '';
    if (!gzip.write(buffer)) await once(gzip, 'drain');
  };
  // Everything but the pods, then `"pods":[…]` appended as the object's last key.
  const headJson = JSON.stringify(head);
  await write(`${headJson.slice(0, -1)},"pods":[`);
  for (let i = 0; i < pods.length; i++) {
    const json = JSON.stringify(pods[i]!.pod);
    await write(`${i === 0 ? '' : ','}${json.slice(0, -1)},"shape":${podShapeIndex[i]}}`);
  }
  await write(']}', true);
  const ended = once(gzip, 'end');
  gzip.end();
  await ended;
  return { body: Buffer.concat(chunks), rawBytes, synced: cache.synced, pods: pods.length };
}

/** A snapshot object encoded as the wire expects (tests, small snapshots). */
export function encodeSnapshotObject(snapshot: Snapshot): EncodedSnapshot {
  const raw = Buffer.from(JSON.stringify(snapshot));
  return { body: gzipSync(raw), rawBytes: raw.length, synced: snapshot.synced, pods: snapshot.pods.length };
}
