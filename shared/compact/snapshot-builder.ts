import { SNAPSHOT_VERSION } from '../snapshot.ts';
import type {
  CommandResult, Offering, PodShape, ResourceFreshness, Snapshot, SnapshotDaemonSet, SnapshotNode, SnapshotNodeGroup, SnapshotPdb, SnapshotPod,
  SnapshotResource, SnapshotUnknownPod, SnapshotVm,
} from '../snapshot.ts';
import { compactDaemonSet, type CompactDaemonSet } from './daemonset.ts';
import type { KubeDaemonSet, KubeNode, KubeNodeGroupObject, KubePdb, KubePod } from './kube-types.ts';
import { compactNode } from './node.ts';
import { compactNodeGroup } from './nodegroup.ts';
import { compactPdb } from './pdb.ts';
import { compactPod, type CompactPod } from './pod.ts';
import { stableKey } from './stable-key.ts';

export interface SnapshotBuilderOptions {
  clusterId: string;
  forwarder: Snapshot['forwarder'];
  /** Defaults to 0; the forwarder passes its clock's now. */
  takenAtMs?: number;
  /** Every initial list has finished. Defaults to false: destructive decisions need it to be true. */
  synced?: boolean;
}

/**
 * Assembles a Snapshot from Kubernetes objects (or already compacted facts). Pods and DaemonSets
 * whose shapes are identical share one entry of `podShapes`; identical means equal as JSON with
 * sorted keys, so shapes that differ in any fact are never merged.
 *
 *   new SnapshotBuilder({ clusterId, forwarder }).addPod(pod).addNode(node).build()
 */
export class SnapshotBuilder {
  private readonly shapes: PodShape[] = [];
  private readonly shapeIndex = new Map<string, number>();
  private readonly pods: SnapshotPod[] = [];
  private readonly nodes: SnapshotNode[] = [];
  private readonly pdbs: SnapshotPdb[] = [];
  private readonly daemonSets: SnapshotDaemonSet[] = [];
  private readonly nodeGroups: SnapshotNodeGroup[] = [];
  private readonly offerings: Offering[] = [];
  private readonly results: CommandResult[] = [];
  private vms: SnapshotVm[] | null = [];
  private readonly unknownPods: SnapshotUnknownPod[] = [];
  private freshness: Partial<Record<SnapshotResource, ResourceFreshness>> | undefined;
  private synced: boolean;
  private takenAtMs: number;

  constructor(private readonly options: SnapshotBuilderOptions) {
    this.synced = options.synced ?? false;
    this.takenAtMs = options.takenAtMs ?? 0;
  }

  /** Index of the shape in `podShapes`, adding it if no identical shape is there yet. */
  shape(shape: PodShape): number {
    const key = stableKey(shape);
    let index = this.shapeIndex.get(key);
    if (index === undefined) {
      index = this.shapes.length;
      this.shapes.push(shape);
      this.shapeIndex.set(key, index);
    }
    return index;
  }

  addPod(pod: KubePod): this {
    return this.addCompactPod(compactPod(pod));
  }

  addCompactPod({ pod, shape }: CompactPod): this {
    this.pods.push({ ...pod, shape: this.shape(shape) });
    return this;
  }

  addNode(node: KubeNode): this {
    return this.addCompactNode(compactNode(node));
  }

  addCompactNode(node: SnapshotNode): this {
    this.nodes.push(node);
    return this;
  }

  /** PDBs with a null selector select nothing and are skipped. */
  addPdb(pdb: KubePdb): this {
    const compact = compactPdb(pdb);
    return compact ? this.addCompactPdb(compact) : this;
  }

  addCompactPdb(pdb: SnapshotPdb): this {
    this.pdbs.push(pdb);
    return this;
  }

  addDaemonSet(ds: KubeDaemonSet): this {
    return this.addCompactDaemonSet(compactDaemonSet(ds));
  }

  addCompactDaemonSet({ daemonSet, shape }: CompactDaemonSet): this {
    this.daemonSets.push({ ...daemonSet, shape: this.shape(shape) });
    return this;
  }

  addNodeGroup(group: KubeNodeGroupObject): this {
    this.nodeGroups.push(compactNodeGroup(group));
    return this;
  }

  addOffering(offering: Offering): this {
    this.offerings.push(offering);
    return this;
  }

  /** null = VPSie could not be listed this time (the planner then does nothing that depends on it). */
  setVms(vms: SnapshotVm[] | null): this {
    this.vms = vms === null ? null : [...vms];
    return this;
  }

  addResult(result: CommandResult): this {
    this.results.push(result);
    return this;
  }

  /** A pod that exists but could not be compacted: its node is kept (fail closed). */
  addUnknownPod(pod: SnapshotUnknownPod): this {
    this.unknownPods.push({ ...pod });
    return this;
  }

  setFreshness(freshness: Partial<Record<SnapshotResource, ResourceFreshness>>): this {
    this.freshness = { ...freshness };
    return this;
  }

  setSynced(synced: boolean): this {
    this.synced = synced;
    return this;
  }

  setTakenAt(takenAtMs: number): this {
    this.takenAtMs = takenAtMs;
    return this;
  }

  /** Not validated here: the receiver validates with snapshotSchema (tests do too). */
  build(): Snapshot {
    return {
      version: SNAPSHOT_VERSION,
      clusterId: this.options.clusterId,
      takenAtMs: this.takenAtMs,
      synced: this.synced,
      ...(this.freshness ? { freshness: { ...this.freshness } } : {}),
      ...(this.unknownPods.length > 0 ? { unknownPods: [...this.unknownPods] } : {}),
      forwarder: { ...this.options.forwarder },
      nodeGroups: [...this.nodeGroups],
      nodes: [...this.nodes],
      podShapes: [...this.shapes],
      pods: [...this.pods],
      pdbs: [...this.pdbs],
      daemonSets: [...this.daemonSets],
      offerings: [...this.offerings],
      vms: this.vms === null ? null : [...this.vms],
      results: [...this.results],
    };
  }
}
