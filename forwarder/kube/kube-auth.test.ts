import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { loadKubeAuth } from './kube-auth.ts';

function kubeconfig(user: Record<string, unknown>, cluster: Record<string, unknown> = {}): string {
  const dir = mkdtempSync(join(tmpdir(), 'kube-auth-'));
  writeFileSync(join(dir, 'ca.crt'), 'CA PEM');
  writeFileSync(join(dir, 'token'), 'file-token\n');
  const path = join(dir, 'config');
  writeFileSync(path, stringify({
    apiVersion: 'v1', kind: 'Config', 'current-context': 'c',
    contexts: [{ name: 'c', context: { cluster: 'k', user: 'u' } }, { name: 'other', context: { cluster: 'x', user: 'x' } }],
    clusters: [{ name: 'k', cluster: { server: 'https://10.0.0.1:6443/', 'certificate-authority': 'ca.crt', ...cluster } }],
    users: [{ name: 'u', user }],
  }));
  return path;
}

describe('loadKubeAuth', () => {
  it('reads a token user, with the CA file relative to the kubeconfig', async () => {
    const auth = await loadKubeAuth(kubeconfig({ token: 'abc' }), {});
    expect(auth.server).toBe('https://10.0.0.1:6443');
    expect(auth.tls.ca?.toString()).toBe('CA PEM');
    expect(auth.caPem).toBe('CA PEM');
    expect(await auth.headers()).toEqual({ Authorization: 'Bearer abc' });
  });

  it('reads a token file, client certificates and insecure-skip-tls-verify', async () => {
    const cert = Buffer.from('CERT').toString('base64');
    const auth = await loadKubeAuth(kubeconfig({ tokenFile: 'token', 'client-certificate-data': cert, 'client-key-data': cert }, { 'insecure-skip-tls-verify': true }), {});
    expect(await auth.headers()).toEqual({ Authorization: 'Bearer file-token' });
    expect(auth.tls.cert?.toString()).toBe('CERT');
    expect(auth.tls.rejectUnauthorized).toBe(false);
  });

  it('hands kubeconfigs with exec plugins to client-node', async () => {
    const credential = JSON.stringify({ apiVersion: 'client.authentication.k8s.io/v1', kind: 'ExecCredential', status: { token: 'exec-token' } });
    const auth = await loadKubeAuth(kubeconfig({ exec: { apiVersion: 'client.authentication.k8s.io/v1', command: 'sh', args: ['-c', `echo '${credential}'`] } }), {});
    expect(auth.describe).toBe('client-node KubeConfig');
    expect(auth.server).toBe('https://10.0.0.1:6443');
    expect(await auth.headers()).toMatchObject({ Authorization: 'Bearer exec-token' });
  });

  it('says where it looked when there is no kubeconfig', async () => {
    await expect(loadKubeAuth('/nonexistent/config', {})).rejects.toThrow(/no kubeconfig at \/nonexistent\/config/);
  });
});
