import { writeFileSync } from 'node:fs';
import { stringify } from 'yaml';

export interface KubeconfigSpec {
  path: string;
  server: string;
  /** PEM file with the CA that signed the API server's serving certificate. */
  caFile: string;
  user: string;
  token: string;
}

/** Writes a kubeconfig with one cluster, one token user and one current context. */
export function writeKubeconfig({ path, server, caFile, user, token }: KubeconfigSpec): void {
  const kubeconfig = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'harness', cluster: { server, 'certificate-authority': caFile } }],
    users: [{ name: user, user: { token } }],
    contexts: [{ name: 'harness', context: { cluster: 'harness', user } }],
    'current-context': 'harness',
    preferences: {},
  };
  writeFileSync(path, stringify(kubeconfig), { mode: 0o600 });
}
