import { randomInt } from 'node:crypto';
import { formatTime } from '../kube/micro-time.ts';
import type { KubeHttp } from '../kube/kube-http.ts';

// A fresh kubeadm bootstrap token per VM: a Secret of type bootstrap.kubernetes.io/token in
// kube-system, expiring soon after the registration deadline (the tokencleaner removes it then).

const ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';

export interface BootstrapToken {
  id: string;
  secret: string;
  /** "<id>.<secret>", what `kubeadm join --token` takes. */
  token: string;
  expiresAtMs: number;
}

function randomString(length: number): string {
  let out = '';
  for (let i = 0; i < length; i++) out += ALPHABET[randomInt(ALPHABET.length)];
  return out;
}

export async function createBootstrapToken(kube: KubeHttp, options: { nowMs: number; ttlMs: number; hostname: string; nodeGroup: string }): Promise<BootstrapToken> {
  const id = randomString(6);
  const secret = randomString(16);
  const expiresAtMs = options.nowMs + options.ttlMs;
  await kube.request({
    method: 'POST',
    path: '/api/v1/namespaces/kube-system/secrets',
    body: {
      apiVersion: 'v1',
      kind: 'Secret',
      type: 'bootstrap.kubernetes.io/token',
      metadata: {
        name: `bootstrap-token-${id}`,
        namespace: 'kube-system',
        labels: { 'app.kubernetes.io/managed-by': 'vpsie-autoscaler', 'autoscaler.vpsie.com/nodegroup': options.nodeGroup },
      },
      stringData: {
        description: `vpsie-autoscaler: join token for ${options.hostname}`,
        'token-id': id,
        'token-secret': secret,
        expiration: formatTime(expiresAtMs),
        'usage-bootstrap-authentication': 'true',
        'usage-bootstrap-signing': 'true',
        'auth-extra-groups': 'system:bootstrappers:kubeadm:default-node-token',
      },
    },
  });
  return { id, secret, token: `${id}.${secret}`, expiresAtMs };
}
