import type { ValidGroup } from '../../functions/planning/context.ts';
import { NODEGROUP_LABEL, offeringKeyOfLabels } from '../../shared/labels.ts';
import type { Offering, PodShape, SnapshotNode } from '../../shared/snapshot.ts';
import { readClusterFile, toSnapshot } from '../plan/cluster-file.ts';
import { PlanInputError } from '../plan/input-error.ts';
import { SimulateInputError } from './input-error.ts';
import type { TraceWorkload } from './trace.ts';
import { WORKLOAD_LABEL } from './workload-shape.ts';

// `--cluster`: the dump's Nodes and Pods as the simulation's starting state (its NodeGroups are read
// by setup.ts). Read with the plan CLI's reader (the forwarder's own compaction, shared/compact).
//   - A Node labelled with one of the dump's NodeGroups and an instance type of the offerings list
//     is a running VM of the group at time 0 (paid from then on), with the dump's labels, taints and
//     allocatable. Other Nodes (control plane, unmanaged pools) are not simulated, nor their pods:
//     the autoscaler never removes them and they cost the same in every run.
//   - A pod labelled app=<workload> in a trace workload's namespace is one of that workload's pods,
//     bound where the dump has it. Any other pod (not a DaemonSet's or a mirror pod) joins a
//     "background" workload: one per namespace and owner (or pod, when it has none), with the pod's
//     requests, labels, node selector and tolerations, at a constant count all day. Its affinity and
//     topology spread are not kept: the trace format has no place for them.

export interface StartNode { node: SnapshotNode; group: ValidGroup; offering: Offering }
export interface StartPod { workload: number; name: string; nodeName?: string }
export interface ClusterStart { nodes: StartNode[]; pods: StartPod[]; background: TraceWorkload[] }

export const NO_START: ClusterStart = { nodes: [], pods: [], background: [] };

const MAX_BACKGROUND_WORKLOADS = 200;

export function clusterStart(path: string, groups: readonly ValidGroup[], offerings: readonly Offering[], workloads: readonly TraceWorkload[], startMs: number): ClusterStart {
  let snapshot;
  try {
    snapshot = toSnapshot(readClusterFile(path), offerings, startMs);
  } catch (error) {
    if (error instanceof PlanInputError) throw new SimulateInputError(`--cluster ${path}: ${error.message}`, { cause: error });
    throw error;
  }
  const nodes: StartNode[] = [];
  for (const node of snapshot.nodes) {
    const group = groups.find((g) => g.name === node.labels[NODEGROUP_LABEL]);
    const offeringId = offeringKeyOfLabels(node.labels);
    // Not checked against the group's offeringIDs: the CA-like run narrows those, the machines stay.
    if (!group || offeringId === undefined) continue;
    // The label holds the identifier (offering label, older instance-type labels) or the plan's nickname.
    const offering = offerings.find((o) => o.identifier === offeringId && o.datacenterID === group.spec.datacenterID) ?? offerings.find((o) => o.identifier === offeringId)
      ?? offerings.find((o) => o.nickname === offeringId && o.datacenterID === group.spec.datacenterID) ?? offerings.find((o) => o.nickname === offeringId);
    if (offering) nodes.push({ node, group, offering });
  }
  const simulated = new Set(nodes.map((n) => n.node.name));
  const background = new Map<string, { workload: TraceWorkload; shape: PodShape }>();
  const pods: StartPod[] = [];
  for (const pod of snapshot.pods) {
    if (pod.nodeName !== undefined && !simulated.has(pod.nodeName)) continue;
    const shape = snapshot.podShapes[pod.shape]!;
    if (shape.owner?.kind === 'DaemonSet' || shape.owner?.kind === 'Node') continue;
    const at = pod.nodeName !== undefined ? { nodeName: pod.nodeName } : {};
    const own = workloads.findIndex((w) => w.namespace === pod.namespace && shape.labels[WORKLOAD_LABEL] === w.name);
    if (own >= 0) {
      pods.push({ workload: own, name: pod.name, ...at });
      continue;
    }
    const key = `${pod.namespace}/${shape.owner ? `${shape.owner.kind}/${shape.owner.name}` : pod.name}`;
    let entry = background.get(key);
    if (!entry) {
      if (background.size >= MAX_BACKGROUND_WORKLOADS) throw new SimulateInputError(`--cluster ${path}: more than ${MAX_BACKGROUND_WORKLOADS} background workloads (pods outside the trace's workloads)`);
      const name = `bg-${background.size}-${(shape.owner?.name ?? pod.name).toLowerCase().replace(/[^a-z0-9-]/g, '-')}`.slice(0, 63).replace(/-+$/, '');
      entry = {
        shape,
        workload: {
          name,
          namespace: pod.namespace,
          requests: { cpu: shape.requests.cpuMillis, memory: shape.requests.memoryBytes },
          replicas: [[0, 0]],
          labels: Object.fromEntries(Object.entries(shape.labels).filter(([k]) => k !== WORKLOAD_LABEL)),
          nodeSelector: shape.nodeSelector,
          tolerations: shape.tolerations,
        },
      };
      background.set(key, entry);
    }
    entry.workload.replicas = [[0, entry.workload.replicas[0]![1] + 1]];
    pods.push({ workload: workloads.length + [...background.keys()].indexOf(key), name: pod.name, ...at });
  }
  return { nodes, pods, background: [...background.values()].map((b) => b.workload) };
}
