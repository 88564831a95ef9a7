import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { SnapshotBuilder, snapshotToObjects } from './compact/index.ts';
import { planMessageSchema } from './plan-message.ts';
import { snapshotSchema } from './snapshot.ts';

// docs/wire-contracts.md shows one snapshot and one plan; they must stay valid as the schemas change.
const doc = readFileSync(join(dirname(fileURLToPath(import.meta.url)), '..', 'docs', 'wire-contracts.md'), 'utf8');
const examples = [...doc.matchAll(/```json\n([\s\S]*?)```/g)].map((m) => JSON.parse(m[1]!) as unknown);

describe('docs/wire-contracts.md', () => {
  it('has a snapshot example and a plan example', () => {
    expect(examples).toHaveLength(2);
  });

  it('the snapshot example is valid', () => {
    const result = snapshotSchema.safeParse(examples[0]);
    expect(result.error?.issues ?? []).toEqual([]);
  });

  it('the snapshot example is what the compaction makes of the same objects', () => {
    const snapshot = snapshotSchema.parse(examples[0]);
    const objects = snapshotToObjects(snapshot);
    const builder = new SnapshotBuilder({ clusterId: snapshot.clusterId, forwarder: snapshot.forwarder, takenAtMs: snapshot.takenAtMs, synced: snapshot.synced });
    objects.nodeGroups.forEach((g) => builder.addNodeGroup(g));
    objects.nodes.forEach((n) => builder.addNode(n));
    objects.pods.forEach((p) => builder.addPod(p));
    objects.pdbs.forEach((p) => builder.addPdb(p));
    objects.daemonSets.forEach((d) => builder.addDaemonSet(d));
    snapshot.offerings.forEach((o) => builder.addOffering(o));
    builder.setVms(snapshot.vms);
    snapshot.results.forEach((r) => builder.addResult(r));
    expect(builder.build()).toEqual(snapshot);
  });

  it('the plan example is valid', () => {
    const result = planMessageSchema.safeParse(examples[1]);
    expect(result.error?.issues ?? []).toEqual([]);
  });
});
