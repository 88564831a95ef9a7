import { VpsieCredentialsError } from './errors.ts';

// Turns the `data` of the Secret kube-system/vpsie-credentials (values base64, as the kube API returns
// them) into validated credentials. Pure: the forwarder reads the Secret with client-node and calls this.

export type VpsieCredentials =
  | { kind: 'token'; token: string; deletePassword: string }
  | { kind: 'client'; clientId: string; clientSecret: string; deletePassword: string };

export const VPSIE_SECRET_NAMESPACE = 'kube-system';
export const VPSIE_SECRET_NAME = 'vpsie-credentials';

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/**
 * Keys: `token`, or `clientId` + `clientSecret`; and `deletePassword`. When both a token and client
 * credentials are present the token wins (no login round trip). Surrounding whitespace and the trailing
 * newline that `echo … | base64` leaves are trimmed. Every problem is listed, not only the first.
 */
export function credentialsFromSecret(data: Record<string, string> | undefined | null): VpsieCredentials {
  const problems: string[] = [];
  const decoded = new Map<string, string>();
  for (const [key, value] of Object.entries(data ?? {})) {
    const compact = value.replace(/\s+/g, '');
    if (!BASE64.test(compact) || compact.length % 4 === 1) {
      problems.push(`key "${key}" is not valid base64`);
      continue;
    }
    const text = Buffer.from(compact, 'base64').toString('utf8').trim();
    if (text.length > 0) decoded.set(key, text);
  }
  const token = decoded.get('token');
  const clientId = decoded.get('clientId');
  const clientSecret = decoded.get('clientSecret');
  const deletePassword = decoded.get('deletePassword');

  if (!deletePassword && !problems.some((p) => p.includes('"deletePassword"'))) {
    problems.push('key "deletePassword" is missing or empty (deleting VMs requires it)');
  }
  if (!token) {
    if (clientId && !clientSecret) problems.push('key "clientSecret" is missing or empty (clientId is set)');
    if (clientSecret && !clientId) problems.push('key "clientId" is missing or empty (clientSecret is set)');
    const badKeyReported = problems.some((p) => /"(token|clientId|clientSecret)"/.test(p));
    if (!clientId && !clientSecret && !badKeyReported) {
      problems.push('neither "token" nor "clientId"+"clientSecret" is set');
    }
  }
  if (problems.length > 0 || !deletePassword) throw new VpsieCredentialsError(problems);
  if (token) return { kind: 'token', token, deletePassword };
  return { kind: 'client', clientId: clientId!, clientSecret: clientSecret!, deletePassword };
}
