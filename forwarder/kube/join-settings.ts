import { createHash, X509Certificate } from 'node:crypto';

// What a new node needs to join: the control-plane endpoint and the CA pin that kubeadm checks
// (--discovery-token-ca-cert-hash sha256:<hex of the CA's SubjectPublicKeyInfo>).

export function caCertHashFromPem(pem: string): string {
  const certificate = new X509Certificate(pem);
  const spki = certificate.publicKey.export({ type: 'spki', format: 'der' });
  return `sha256:${createHash('sha256').update(spki).digest('hex')}`;
}

/** host:port of an API server URL. */
export function apiServerEndpoint(server: string): string {
  const url = new URL(server);
  return `${url.hostname}:${url.port || (url.protocol === 'https:' ? '443' : '80')}`;
}
