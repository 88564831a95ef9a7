import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { FakeClock } from '../../test/forwarder/fake-clock.ts';
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

  it('merges every $KUBECONFIG file as kubectl does: current-context from the first that sets it, first definition wins', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kube-auth-multi-'));
    mkdirSync(join(dir, 'b'));
    writeFileSync(join(dir, 'b', 'ca.crt'), 'CA OF B');
    writeFileSync(join(dir, 'a'), stringify({ users: [{ name: 'u', user: { token: 'from-a' } }], clusters: [{ name: 'k', cluster: { server: 'https://a:6443' } }] }));
    writeFileSync(join(dir, 'b', 'config'), stringify({
      'current-context': 'c',
      contexts: [{ name: 'c', context: { cluster: 'k2', user: 'u' } }],
      clusters: [{ name: 'k', cluster: { server: 'https://ignored:6443' } }, { name: 'k2', cluster: { server: 'https://b:6443', 'certificate-authority': 'ca.crt' } }],
      users: [{ name: 'u', user: { token: 'from-b' } }],
    }));
    const auth = await loadKubeAuth(undefined, { KUBECONFIG: [join(dir, 'missing'), join(dir, 'a'), join(dir, 'b', 'config')].join(':') });
    expect(auth.server).toBe('https://b:6443');
    expect(await auth.headers()).toEqual({ Authorization: 'Bearer from-a' });
    expect(auth.caPem).toBe('CA OF B'); // relative to b/config, not to a
    expect(auth.describe).toBe(`kubeconfig ${join(dir, 'a')}, ${join(dir, 'b', 'config')}`);
  });

  it('prefers $KUBECONFIG to the pod\'s service account, and uses the service account without one', async () => {
    const sa = mkdtempSync(join(tmpdir(), 'kube-auth-sa-'));
    writeFileSync(join(sa, 'token'), 'sa-token');
    writeFileSync(join(sa, 'ca.crt'), 'SA CA');
    const pod = { KUBERNETES_SERVICE_HOST: '10.96.0.1', KUBERNETES_SERVICE_PORT: '443' };
    expect((await loadKubeAuth(undefined, pod, { serviceAccountDir: sa })).describe).toBe('in-cluster service account');
    const file = kubeconfig({ token: 'abc' });
    expect((await loadKubeAuth(undefined, { ...pod, KUBECONFIG: file }, { serviceAccountDir: sa })).describe).toBe(`kubeconfig ${file}`);
  });

  it('reads a rotating token file again after a minute on its clock, not before', async () => {
    const clock = new FakeClock();
    const path = kubeconfig({ tokenFile: 'token' });
    const auth = await loadKubeAuth(path, {}, { clock });
    expect(await auth.headers()).toEqual({ Authorization: 'Bearer file-token' });
    writeFileSync(join(path, '..', 'token'), 'rotated-token\n');
    clock.advance(59_000);
    expect(await auth.headers()).toEqual({ Authorization: 'Bearer file-token' });
    clock.advance(2_000);
    expect(await auth.headers()).toEqual({ Authorization: 'Bearer rotated-token' });
  });

  it('says where it looked when there is no kubeconfig', async () => {
    await expect(loadKubeAuth('/nonexistent/config', {})).rejects.toThrow(/no kubeconfig at \/nonexistent\/config/);
  });
});
