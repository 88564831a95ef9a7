import { readFileSync } from 'node:fs';
import { KubeApiError, KubeHttp } from '../../forwarder/kube/kube-http.ts';
import { loadKubeAuth } from '../../forwarder/kube/kube-auth.ts';
import { credentialsFromSecret, VPSIE_SECRET_NAME, VPSIE_SECRET_NAMESPACE, VpsieCredentialsError, type VpsieCredentials } from '../../forwarder/vpsie/index.ts';
import { CatalogInputError } from './input-error.ts';

// Where `catalog` gets VPSie credentials: the forwarder's place (the Secret kube-system/vpsie-credentials,
// read through the kubeconfig), or, before a cluster has that Secret, an API token from VPSIE_TOKEN or
// a file. The catalogue is read-only: no deletion password is needed.

export interface CredentialSource {
  kubeconfig?: string;
  /** "<namespace>/<name>" or "<name>" (in kube-system). */
  secret?: string;
  tokenFile?: string;
  env: Record<string, string | undefined>;
}

export function secretRef(text: string | undefined): { namespace: string; name: string } {
  if (text === undefined) return { namespace: VPSIE_SECRET_NAMESPACE, name: VPSIE_SECRET_NAME };
  const parts = text.split('/');
  const ok = (s: string | undefined) => s !== undefined && /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/.test(s);
  if (parts.length === 1 && ok(parts[0])) return { namespace: VPSIE_SECRET_NAMESPACE, name: parts[0]! };
  if (parts.length === 2 && ok(parts[0]) && ok(parts[1])) return { namespace: parts[0]!, name: parts[1]! };
  throw new CatalogInputError(`--credentials-secret must be <namespace>/<name> or <name>, got "${text}"`);
}

export async function resolveCredentials(source: CredentialSource): Promise<{ credentials: VpsieCredentials; from: string }> {
  if (source.tokenFile !== undefined) {
    let token: string;
    try {
      token = readFileSync(source.tokenFile, 'utf8').trim();
    } catch (error) {
      throw new CatalogInputError(`--vpsie-token-file ${source.tokenFile}: ${(error as Error).message}`);
    }
    if (token === '') throw new CatalogInputError(`--vpsie-token-file ${source.tokenFile} is empty`);
    return { credentials: { kind: 'token', token, deletePassword: '' }, from: `token file ${source.tokenFile}` };
  }
  const envToken = source.env.VPSIE_TOKEN?.trim();
  if (envToken) return { credentials: { kind: 'token', token: envToken, deletePassword: '' }, from: 'VPSIE_TOKEN' };
  const { namespace, name } = secretRef(source.secret);
  let kube: KubeHttp;
  try {
    kube = new KubeHttp(await loadKubeAuth(source.kubeconfig, source.env));
  } catch (error) {
    throw new CatalogInputError(`no VPSie credentials: set VPSIE_TOKEN, give --vpsie-token-file, or a kubeconfig whose cluster holds the Secret ${namespace}/${name} (${(error as Error).message})`);
  }
  try {
    const secret = await kube.request<{ data?: Record<string, string> }>({ method: 'GET', path: `/api/v1/namespaces/${encodeURIComponent(namespace)}/secrets/${encodeURIComponent(name)}` });
    // Read-only: a Secret without deletePassword is still good enough to read the catalogue.
    const data = { deletePassword: Buffer.from('unused').toString('base64'), ...secret.data };
    return { credentials: credentialsFromSecret(data), from: `Secret ${namespace}/${name}` };
  } catch (error) {
    if (error instanceof KubeApiError && (error.status === 404 || error.status === 403)) {
      throw new CatalogInputError(`no VPSie credentials: the Secret ${namespace}/${name} ${error.status === 404 ? 'does not exist' : 'cannot be read (RBAC)'}; set VPSIE_TOKEN or give --vpsie-token-file`);
    }
    if (error instanceof VpsieCredentialsError) throw new CatalogInputError(`the Secret ${namespace}/${name}: ${error.message}`);
    throw error;
  } finally {
    kube.close();
  }
}
