import type {
  V1DaemonSet,
  V1Deployment,
  V1Node,
  V1PodDisruptionBudget,
  V1Pod,
  V1PodSpec,
  V1Taint,
  V1Toleration,
} from '@kubernetes/client-node';
import { API_GROUP, API_VERSION, NODEGROUP_KIND } from '../../shared/labels.ts';
import type { NodeGroupSpecInput } from '../../shared/nodegroup.ts';
import { KWOK_ANNOTATION, KWOK_ANNOTATION_VALUE } from './kwok.ts';

// Short builders with overrides for integration tests, in the spirit of Karpenter's test.Pod(...).

const IMAGE = 'registry.k8s.io/pause:3.10'; // never pulled: kwok plays the kubelet

export interface ResourceList {
  cpu?: string;
  memory?: string;
  pods?: number;
  ephemeralStorage?: string;
}

export interface KwokNodeOptions {
  name: string;
  cpu?: string;
  memory?: string;
  pods?: number;
  ephemeralStorage?: string;
  /** Defaults to the capacity. */
  allocatable?: ResourceList;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  taints?: V1Taint[];
  providerID?: string;
  unschedulable?: boolean;
}

function resources({ cpu, memory, pods, ephemeralStorage }: ResourceList): Record<string, string> {
  const list: Record<string, string> = {};
  if (cpu !== undefined) list.cpu = cpu;
  if (memory !== undefined) list.memory = memory;
  if (pods !== undefined) list.pods = String(pods);
  if (ephemeralStorage !== undefined) list['ephemeral-storage'] = ephemeralStorage;
  return list;
}

/** A Node that kwok manages (it carries the kwok annotation); kwok makes it Ready keeping this capacity/allocatable. */
export function kwokNode({
  name,
  cpu = '2',
  memory = '4Gi',
  pods = 110,
  ephemeralStorage = '100Gi',
  allocatable,
  labels = {},
  annotations = {},
  taints,
  providerID,
  unschedulable,
}: KwokNodeOptions): V1Node {
  const capacity = resources({ cpu, memory, pods, ephemeralStorage });
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name,
      labels: {
        'kubernetes.io/hostname': name,
        'kubernetes.io/os': 'linux',
        'kubernetes.io/arch': 'amd64',
        type: 'kwok',
        ...labels,
      },
      annotations: { [KWOK_ANNOTATION]: KWOK_ANNOTATION_VALUE, ...annotations },
    },
    spec: { taints, providerID, unschedulable },
    status: { capacity, allocatable: allocatable ? { ...capacity, ...resources(allocatable) } : capacity },
  };
}

export interface WorkloadOptions {
  cpu?: string;
  memory?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  nodeSelector?: Record<string, string>;
  tolerations?: V1Toleration[];
  /** Merged last into the pod spec, for anything the options do not cover (affinity, volumes, …). */
  spec?: Partial<V1PodSpec>;
}

function podSpec({ cpu = '100m', memory = '64Mi', nodeSelector, tolerations, spec }: WorkloadOptions): V1PodSpec {
  return {
    containers: [{ name: 'main', image: IMAGE, resources: { requests: { cpu, memory } } }],
    nodeSelector,
    tolerations,
    ...spec,
  };
}

export function pod({ name, namespace, nodeName, ...options }: WorkloadOptions & { name: string; namespace?: string; nodeName?: string }): V1Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace, labels: { app: name, ...options.labels }, annotations: options.annotations },
    spec: { ...podSpec(options), nodeName },
  };
}

/** Pods carry `app: <name>` (and `labels`); the selector is `app: <name>`. */
export function deployment({ name, namespace, replicas = 1, ...options }: WorkloadOptions & { name: string; namespace?: string; replicas?: number }): V1Deployment {
  const { metadata, selector, template } = workload(name, namespace, options);
  return { apiVersion: 'apps/v1', kind: 'Deployment', metadata, spec: { replicas, selector, template } };
}

/** What a Deployment and a DaemonSet of the builders share: labels `app: <name>`, the pod template. */
function workload(name: string, namespace: string | undefined, options: WorkloadOptions) {
  const labels = { app: name, ...options.labels };
  return {
    metadata: { name, namespace, labels },
    selector: { matchLabels: { app: name } },
    template: { metadata: { labels, annotations: options.annotations }, spec: podSpec(options) },
  };
}

export function daemonSet({ name, namespace, ...options }: WorkloadOptions & { name: string; namespace?: string }): V1DaemonSet {
  const { metadata, selector, template } = workload(name, namespace, options);
  return { apiVersion: 'apps/v1', kind: 'DaemonSet', metadata, spec: { selector, template } };
}

export type PdbOptions = { name: string; namespace?: string; selector: Record<string, string> } & (
  | { minAvailable: number | string; maxUnavailable?: never }
  | { maxUnavailable: number | string; minAvailable?: never }
);

export function pdb({ name, namespace, selector, minAvailable, maxUnavailable }: PdbOptions): V1PodDisruptionBudget {
  return {
    apiVersion: 'policy/v1',
    kind: 'PodDisruptionBudget',
    metadata: { name, namespace },
    spec: { selector: { matchLabels: selector }, minAvailable, maxUnavailable },
  };
}

export interface NodeGroupObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  spec: NodeGroupSpecInput;
}

/** A NodeGroup custom object (autoscaler.vpsie.com/v1alpha1); required spec fields get test defaults. */
export function nodeGroup({
  name,
  namespace,
  ...spec
}: { name: string; namespace?: string } & Partial<NodeGroupSpecInput>): NodeGroupObject {
  return {
    apiVersion: `${API_GROUP}/${API_VERSION}`,
    kind: NODEGROUP_KIND,
    metadata: { name, namespace },
    spec: {
      minNodes: 0,
      maxNodes: 5,
      datacenterID: 'dc-test',
      offeringIDs: ['offering-small'],
      osImageID: 'ubuntu-24.04',
      ...spec,
    },
  };
}
