// Names this product reads or writes on Kubernetes objects, in one place.
export const API_GROUP = 'autoscaler.vpsie.com';
export const API_VERSION = 'v1alpha1';
export const NODEGROUP_KIND = 'NodeGroup';
export const NODEGROUP_PLURAL = 'nodegroups';

/** Every node the autoscaler manages carries this label; nodes without it are never touched. */
export const NODEGROUP_LABEL = 'autoscaler.vpsie.com/nodegroup';
/** Taint put on a node before it is drained (taint-then-recheck). */
export const TO_BE_DELETED_TAINT = 'autoscaler.vpsie.com/to-be-deleted';
/**
 * Taint a node we launch registers with (NoSchedule), until the planner releases it (releaseNode): the
 * pods the plan placed on it are nominated for it first, so that the scheduler fills it as planned
 * instead of spreading the burst over whichever nodes joined first.
 */
export const STARTUP_TAINT = 'autoscaler.vpsie.com/starting';
export const HOSTNAME_LABEL = 'kubernetes.io/hostname';
export const PROVIDER_ID_PREFIX = 'vpsie://';

/** "vpsie://<identifier>" → the VM identifier; undefined for another cloud's or no providerID. */
export function vmIdentifierOfProviderId(providerID: string | undefined): string | undefined {
  return providerID?.startsWith(PROVIDER_ID_PREFIX) ? providerID.slice(PROVIDER_ID_PREFIX.length) || undefined : undefined;
}
/**
 * The offering a node runs on, as people read it (well-known label, as Karpenter and Cluster
 * Autoscaler fill it with the instance type's name): the VPSie plan's nickname ("A-4C-8G"), or its
 * identifier when the nickname is not a valid label value. Nodes made before names carry the identifier.
 */
export const INSTANCE_TYPE_LABEL = 'node.kubernetes.io/instance-type';
/** The VPSie plan identifier a node runs on (the machine key: prices, limits, drift); set beside the name. */
export const OFFERING_LABEL = 'autoscaler.vpsie.com/offering';
export const REGION_LABEL = 'topology.kubernetes.io/region';
export const ZONE_LABEL = 'topology.kubernetes.io/zone';

const LABEL_VALUE = /^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
function isLabelValue(value: string): boolean {
  return value.length <= 63 && LABEL_VALUE.test(value);
}

/** The instance-type label's value for a plan: its nickname when label-safe, else its identifier. */
export function instanceTypeValue(offering: { identifier: string; nickname: string }): string {
  return isLabelValue(offering.nickname) ? offering.nickname : offering.identifier;
}

/** The plan identifier or name a node's labels give (the offering label first; older nodes: instance type). */
export function offeringKeyOfLabels(labels: Readonly<Record<string, string>>): string | undefined {
  return labels[OFFERING_LABEL] ?? labels[INSTANCE_TYPE_LABEL];
}

/**
 * Region and zone of a node in a VPSie datacenter: both the datacenter identifier (VPSie has one
 * zone per datacenter; the identifier is stable, a name may change under a running node). Empty when
 * the identifier is not a valid label value: a kubelet refuses to start with a bad --node-labels.
 */
export function topologyLabels(datacenterID: string): Record<string, string> {
  return isLabelValue(datacenterID) ? { [REGION_LABEL]: datacenterID, [ZONE_LABEL]: datacenterID } : {};
}
/** A Secret the forwarder may read as a bootstrap template must carry this label set to "true". */
export const BOOTSTRAP_TEMPLATE_LABEL = 'autoscaler.vpsie.com/bootstrap-template';
/** Bootstrap-token Secrets the forwarder creates carry this label (value: the cluster id). */
export const CLUSTER_LABEL = 'autoscaler.vpsie.com/cluster';

export const SAFE_TO_EVICT = 'cluster-autoscaler.kubernetes.io/safe-to-evict';
export const SAFE_TO_EVICT_LOCAL_VOLUMES = 'cluster-autoscaler.kubernetes.io/safe-to-evict-local-volumes';
export const SCALE_DOWN_DISABLED = 'cluster-autoscaler.kubernetes.io/scale-down-disabled';
export const DO_NOT_DISRUPT = 'karpenter.sh/do-not-disrupt';
export const MIRROR_POD_ANNOTATION = 'kubernetes.io/config.mirror';
