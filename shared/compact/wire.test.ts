import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { ValidationError } from '../errors.ts';
import { snapshotSchema, type Snapshot, type SnapshotPod } from '../snapshot.ts';
import { nodeGroup, snapNode, snapPod, snapshot } from '../../test/fixtures/snapshot-builders.ts';
import { largeCluster } from '../../test/fixtures/large-cluster.ts';
import { decodePodTable, POD_PHASES, podTableSchema, type PodTable } from './pod-table.ts';
import { parseWireSnapshot, toWire, type WireSnapshotV2 } from './wire.ts';

// The two wire formats carry the same snapshot: v2 (pods as columns) decodes to exactly what was
// encoded, v1 (an older forwarder) is still read, and a bad table is a ValidationError naming the
// column and the pod, never a half-read snapshot.

const NOW_MS = Date.UTC(2026, 11, 1, 7, 30, 15, 123);

/** Every SnapshotPod field, optional ones included; times with milliseconds. */
function everyField(): Snapshot {
  const pods = [
    snapPod({ name: 'web-7d9f8b6c5d-x2k4j', namespace: 'shop', node: 'n1', createdAtMs: NOW_MS - 3_600_000 }),
    snapPod({ name: 'pending', namespace: 'jobs', unschedulableSinceMs: NOW_MS - 60_001, createdAtMs: NOW_MS - 61_999 }),
    snapPod({ name: 'leaving-', namespace: 'shop', node: 'n2', terminating: true, phase: 'Failed', createdAtMs: 1 }),
    snapPod({ name: 'preempting-abc', namespace: 'shop', phase: 'Pending', unschedulableSinceMs: NOW_MS, createdAtMs: NOW_MS + 5 }),
    snapPod({ name: 'ünïcode-"quoted"', namespace: 'kube-system', node: 'n1', phase: 'Unknown', createdAtMs: 0 }),
  ];
  const s = snapshot({ takenAtMs: NOW_MS, nodes: [snapNode({ name: 'n1' }), snapNode({ name: 'n2' })], pods, nodeGroups: [nodeGroup({ name: 'workers' })] });
  s.pods[3]!.nominatedNodeName = 'n2';
  s.pods[0]!.nominatedNodeName = 'elsewhere';
  return snapshotSchema.parse(s);
}

const viaWire = (s: Snapshot, format: 'v1' | 'v2' = 'v2') => parseWireSnapshot(JSON.parse(JSON.stringify(toWire(s, format))));
const v2Table = (s: Snapshot) => (toWire(s, 'v2') as WireSnapshotV2).pods;

function refusal(s: Snapshot, change: (table: PodTable) => void): ValidationError {
  const wire = JSON.parse(JSON.stringify(toWire(s, 'v2'))) as WireSnapshotV2;
  change(wire.pods);
  try {
    parseWireSnapshot(wire);
  } catch (error) {
    if (error instanceof ValidationError) return error;
    throw error;
  }
  throw new Error('the table was accepted');
}

describe('wire format v2', () => {
  it('decodes to the snapshot encoded, every pod field included', () => {
    const s = everyField();
    expect(viaWire(s)).toEqual(s);
    // Milliseconds in a time: the unit falls back to 1 ms, nothing rounded.
    expect(v2Table(s).timeUnitMs).toBe(1);
  });

  it('sends whole-second times (as Kubernetes gives them) in seconds, still exactly', () => {
    const s = snapshot({ takenAtMs: NOW_MS, pods: [snapPod({ name: 'a-1', node: 'n1', createdAtMs: Date.UTC(2026, 0, 1) }), snapPod({ name: 'b-2', unschedulableSinceMs: Date.UTC(2026, 11, 1, 7, 29), createdAtMs: Date.UTC(2026, 11, 1, 7, 28) })] });
    const table = v2Table(s);
    expect(table.timeUnitMs).toBe(1000);
    expect(table.createdAgo[0]).toBe((Date.UTC(2026, 11, 1, 7, 30, 15) - Date.UTC(2026, 0, 1)) / 1000);
    expect(viaWire(s)).toEqual(s);
  });

  it('sends each namespace, name prefix and node name once', () => {
    const s = largeCluster({ nodes: 20, podsPerNode: 10, pending: 30 });
    const table = v2Table(s);
    expect(table.count).toBe(s.pods.length);
    expect(table.namespaces).toEqual([...new Set(s.pods.map((p) => p.namespace))]);
    expect(new Set(table.nodeNames)).toEqual(new Set(s.nodes.map((n) => n.name)));
    expect(table.prefixes.length).toBeLessThan(s.pods.length / 2);
    expect(viaWire(s)).toEqual(snapshotSchema.parse(s));
  });

  it('round-trips any pods (property)', () => {
    const name = fc.stringMatching(/^[a-z0-9][a-z0-9.-]{0,20}$/);
    const ms = fc.integer({ min: 0, max: 2 ** 42 });
    const pod = fc.record({
      namespace: name, name, shape: fc.constant(0), phase: fc.constantFrom(...POD_PHASES), createdAtMs: fc.oneof(ms, ms.map((t) => t - (t % 1000))),
      nodeName: fc.option(name, { nil: undefined }), unschedulableSinceMs: fc.option(ms, { nil: undefined }), terminating: fc.option(fc.constant(true), { nil: undefined }),
      nominatedNodeName: fc.option(name, { nil: undefined }),
    }, { requiredKeys: ['namespace', 'name', 'shape', 'phase', 'createdAtMs'] });
    fc.assert(fc.property(fc.array(pod, { maxLength: 30 }), ms, (pods, takenAtMs) => {
      const clean = pods.map((p) => Object.fromEntries(Object.entries(p).filter(([, v]) => v !== undefined)) as SnapshotPod);
      const s = snapshotSchema.parse({ ...snapshot({ takenAtMs, pods: [snapPod({ name: 'shape-source' })] }), pods: clean });
      expect(viaWire(s)).toEqual(s);
    }), { numRuns: 200 });
  });

  it('sends the pods of a realistic cluster in less than half the gzip bytes of v1', () => {
    // 1000 nodes: their names no longer fit gzip's 32 KiB window, as in the clusters of issue 16 (at
    // 200 nodes v1 gzips twice as well per pod, and the ratio is only 2).
    const s = largeCluster({ nodes: 1000, podsPerNode: 30, pending: 1000 });
    const gzipBytes = (value: unknown) => gzipSync(JSON.stringify(value)).length;
    expect(gzipBytes(v2Table(s))).toBeLessThan(gzipBytes(s.pods) / 2);
  });
});

