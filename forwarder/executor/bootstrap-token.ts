import { randomInt } from 'node:crypto';
import { formatTime } from '../kube/micro-time.ts';
import { CLUSTER_LABEL, NODEGROUP_LABEL } from '../../shared/labels.ts';
import { KubeApiError, type KubeHttp } from '../kube/kube-http.ts';

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

export async function createBootstrapToken(kube: KubeHttp, options: { nowMs: number; ttlMs: number; hostname: string; nodeGroup: string; clusterId: string }): Promise<BootstrapToken> {
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
        labels: { 'app.kubernetes.io/managed-by': 'vpsie-autoscaler', [NODEGROUP_LABEL]: options.nodeGroup, [CLUSTER_LABEL]: options.clusterId },
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

/** Deletes a join token nobody will use (its launch was refused); gone already is fine. */
export async function deleteBootstrapToken(kube: KubeHttp, id: string): Promise<void> {
  try {
    await kube.request({ method: 'DELETE', path: `/api/v1/namespaces/kube-system/secrets/bootstrap-token-${encodeURIComponent(id)}` });
  } catch (error) {
    if (!(error instanceof KubeApiError && error.status === 404)) throw error;
  }
}
