// The parts of Kubernetes objects the compaction reads, typed loosely enough that both a
// @kubernetes/client-node object (times deserialised as Date) and raw JSON/YAML (times as RFC 3339
// strings, explicit nulls, unknown extra fields) are accepted. Field names are the API's own.

export type KubeTime = Date | string | null | undefined;
type Maybe<T> = T | null | undefined;
export type StringMap = Maybe<Record<string, string>>;

export interface KubeMeta {
  name?: Maybe<string>;
  namespace?: Maybe<string>;
  labels?: StringMap;
  annotations?: StringMap;
  creationTimestamp?: KubeTime;
  deletionTimestamp?: KubeTime;
  generation?: Maybe<number>;
  ownerReferences?: Maybe<ReadonlyArray<{ kind: string; name: string; controller?: Maybe<boolean>; apiVersion?: Maybe<string>; uid?: Maybe<string> }>>;
}

export interface KubeLabelSelector {
  matchLabels?: StringMap;
  matchExpressions?: Maybe<ReadonlyArray<{ key: string; operator: string; values?: Maybe<readonly string[]> }>>;
}

export interface KubeNodeSelectorRequirement { key: string; operator: string; values?: Maybe<readonly string[]> }
export interface KubeNodeSelectorTerm {
  matchExpressions?: Maybe<readonly KubeNodeSelectorRequirement[]>;
  matchFields?: Maybe<readonly KubeNodeSelectorRequirement[]>;
}

export interface KubePodAffinityTerm {
  labelSelector?: Maybe<KubeLabelSelector>;
  namespaces?: Maybe<readonly string[]>;
  topologyKey: string;
  matchLabelKeys?: Maybe<readonly string[]>;
  mismatchLabelKeys?: Maybe<readonly string[]>;
}

export interface KubeResourceRequirements { requests?: StringMap; limits?: StringMap }

export interface KubeContainer {
  name?: Maybe<string>;
  resources?: Maybe<KubeResourceRequirements>;
  ports?: Maybe<ReadonlyArray<{ containerPort?: Maybe<number>; hostPort?: Maybe<number>; protocol?: Maybe<string>; hostIP?: Maybe<string> }>>;
  /** "Always" on an init container makes it a sidecar (restartable init container). */
  restartPolicy?: Maybe<string>;
}

export interface KubeToleration { key?: Maybe<string>; operator?: Maybe<string>; value?: Maybe<string>; effect?: Maybe<string> }
export interface KubeTaint { key: string; value?: Maybe<string>; effect: string }

export interface KubePodSpec {
  nodeName?: Maybe<string>;
  nodeSelector?: StringMap;
  hostNetwork?: Maybe<boolean>;
  containers?: Maybe<readonly KubeContainer[]>;
  initContainers?: Maybe<readonly KubeContainer[]>;
  overhead?: StringMap;
  tolerations?: Maybe<readonly KubeToleration[]>;
  priority?: Maybe<number>;
  priorityClassName?: Maybe<string>;
  terminationGracePeriodSeconds?: Maybe<number>;
  affinity?: Maybe<{
    nodeAffinity?: Maybe<{ requiredDuringSchedulingIgnoredDuringExecution?: Maybe<{ nodeSelectorTerms?: Maybe<readonly KubeNodeSelectorTerm[]> }> }>;
    podAffinity?: Maybe<{ requiredDuringSchedulingIgnoredDuringExecution?: Maybe<readonly KubePodAffinityTerm[]> }>;
    podAntiAffinity?: Maybe<{ requiredDuringSchedulingIgnoredDuringExecution?: Maybe<readonly KubePodAffinityTerm[]> }>;
  }>;
  topologySpreadConstraints?: Maybe<ReadonlyArray<{
    maxSkew: number;
    topologyKey: string;
    whenUnsatisfiable: string;
    labelSelector?: Maybe<KubeLabelSelector>;
    minDomains?: Maybe<number>;
    matchLabelKeys?: Maybe<readonly string[]>;
  }>>;
  volumes?: Maybe<ReadonlyArray<{ name: string; emptyDir?: Maybe<{ medium?: Maybe<string> }>; hostPath?: Maybe<unknown> }>>;
}

export interface KubePod {
  metadata?: Maybe<KubeMeta>;
  spec?: Maybe<KubePodSpec>;
  status?: Maybe<{
    phase?: Maybe<string>;
    conditions?: Maybe<ReadonlyArray<{ type: string; status: string; reason?: Maybe<string>; lastTransitionTime?: KubeTime }>>;
    nominatedNodeName?: Maybe<string>;
  }>;
}

export interface KubeNode {
  metadata?: Maybe<KubeMeta>;
  spec?: Maybe<{ taints?: Maybe<readonly KubeTaint[]>; unschedulable?: Maybe<boolean>; providerID?: Maybe<string> }>;
  status?: Maybe<{
    allocatable?: StringMap;
    capacity?: StringMap;
    conditions?: Maybe<ReadonlyArray<{ type: string; status: string; lastTransitionTime?: KubeTime }>>;
  }>;
}

export interface KubePdb {
  metadata?: Maybe<KubeMeta>;
  spec?: Maybe<{ selector?: Maybe<KubeLabelSelector> }>;
  status?: Maybe<{ disruptionsAllowed?: Maybe<number> }>;
}

export interface KubeDaemonSet {
  metadata?: Maybe<KubeMeta>;
  spec?: Maybe<{ template?: Maybe<{ metadata?: Maybe<KubeMeta>; spec?: Maybe<KubePodSpec> }> }>;
}

export interface KubeNodeGroupObject {
  metadata?: Maybe<KubeMeta>;
  spec?: unknown;
}
