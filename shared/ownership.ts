// Which VPSie VMs belong to this cluster: ONE rule, used by the planner, the forwarder's guardrails
// and its executor (DESIGN.md, Security). A VM is this cluster's only if
//   1. its `notes` carry this cluster's marker (VM list rows return `notes`, so no call per VM), and
//   2. its hostname matches this cluster's exact pattern: `<prefix><group>-<5 chars>`.
// A hostname prefix alone is not enough: cluster "c1" (prefix "c1-") would own every VM of cluster
// "c1-eu". VMs that match the pattern but carry no marker were made before markers existed
// ("unmarked"): they count against caps but are never deleted until an operator adopts them.

/** `vpsie-autoscaler:cluster=<id>;nodegroup=<namespace>/<name>` — what `notes` starts with. */
export const MARKER_PREFIX = 'vpsie-autoscaler:cluster=';
const SUFFIX_LENGTH = 5;
const MAX_HOSTNAME = 63;

export interface ClusterIdentity {
  clusterId: string;
  hostnamePrefix: string;
}

export type VmOwnership =
  | { owner: 'ours'; nodeGroup?: { namespace: string; name: string } }
  /** Pattern matches, no marker at all: made by an earlier version (or by hand). Never deleted. */
  | { owner: 'unmarked' }
  /** Another cluster's marker, or a hostname outside this cluster's pattern. */
  | { owner: 'foreign'; why: string };

export function clusterMarker(clusterId: string, nodeGroup?: { namespace: string; name: string }): string {
  return `${MARKER_PREFIX}${clusterId}${nodeGroup ? `;nodegroup=${nodeGroup.namespace}/${nodeGroup.name}` : ''}`;
}

/** The marker's fields, or undefined when the notes carry none (or a malformed one). */
export function parseMarker(notes: string | null | undefined): { clusterId: string; nodeGroup?: { namespace: string; name: string } } | undefined {
  if (!notes) return undefined;
  const at = notes.indexOf(MARKER_PREFIX);
  if (at < 0) return undefined;
  const match = /^vpsie-autoscaler:cluster=([a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?)(?:;nodegroup=([a-z0-9](?:[-a-z0-9.]*[a-z0-9])?)\/([a-z0-9](?:[-a-z0-9.]*[a-z0-9])?))?(?=$|[\s,;])/.exec(notes.slice(at, at + 400));
  if (!match) return undefined;
  return { clusterId: match[1]!, ...(match[2] && match[3] ? { nodeGroup: { namespace: match[2], name: match[3] } } : {}) };
}

/** An RFC 1123 DNS label of at most 63 characters. */
export function isDnsLabel(name: string): boolean {
  return name.length >= 1 && name.length <= MAX_HOSTNAME && /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(name);
}

/** The exact shape of this cluster's hostnames: `<prefix>[<group>]-<5 lowercase letters/digits>`. */
export function matchesHostnamePattern(hostname: string, hostnamePrefix: string): boolean {
  if (!isDnsLabel(hostname) || !hostname.startsWith(hostnamePrefix)) return false;
  const rest = hostname.slice(hostnamePrefix.length);
  return new RegExp(`^(?:[a-z0-9](?:[-a-z0-9]*[a-z0-9])?-)?[a-z0-9]{${SUFFIX_LENGTH}}$`).test(rest);
}

export function vmOwnership(vm: { hostname: string; notes?: string | null }, cluster: ClusterIdentity): VmOwnership {
  if (!matchesHostnamePattern(vm.hostname, cluster.hostnamePrefix)) {
    return { owner: 'foreign', why: `hostname ${vm.hostname} does not match this cluster's pattern ${cluster.hostnamePrefix}<group>-<suffix>` };
  }
  const marker = parseMarker(vm.notes);
  if (marker === undefined) {
    // Text that looks like a marker but does not parse is not "unmarked": somebody wrote it.
    if (vm.notes?.includes(MARKER_PREFIX)) return { owner: 'foreign', why: `VM ${vm.hostname} carries an unreadable marker` };
    return { owner: 'unmarked' };
  }
  if (marker.clusterId !== cluster.clusterId) return { owner: 'foreign', why: `VM ${vm.hostname} is marked for cluster ${marker.clusterId}` };
  return { owner: 'ours', ...(marker.nodeGroup ? { nodeGroup: marker.nodeGroup } : {}) };
}

/**
 * Pairs of clusters whose hostname prefixes are prefixes of each other (or equal): their VMs could
 * not be told apart by hostname, so one deployment refuses to serve both.
 */
export function prefixCollisions(clusters: readonly ClusterIdentity[]): Array<[ClusterIdentity, ClusterIdentity]> {
  const out: Array<[ClusterIdentity, ClusterIdentity]> = [];
  for (let i = 0; i < clusters.length; i++) {
    for (let j = i + 1; j < clusters.length; j++) {
      const a = clusters[i]!;
      const b = clusters[j]!;
      if (a.hostnamePrefix.startsWith(b.hostnamePrefix) || b.hostnamePrefix.startsWith(a.hostnamePrefix)) out.push([a, b]);
    }
  }
  return out;
}