describe('reading the wire', () => {
  it('reads v1 as before (a forwarder not yet upgraded)', () => {
    const s = everyField();
    expect(viaWire(s, 'v1')).toEqual(s);
  });

  it('refuses an unknown format, naming the ones it reads', () => {
    const error = (() => { try { parseWireSnapshot({ ...everyField(), version: 'v3' }); } catch (e) { return e as ValidationError; } })();
    expect(error).toBeInstanceOf(ValidationError);
    expect(error!.problems).toEqual([{ path: 'version', message: expect.stringContaining('reads v1 and v2') }]);
  });

  it('refuses a bad table with the column and the pod named', () => {
    const s = everyField();
    // Three node names: n1, n2 and the nominated 'elsewhere'.
    expect(refusal(s, (t) => { t.node[1] = 9; }).problems).toContainEqual({ path: 'pods.node.1', message: 'index 9 is outside the table of 3' });
    expect(refusal(s, (t) => { t.suffix.pop(); }).problems).toContainEqual({ path: 'pods.suffix', message: 'has 4 values for 5 pods' });
    expect(refusal(s, (t) => { t.phase[2] = 5; }).problems[0]!.path).toBe('pods.phase.2');
    expect(refusal(s, (t) => { t.shape[0] = -1; }).problems[0]!.path).toBe('pods.shape.0');
    expect(refusal(s, (t) => { t.terminating = [2, 2]; }).problems[0]!.path).toBe('pods.terminating.1');
    expect(refusal(s, (t) => { t.unschedulable = [1]; }).problems[0]!.path).toBe('pods.unschedulable');
    expect(refusal(s, (t) => { t.nominated = [3, 99]; }).problems[0]!.path).toBe('pods.nominated.1');
    expect(refusal(s, (t) => { (t as unknown as Record<string, unknown>).extra = 1; }).problems[0]).toEqual({ path: 'pods.extra', message: 'unknown field' });
  });

  it('validates the decoded pods as v1 does (a shape that does not exist, a negative time)', () => {
    const s = everyField();
    expect(refusal(s, (t) => { t.shape[4] = 99; }).problems).toContainEqual({ path: 'pods.4.shape', message: 'shape 99 does not exist' });
    expect(refusal(s, (t) => { t.createdAgo[0] = t.timeBaseMs + 1; }).problems[0]!.path).toBe('pods.0.createdAtMs');
  });
});

describe('docs/wire-contracts.md', () => {
  it('shows the v2 columns of its example snapshot exactly as they are sent', () => {
    const doc = readFileSync(join(import.meta.dirname, '../../docs/wire-contracts.md'), 'utf8');
    const example = JSON.parse(/```json\n([\s\S]*?)```/.exec(doc)![1]!) as Snapshot;
    const columns = JSON.parse(`{${/```\n("pods": \{[\s\S]*?)```/.exec(doc)![1]!}}`) as { pods: PodTable };
    expect(columns.pods).toEqual(v2Table(snapshotSchema.parse(example)));
    expect(decodePodTable(podTableSchema.parse(columns.pods))).toEqual(example.pods);
  });
});
