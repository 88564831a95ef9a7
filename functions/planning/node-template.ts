import { HOSTNAME_LABEL, NODEGROUP_LABEL } from '../../shared/labels.ts';
import { NODEGROUP_DEFAULTS, type NodeGroupSpec } from '../../shared/nodegroup.ts';
import { GIB, MIB, parseBytes, parseCpuMillis } from '../../shared/quantity.ts';
import type { NodeResources, Offering, Snapshot, SnapshotTaint } from '../../shared/snapshot.ts';
import type { ValidGroup } from './context.ts';
import type { ClusterModel } from './simulation/cluster-model.ts';
import { staticMisfit } from './simulation/predicates.ts';
import type { SimNode, SimNodeKind, SimPod } from './simulation/types.ts';

// What a node of group G launched with offering O will look like to the scheduler, before it
// exists: its labels, taints and allocatable, and the DaemonSet pods that will land on it.

export { INSTANCE_TYPE_LABEL, REGION_LABEL, ZONE_LABEL } from '../../shared/labels.ts';
import { INSTANCE_TYPE_LABEL, instanceTypeValue, OFFERING_LABEL, topologyLabels } from '../../shared/labels.ts';
export const OS_LABEL = 'kubernetes.io/os';
export const ARCH_LABEL = 'kubernetes.io/arch';

/**
 * Ephemeral storage of a new node: the SSD minus what the OS, the kubelet's image store and the
 * default `nodefs.available<10%` eviction threshold keep. Only the estimate uses it; pods rarely
 * request ephemeral storage, and underestimating only costs an extra node.
 */
export const EPHEMERAL_RESERVE = { fixedBytes: 8 * GIB, evictionFraction: 0.1 } as const;

export interface KubeletReservations { cpuMillis: number; memoryBytes: number }

/**
 * kubeReserved + systemReserved (+ evictionHard memory.available for memory). A field left unset
 * in the NodeGroup takes its NODEGROUP_DEFAULTS value, so `kubeReserved: {cpu: 200m}` keeps the
 * default 256Mi of memory. The bootstrap must render the kubelet config from these same values.
 */
export function kubeletReservations(spec: NodeGroupSpec): KubeletReservations {
  const defaults = NODEGROUP_DEFAULTS.kubelet;
  const { kubeReserved, systemReserved, evictionHard } = spec.kubelet;
  return {
    cpuMillis: parseCpuMillis(kubeReserved.cpu ?? defaults.kubeReserved.cpu) + parseCpuMillis(systemReserved.cpu ?? defaults.systemReserved.cpu),
    memoryBytes: parseBytes(kubeReserved.memory ?? defaults.kubeReserved.memory)
      + parseBytes(systemReserved.memory ?? defaults.systemReserved.memory)
      + parseBytes(evictionHard['memory.available'] ?? defaults.evictionHard['memory.available']),
  };
}

/** Allocatable of a node of this spec on this offering (never negative). */
export function offeringAllocatable(spec: NodeGroupSpec, offering: Offering): NodeResources {
  const reserved = kubeletReservations(spec);
  const diskBytes = offering.ssdGiB * GIB;
  return {
    cpuMillis: Math.max(0, offering.cpu * 1000 - reserved.cpuMillis),
    memoryBytes: Math.max(0, offering.ramMiB * MIB - reserved.memoryBytes),
    ephemeralBytes: Math.max(0, Math.floor(diskBytes * (1 - EPHEMERAL_RESERVE.evictionFraction)) - EPHEMERAL_RESERVE.fixedBytes),
    pods: spec.kubelet.maxPods,
  };
}

/**
 * Labels a new node of the group carries once registered — the same the forwarder's bootstrap sets
 * (forwarder/executor/kubelet-flags.ts): the group's labels, the nodegroup label, hostname, instance
 * type (the plan's name) and offering (its identifier), region/zone (the datacenter), os/arch
 * (VPSie runs linux/amd64).
 */
export function templateLabels(group: ValidGroup, offering: Offering, hostname: string): Record<string, string> {
  return {
    [OS_LABEL]: 'linux',
    [ARCH_LABEL]: 'amd64',
    ...topologyLabels(group.spec.datacenterID),
    [INSTANCE_TYPE_LABEL]: instanceTypeValue(offering),
    [OFFERING_LABEL]: offering.identifier,
    ...group.spec.labels,
    [NODEGROUP_LABEL]: group.name,
    [HOSTNAME_LABEL]: hostname,
  };
}

export interface NodeTemplate {
  group: ValidGroup;
  offering: Offering;
  /** Labels with a placeholder hostname (`templateHostname`). */
  labels: Record<string, string>;
  taints: SnapshotTaint[];
  /** Offering minus kubelet reservations. */
  allocatable: NodeResources;
  /** DaemonSet pods that will land on the node (one per matching DaemonSet). */
  daemonSetPods: SimPod[];
  /** allocatable minus the DaemonSet pods' requests and count: the room left for pending pods. */
  free: NodeResources;
}

export const TEMPLATE_HOSTNAME = '(new-node)';

/** The snapshot's DaemonSets as pods, for matching against templates. */
export function daemonSetPods(snapshot: Snapshot): SimPod[] {
  return snapshot.daemonSets.map((ds) => ({
    key: `${ds.namespace}/${ds.name}`,
    namespace: ds.namespace,
    shape: snapshot.podShapes[ds.shape]!,
    shapeIndex: ds.shape,
  }));
}

export function nodeTemplate(group: ValidGroup, offering: Offering, daemonSets: readonly SimPod[]): NodeTemplate {
  const labels = templateLabels(group, offering, TEMPLATE_HOSTNAME);
  const taints: SnapshotTaint[] = group.spec.taints.map((t) => ({ key: t.key, ...(t.value !== undefined ? { value: t.value } : {}), effect: t.effect }));
  const allocatable = offeringAllocatable(group.spec, offering);
  const landing = daemonSets.filter((ds) => staticMisfit({ name: TEMPLATE_HOSTNAME, labels, taints }, ds.shape, false) === undefined);
  const free = { ...allocatable };
  for (const ds of landing) {
    free.cpuMillis -= ds.shape.requests.cpuMillis;
    free.memoryBytes -= ds.shape.requests.memoryBytes;
    free.ephemeralBytes -= ds.shape.requests.ephemeralBytes;
    free.pods -= 1;
  }
  return { group, offering, labels, taints, allocatable, daemonSetPods: landing, free };
}

/** Adds a node built from the template to the model, with its DaemonSet pods bound. */
export function addTemplateNode(model: ClusterModel, template: NodeTemplate, name: string, kind: SimNodeKind): SimNode {
  const node = model.addNode({
    name,
    labels: { ...template.labels, [HOSTNAME_LABEL]: name },
    taints: template.taints,
    allocatable: template.allocatable,
    kind,
    nodeGroup: template.group.key,
    offeringId: template.offering.identifier,
  });
  for (const ds of template.daemonSetPods) model.bind({ ...ds, key: `${ds.key}@${name}` }, node);
  return node;
}

/** The group's offering by identifier, preferring the group's datacenter when the catalogue lists several. */
export function findOffering(offerings: readonly Offering[], group: ValidGroup, identifier: string): Offering | undefined {
  const matching = offerings.filter((o) => o.identifier === identifier);
  return matching.find((o) => o.datacenterID === group.spec.datacenterID) ?? matching[0];
}
