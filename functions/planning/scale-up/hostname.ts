// Hostnames of new VMs (also their Node names): `${prefix}${group}-${suffix}`, lowercase, a valid
// DNS label of at most 63 characters. The suffix comes from the context's deterministic ids, so
// the same inputs give the same names (a retried plan does not launch twice under new names).

export const MAX_HOSTNAME = 63;
export const SUFFIX_LENGTH = 5;

export function sanitizeLabel(text: string): string {
  return text.toLowerCase().replace(/[^a-z0-9-]/g, '-').replace(/-+/g, '-');
}

export function hostnameFor(prefix: string, groupName: string, id: string): string {
  const suffix = sanitizeLabel(id).replace(/-/g, '').slice(-SUFFIX_LENGTH).padStart(SUFFIX_LENGTH, '0');
  const head = sanitizeLabel(prefix);
  const room = MAX_HOSTNAME - head.length - 1 - SUFFIX_LENGTH;
  const name = sanitizeLabel(groupName).slice(0, Math.max(0, room)).replace(/-+$/, '');
  return `${head}${name}-${suffix}`.replace(/^-+/, '');
}

/** Whether `hostname` is one hostnameFor(prefix, groupName, …) can make (the same head, any suffix). */
export function isGroupHostname(hostname: string, prefix: string, groupName: string): boolean {
  const head = hostnameFor(prefix, groupName, '').slice(0, -SUFFIX_LENGTH);
  return hostname.length === head.length + SUFFIX_LENGTH && hostname.startsWith(head) && /^[a-z0-9]+$/.test(hostname.slice(head.length));
}
