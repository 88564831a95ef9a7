import { parseAllDocuments } from 'yaml';
import { compactPod, SnapshotBuilder } from '../../shared/compact/index.ts';
import type { KubeDaemonSet, KubeNode, KubePdb, KubePod } from '../../shared/compact/index.ts';
import { NodeGroupValidationError, parseNodeGroup } from '../../shared/nodegroup.ts';
import { snapshotSchema, type Offering, type Snapshot, type SnapshotVm } from '../../shared/snapshot.ts';
import { PlanInputError } from './input-error.ts';
import { readInputFile } from './input-file.ts';

// `--cluster`: what `kubectl get nodes,pods,pdb,ds,ng -A -o yaml` prints — multi-document YAML, or a
// `kind: List` — turned into a snapshot with the forwarder's own compaction (shared/compact).

export interface ClusterObjects {
  nodes: KubeNode[];
  pods: KubePod[];
  pdbs: KubePdb[];
  daemonSets: KubeDaemonSet[];
  nodeGroups: unknown[];
  /** Kinds present in the file that the planner does not read. */
  ignoredKinds: string[];
}

interface KubeObject { kind?: unknown; items?: unknown; metadata?: { name?: unknown; namespace?: unknown } }

export function parseClusterYaml(text: string, source: string): ClusterObjects {
  const documents = parseAllDocuments(text);
  const list = Array.isArray(documents) ? documents : [documents];
  const out: ClusterObjects = { nodes: [], pods: [], pdbs: [], daemonSets: [], nodeGroups: [], ignoredKinds: [] };
  const visit = (value: unknown, where: string): void => {
    if (value === null || value === undefined) return;
    if (typeof value !== 'object' || Array.isArray(value)) throw new PlanInputError(`${source}: ${where} is not a Kubernetes object`);
    const object = value as KubeObject;
    const kind = typeof object.kind === 'string' ? object.kind : '';
    if (kind === 'List' || (kind.endsWith('List') && Array.isArray(object.items))) {
      if (!Array.isArray(object.items)) throw new PlanInputError(`${source}: ${where}: kind ${kind} without items`);
      object.items.forEach((item, i) => visit(item, `${where} items[${i}]`));
      return;
    }
    switch (kind) {
      case 'Node': out.nodes.push(object as KubeNode); break;
      case 'Pod': out.pods.push(object as KubePod); break;
      case 'PodDisruptionBudget': out.pdbs.push(object as KubePdb); break;
      case 'DaemonSet': out.daemonSets.push(object as KubeDaemonSet); break;
      case 'NodeGroup': out.nodeGroups.push(object); break;
      case '': throw new PlanInputError(`${source}: ${where} has no kind`);
      default: if (!out.ignoredKinds.includes(kind)) out.ignoredKinds.push(kind);
    }
  };
  list.forEach((doc, i) => {
    const error = doc.errors[0];
    if (error) throw new PlanInputError(`${source}: invalid YAML in document ${i + 1}: ${error.message.split('\n')[0]}`, { cause: error });
    visit(doc.toJS(), `document ${i + 1}`);
  });
  return out;
}

export function readClusterFile(path: string): ClusterObjects {
  return parseClusterYaml(readInputFile('cluster', path), path);
}

/**
 * The snapshot the planner would see. Every NodeGroup must be valid and name only offerings of the
 * list (a what-if on a broken group answers nothing useful). Pending pods without a PodScheduled
 * condition count as unschedulable since their creation: a dump may predate the scheduler's verdict.
 */
export function toSnapshot(objects: ClusterObjects, offerings: readonly Offering[], nowMs: number, vpsie: { clusterId?: string; vms?: SnapshotVm[] | null } = {}): Snapshot {
  const builder = new SnapshotBuilder({ clusterId: vpsie.clusterId ?? 'what-if', forwarder: { id: 'plan-cli', version: 'cli', dryRun: true, lastFencingToken: 0 }, takenAtMs: nowMs, synced: true });
  const known = new Set(offerings.map((o) => o.identifier));
  const seen = new Set<string>();
  for (const raw of objects.nodeGroups) {
    let group;
    try {
      group = parseNodeGroup(raw);
    } catch (error) {
      if (error instanceof NodeGroupValidationError) throw new PlanInputError(error.message, { cause: error });
      throw error;
    }
    // A dump with two NodeGroups of one namespace/name (two files concatenated) has no single answer.
    const key = `${group.metadata.namespace}/${group.metadata.name}`;
    if (seen.has(key)) throw new PlanInputError(`NodeGroup ${key} appears more than once in --cluster; a NodeGroup's namespace/name must be unique`);
    seen.add(key);
    const missing = group.spec.offeringIDs.filter((id) => !known.has(id));
    if (missing.length > 0) {
      throw new PlanInputError(`NodeGroup ${group.metadata.namespace}/${group.metadata.name}: offering ${missing.map((m) => `"${m}"`).join(', ')} not in the --offerings list`);
    }
    builder.addNodeGroup(raw as Parameters<SnapshotBuilder['addNodeGroup']>[0]);
  }
  const guard = <T>(what: () => T): T => {
    try {
      return what();
    } catch (error) {
      throw new PlanInputError((error as Error).message, { cause: error });
    }
  };
  for (const node of objects.nodes) guard(() => builder.addNode(node));
  for (const pdb of objects.pdbs) guard(() => builder.addPdb(pdb));
  for (const ds of objects.daemonSets) guard(() => builder.addDaemonSet(ds));
  for (const raw of objects.pods) {
    const compact = guard(() => compactPod(raw));
    const pod = compact.pod;
    if (pod.phase === 'Pending' && pod.nodeName === undefined && pod.unschedulableSinceMs === undefined) {
      compact.pod = { ...pod, unschedulableSinceMs: pod.createdAtMs };
    }
    builder.addCompactPod(compact);
  }
  for (const offering of offerings) builder.addOffering(offering);
  // Without --vms VPSie is not asked: nothing that depends on its VM list is decided.
  builder.setVms(vpsie.vms ?? null);
  const parsed = snapshotSchema.safeParse(builder.build());
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new PlanInputError(`the cluster file does not make a valid snapshot: ${issue.path.join('.')}: ${issue.message}`);
  }
  return parsed.data;
}
