import { createHash, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { KubeConfig } from '@kubernetes/client-node';

// What a new node needs to join: the control-plane endpoint and the CA pin that kubeadm checks
// (--discovery-token-ca-cert-hash sha256:<hex of the CA's SubjectPublicKeyInfo>).

export function caCertHashFromPem(pem: string): string {
  const certificate = new X509Certificate(pem);
  const spki = certificate.publicKey.export({ type: 'spki', format: 'der' });
  return `sha256:${createHash('sha256').update(spki).digest('hex')}`;
}

/** The CA of the kubeconfig's current cluster, if it names one. */
export function caPemFromKubeConfig(kubeConfig: KubeConfig): string | undefined {
  const cluster = kubeConfig.getCurrentCluster();
  if (!cluster) return undefined;
  if (cluster.caData) return Buffer.from(cluster.caData, 'base64').toString('utf8');
  if (cluster.caFile) return readFileSync(cluster.caFile, 'utf8');
  return undefined;
}

/** host:port of the kubeconfig's server. */
export function apiServerEndpointFromKubeConfig(kubeConfig: KubeConfig): string | undefined {
  const server = kubeConfig.getCurrentCluster()?.server;
  if (!server) return undefined;
  const url = new URL(server);
  return `${url.hostname.includes(':') ? `[${url.hostname}]` : url.hostname}:${url.port || (url.protocol === 'https:' ? '443' : '80')}`;
}
