import { NODEGROUP_LABEL, offeringKeyOfLabels, TO_BE_DELETED_TAINT } from '../../../shared/labels.ts';
import type { Snapshot, SnapshotNode, SnapshotPod } from '../../../shared/snapshot.ts';
import type { ValidGroup } from '../context.ts';
import { addTemplateNode, daemonSetPods, findOffering, nodeTemplate } from '../node-template.ts';
import type { LaunchOperation, Operation } from '../types.ts';
import { ClusterModel } from './cluster-model.ts';
import { withoutStartupTaint } from '../starting-nodes.ts';
import type { SimNode, SimPod } from './types.ts';

/** Taints a node carries while it starts; a joining node of ours is counted without them. */
export const STARTUP_TAINTS = new Set([
  'node.kubernetes.io/not-ready',
  'node.kubernetes.io/unreachable',
  'node.cloudprovider.kubernetes.io/uninitialized',
]);

/**
 * Taints that contradict a Ready condition: the node lifecycle controller lifts them about a second
 * after it sees the node Ready. A snapshot taken in that second must not make the node look full,
 * or the pods it is about to take would trigger a second launch.
 */
const LIFTED_WHEN_READY = new Set(['node.kubernetes.io/not-ready', 'node.kubernetes.io/unreachable']);

function schedulingTaints(node: SnapshotNode, joining: boolean): SnapshotNode['taints'] {
  // Our startup taint never counts: the plan hands the node out itself (starting-nodes.ts).
  const taints = withoutStartupTaint(node);
  if (joining) return taints.filter((t) => !STARTUP_TAINTS.has(t.key));
  if (node.ready) return taints.filter((t) => !LIFTED_WHEN_READY.has(t.key));
  return taints;
}

/** Launches whose capacity counts before their node is Ready. */
export function inFlightLaunches(operations: readonly Operation[]): LaunchOperation[] {
  return operations.filter((op): op is LaunchOperation => op.kind === 'launch' && (op.status === 'launching' || op.status === 'registering'));
}

/**
 * The default: a node takes new pods when it is Ready (or is joining for one of our launches), not
 * cordoned, not terminating and not marked to-be-deleted.
 */
export function isSchedulableNode(node: SnapshotNode, joining: boolean): boolean {
  if (node.terminating || node.unschedulable) return false;
  if (node.taints.some((t) => t.key === TO_BE_DELETED_TAINT)) return false;
  return node.ready || joining;
}

/** Pods that hold resources on their node: bound and not finished. */
export function isBoundActivePod(pod: SnapshotPod): boolean {
  return pod.nodeName !== undefined && pod.phase !== 'Succeeded' && pod.phase !== 'Failed';
}

/**
 * The node a pending pod's room is held on: status.nominatedNodeName of an unbound, live pod. Our
 * releaseNode nominates a burst's pods for a node and then lifts its startup taint; the scheduler
 * binds them over the next seconds (issue #22: on a 300-pod burst the forwarder took 11 s to nominate
 * 200 pods). Until then the node looked empty to the plan, which put the burst's other pods on it,
 * left the nodes still starting without pods and launched more: four nodes stayed empty, +14 %.
 * A pod the scheduler nominated while preempting holds its room the same way (the victims leave).
 * Scale-up never counts such a pod as pending while its node is in the model (pending-filter.ts).
 */
export function nominatedHere(pod: SnapshotPod): string | undefined {
  if (pod.nodeName !== undefined || pod.terminating || pod.phase !== 'Pending') return undefined;
  return pod.nominatedNodeName;
}

export interface BuildModelOptions {
  /** Validated groups (PlanContext.groups): templates for in-flight launches. */
  groups: readonly ValidGroup[];
  /** Launches counted as capacity: real joining nodes, or virtual in-flight nodes until they register. */
  launches?: readonly LaunchOperation[];
  /** Overrides the default node filter (isSchedulableNode); `joining` = the node belongs to a launch. */
  includeNode?: (node: SnapshotNode, joining: boolean) => boolean;
  /** Nodes left out on top of the filter (e.g. the candidates of a scale-down). */
  excludeNodes?: ReadonlySet<string>;
  /**
   * Pending pods nominated for a node of the model (status.nominatedNodeName) hold their room there,
   * as kube-scheduler counts them against that node: see nominatedHere.
   */
  holdNominated?: boolean;
}

