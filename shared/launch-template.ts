import { createHash } from 'node:crypto';
import type { NodeGroupSpec } from './nodegroup.ts';

// What a node of a group was launched with, as one short hash the forwarder writes on the node at
// create time (a kubelet --node-labels entry) and the planner compares with the group's current
// spec: a different hash means the node is drifted (docs/consolidation.md). IMPORTANT: only the
// fields that shape a NEW node belong here — datacenter, OS image, the bootstrap template's
// reference, kubelet settings, labels and taints. Behavioural fields (min/max, scale policies,
// disruption, preferred type) are not drift: changing them must not replace a single node. The
// offering is not in it either: a node's plan is drifted only when the group no longer lists it.
// The template Secret's CONTENT is not seen by the planner (only its name and key): an edit of the
// Secret alone is not detected.

/** Label on every node the forwarder launches: the launch template's hash (launchTemplateHash). */
export const LAUNCH_TEMPLATE_LABEL = 'autoscaler.vpsie.com/launch-template';

/** The drift-relevant fields of a spec, in a fixed shape (the hash's input). */
export function launchTemplateFields(spec: NodeGroupSpec): Record<string, unknown> {
  return {
    datacenterID: spec.datacenterID,
    osImageID: spec.osImageID,
    bootstrap: spec.bootstrap ? { secretName: spec.bootstrap.secretName, key: spec.bootstrap.key, delivery: spec.bootstrap.delivery ?? 'auto' } : null,
    kubelet: spec.kubelet,
    labels: spec.labels,
    taints: spec.taints.map((t) => ({ key: t.key, value: t.value ?? '', effect: t.effect })),
  };
}

/** JSON with object keys sorted at every level, so equal specs give equal text whatever their key order. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** "t1-" + 16 hex digits of SHA-256: a valid label value (≤ 63 characters, alphanumeric ends). */
export function launchTemplateHash(spec: NodeGroupSpec): string {
  return `t1-${createHash('sha256').update(canonical(launchTemplateFields(spec))).digest('hex').slice(0, 16)}`;
}
