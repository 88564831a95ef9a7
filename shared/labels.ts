// Names this product reads or writes on Kubernetes objects, in one place.
export const API_GROUP = 'autoscaler.vpsie.com';
export const API_VERSION = 'v1alpha1';
export const NODEGROUP_KIND = 'NodeGroup';
export const NODEGROUP_PLURAL = 'nodegroups';

/** Every node the autoscaler manages carries this label; nodes without it are never touched. */
export const NODEGROUP_LABEL = 'autoscaler.vpsie.com/nodegroup';
/** Taint put on a node before it is drained (taint-then-recheck). */
export const TO_BE_DELETED_TAINT = 'autoscaler.vpsie.com/to-be-deleted';
export const HOSTNAME_LABEL = 'kubernetes.io/hostname';
export const PROVIDER_ID_PREFIX = 'vpsie://';

/** "vpsie://<identifier>" → the VM identifier; undefined for another cloud's or no providerID. */
export function vmIdentifierOfProviderId(providerID: string | undefined): string | undefined {
  return providerID?.startsWith(PROVIDER_ID_PREFIX) ? providerID.slice(PROVIDER_ID_PREFIX.length) || undefined : undefined;
}
/** The offering a node runs on (well-known label; the bootstrap sets it to the plan identifier). */
export const INSTANCE_TYPE_LABEL = 'node.kubernetes.io/instance-type';
/** A Secret the forwarder may read as a bootstrap template must carry this label set to "true". */
export const BOOTSTRAP_TEMPLATE_LABEL = 'autoscaler.vpsie.com/bootstrap-template';
/** Bootstrap-token Secrets the forwarder creates carry this label (value: the cluster id). */
export const CLUSTER_LABEL = 'autoscaler.vpsie.com/cluster';

export const SAFE_TO_EVICT = 'cluster-autoscaler.kubernetes.io/safe-to-evict';
export const SAFE_TO_EVICT_LOCAL_VOLUMES = 'cluster-autoscaler.kubernetes.io/safe-to-evict-local-volumes';
export const SCALE_DOWN_DISABLED = 'cluster-autoscaler.kubernetes.io/scale-down-disabled';
export const DO_NOT_DISRUPT = 'karpenter.sh/do-not-disrupt';
export const MIRROR_POD_ANNOTATION = 'kubernetes.io/config.mirror';