export interface BuiltModel {
  model: ClusterModel;
  /** Every snapshot pod as a SimPod, by the pod's index in `snapshot.pods`. */
  pods: SimPod[];
  /** Virtual nodes of in-flight launches, by operation id. */
  inFlight: Map<string, SimNode>;
  /** Nodes of the snapshot left out of the model. */
  excluded: SnapshotNode[];
}

/**
 * A model of the cluster: schedulable snapshot nodes (in snapshot order) with their bound pods'
 * requests, then one virtual node per in-flight launch whose Node has not registered yet (from the
 * launch's group and offering, DaemonSet pods included).
 */
export function buildClusterModel(snapshot: Snapshot, options: BuildModelOptions): BuiltModel {
  const launches = options.launches ?? [];
  const launchHostnames = new Set(launches.map((l) => l.hostname));
  const include = options.includeNode ?? isSchedulableNode;
  const model = new ClusterModel();
  const excluded: SnapshotNode[] = [];
  const groupKeys = new Map<string, string>();
  const pods = snapshot.pods.map((pod): SimPod => ({
    key: `${pod.namespace}/${pod.name}`,
    namespace: pod.namespace,
    shape: snapshot.podShapes[pod.shape]!,
    shapeIndex: pod.shape,
  }));
  // The snapshot's nodes and bound pods are the model's starting state: not journaled (no rollback undoes them).
  model.initialize(() => {
    for (const node of snapshot.nodes) {
      const joining = launchHostnames.has(node.name);
      if (options.excludeNodes?.has(node.name) || !include(node, joining)) {
        excluded.push(node);
        continue;
      }
      model.addNode({
        name: node.name,
        labels: node.labels,
        taints: schedulingTaints(node, joining),
        allocatable: node.allocatable,
        kind: joining && !node.ready ? 'in-flight' : 'existing',
        ...(node.labels[NODEGROUP_LABEL] !== undefined ? { nodeGroup: groupKeyOf(node, options.groups, groupKeys) } : {}),
        ...(offeringKeyOfLabels(node.labels) !== undefined ? { offeringId: offeringKeyOfLabels(node.labels)! } : {}),
      });
    }
    snapshot.pods.forEach((pod, i) => {
      const on = isBoundActivePod(pod) ? pod.nodeName! : options.holdNominated ? nominatedHere(pod) : undefined;
      const node = on === undefined ? undefined : model.node(on);
      if (node) model.bind(pods[i]!, node);
    });
  });
  const inFlight = new Map<string, SimNode>();
  const known = new Set(snapshot.nodes.map((n) => n.name));
  const daemonSets = daemonSetPods(snapshot);
  for (const launch of launches) {
    if (known.has(launch.hostname) || model.node(launch.hostname)) continue;
    const group = options.groups.find((g) => g.key === launch.nodeGroup);
    const offering = group && findOffering(snapshot.offerings, group, launch.offeringId);
    if (!group || !offering) continue;
    inFlight.set(launch.id, addTemplateNode(model, nodeTemplate(group, offering, daemonSets), launch.hostname, 'in-flight'));
  }
  return { model, pods, inFlight, excluded };
}

/** "<namespace>/<name>" of the group a node's label names (namespace from the matching group, if unique). */
function groupKeyOf(node: SnapshotNode, groups: readonly ValidGroup[], known: Map<string, string>): string {
  const name = node.labels[NODEGROUP_LABEL]!;
  let key = known.get(name);
  if (key === undefined) {
    const match = groups.filter((g) => g.name === name);
    key = match.length === 1 ? match[0]!.key : name;
    known.set(name, key);
  }
  return key;
}
