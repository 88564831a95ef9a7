// Renders a NodeGroup's bootstrap template: plain {{placeholder}} substitution, nothing clever, so
// that what the template says is what the VM gets. An unknown placeholder is a configuration error
// (a typo would otherwise produce a node that never joins), except on comment lines (first
// non-blank character '#', in cloud-config YAML and in shell alike), which are left as written.

export const PLACEHOLDERS = [
  'hostname', 'nodeName', 'token', 'tokenId', 'apiServer', 'apiServerEndpoint', 'caCertHash',
  'nodeLabels', 'registerWithTaints', 'kubeletArgs', 'kubeReserved', 'systemReserved', 'evictionHard', 'maxPods',
  'nodeGroup', 'offering', 'clusterId',
] as const;
export type Placeholder = (typeof PLACEHOLDERS)[number];

export class TemplateError extends Error {
  override name = 'TemplateError';
}

const PATTERN = /\{\{\s*([A-Za-z][A-Za-z0-9_]*)\s*\}\}/g;

export function renderTemplate(template: string, values: Record<Placeholder, string>): string {
  const unknown = new Set<string>();
  const rendered = template
    .split('\n')
    .map((line) => {
      const comment = line.trimStart().startsWith('#');
      return line.replace(PATTERN, (match, name: string) => {
        if ((PLACEHOLDERS as readonly string[]).includes(name)) return values[name as Placeholder];
        if (!comment) unknown.add(name);
        return match;
      });
    })
    .join('\n');
  if (unknown.size > 0) {
    throw new TemplateError(`unknown placeholder${unknown.size > 1 ? 's' : ''} ${[...unknown].map((n) => `{{${n}}}`).join(', ')}; known: ${PLACEHOLDERS.join(', ')}`);
  }
  return rendered;
}

/**
 * The rendered user data always carries the kubelet flags literally. A template that does not place
 * them (neither {{kubeletArgs}} nor --node-labels) gets them as a trailing comment, and the caller logs
 * a warning: such a template has to pass them to the kubelet itself.
 */
export function ensureKubeletFlags(userData: string, kubeletArgs: string): { userData: string; appended: boolean } {
  if (userData.includes('--node-labels=')) return { userData, appended: false };
  const separator = userData.endsWith('\n') ? '' : '\n';
  return { userData: `${userData}${separator}# vpsie-autoscaler kubelet flags: ${kubeletArgs}\n`, appended: true };
}
