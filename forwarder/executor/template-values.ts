import type { Placeholder } from './cloud-init.ts';
import type { KubeletFlags } from './kubelet-flags.ts';

// What each bootstrap template placeholder ({{hostname}}, {{token}}, …) is filled with. One place, so
// the tests of examples/ render the templates with the values production uses: a placeholder renamed
// here and not in a template fails those tests instead of a node's join.

/** The launch a bootstrap is rendered for: its VM, join token and endpoint, kubelet flags and names. */
export type TemplateInput = {
  hostname: string; token: { text: string; id: string }; join: { apiServerEndpoint: string; caCertHash: string };
  flags: KubeletFlags; nodeGroup: string; offering: string; clusterId: string;
};

export function templateValues(input: TemplateInput): Record<Placeholder, string> {
  const { flags } = input;
  return {
    hostname: input.hostname,
    nodeName: input.hostname,
    token: input.token.text,
    tokenId: input.token.id,
    apiServer: input.join.apiServerEndpoint,
    apiServerEndpoint: input.join.apiServerEndpoint,
    caCertHash: input.join.caCertHash,
    nodeLabels: flags.nodeLabels,
    registerWithTaints: flags.registerWithTaints,
    kubeletArgs: flags.args,
    kubeReserved: flags.kubeReserved,
    systemReserved: flags.systemReserved,
    evictionHard: flags.evictionHard,
    maxPods: String(flags.maxPods),
    nodeGroup: input.nodeGroup,
    offering: input.offering,
    clusterId: input.clusterId,
  };
}
