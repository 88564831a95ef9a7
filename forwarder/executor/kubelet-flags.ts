import { NODEGROUP_LABEL, STARTUP_TAINT } from '../../shared/labels.ts';
import type { NodeGroupSpec } from '../../shared/nodegroup.ts';

// The kubelet flags a new node of a group starts with. The same values the planner used to estimate
// the node's allocatable (DESIGN.md) so that the estimate matches what the kubelet reports.

export { INSTANCE_TYPE_LABEL } from '../../shared/labels.ts';
import { INSTANCE_TYPE_LABEL, instanceTypeValue, OFFERING_LABEL, topologyLabels } from '../../shared/labels.ts';
import { LAUNCH_TEMPLATE_LABEL, launchTemplateHash } from '../../shared/launch-template.ts';

export interface KubeletFlags {
  nodeLabels: string;
  registerWithTaints: string;
  kubeReserved: string;
  systemReserved: string;
  evictionHard: string;
  maxPods: number;
  /** All of the above as kubelet command-line flags, space-separated. */
  args: string;
}

function pairs(map: Record<string, string | undefined>, separator = '='): string {
  return Object.entries(map)
    .filter(([, v]) => v !== undefined && v !== '')
    .map(([k, v]) => `${k}${separator}${v}`)
    .join(',');
}

/**
 * `offering`: the plan as the forwarder's catalogue lists it (its nickname names the node's instance
 * type); only the identifier when the catalogue does not list it. The labels are the ones the planner
 * gives its simulated new nodes (functions/planning/node-template.ts templateLabels), so that
 * selectors and topology spread on them are planned as the scheduler will see them.
 * `startupTaint`: the node also registers with STARTUP_TAINT:NoSchedule (the forwarder's launches,
 * forwarder setting startupTaint), which releaseNode removes once the plan's pods are nominated for it.
 */
export function kubeletFlags(groupName: string, spec: NodeGroupSpec, offering: string | { identifier: string; nickname: string }, options: { startupTaint?: boolean } = {}): KubeletFlags {
  const plan = typeof offering === 'string' ? { identifier: offering, nickname: offering } : offering;
  // The launch template's hash: how the planner tells a drifted node (shared/launch-template.ts).
  const labels = {
    ...topologyLabels(spec.datacenterID),
    ...spec.labels,
    [NODEGROUP_LABEL]: groupName,
    [INSTANCE_TYPE_LABEL]: instanceTypeValue(plan),
    [OFFERING_LABEL]: plan.identifier,
    [LAUNCH_TEMPLATE_LABEL]: launchTemplateHash(spec),
  };
  const nodeLabels = pairs(labels);
  const startup = options.startupTaint && !spec.taints.some((t) => t.key === STARTUP_TAINT) ? [`${STARTUP_TAINT}:NoSchedule`] : [];
  const registerWithTaints = [...spec.taints.map((t) => `${t.key}${t.value ? `=${t.value}` : ''}:${t.effect}`), ...startup].join(',');
  const kubeReserved = pairs(spec.kubelet.kubeReserved);
  const systemReserved = pairs(spec.kubelet.systemReserved);
  const evictionHard = pairs(spec.kubelet.evictionHard, '<');
  const maxPods = spec.kubelet.maxPods;
  const args = [
    `--node-labels=${nodeLabels}`,
    registerWithTaints ? `--register-with-taints=${registerWithTaints}` : '',
    kubeReserved ? `--kube-reserved=${kubeReserved}` : '',
    systemReserved ? `--system-reserved=${systemReserved}` : '',
    evictionHard ? `--eviction-hard=${evictionHard}` : '',
    `--max-pods=${maxPods}`,
  ].filter(Boolean).join(' ');
  return { nodeLabels, registerWithTaints, kubeReserved, systemReserved, evictionHard, maxPods, args };
}
