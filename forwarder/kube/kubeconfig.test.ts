import { mkdtempSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { kubeconfigFiles, mergeKubeconfigs, readKubeconfigs } from './kubeconfig.ts';

// kubectl's rules for several kubeconfig files (client-go clientcmd): first file wins per name,
// current-context from the first that sets one, relative paths relative to their own file.

const cluster = (name: string, server: string, extra: Record<string, unknown> = {}) => ({ name, cluster: { server, ...extra } });
const user = (name: string, body: Record<string, unknown>) => ({ name, user: body });
const context = (name: string, clusterName: string, userName: string) => ({ name, context: { cluster: clusterName, user: userName } });

describe('kubeconfigFiles', () => {
  it('reads --kubeconfig alone, else every $KUBECONFIG entry in order (empty and repeated ones dropped), else ~/.kube/config', () => {
    expect(kubeconfigFiles('/a', { KUBECONFIG: '/b:/c' })).toEqual(['/a']);
    expect(kubeconfigFiles(undefined, { KUBECONFIG: '/b::/c:/b' })).toEqual(['/b', '/c']);
    expect(kubeconfigFiles(undefined, {})).toEqual([join(homedir(), '.kube', 'config')]);
    expect(kubeconfigFiles(undefined, { KUBECONFIG: '' })).toEqual([join(homedir(), '.kube', 'config')]);
  });
});

describe('mergeKubeconfigs', () => {
  it('keeps the first definition of each cluster, user and context name, and the first current-context', () => {
    const merged = mergeKubeconfigs([
      { file: '/one/config', doc: { clusters: [cluster('prod', 'https://first')], users: [user('admin', { token: 'first' })], contexts: [context('c1', 'prod', 'admin')] } },
      { file: '/two/config', doc: { 'current-context': 'c2', clusters: [cluster('prod', 'https://second'), cluster('dev', 'https://dev')], users: [user('admin', { token: 'second' })], contexts: [context('c2', 'dev', 'admin')] } },
      { file: '/three/config', doc: { 'current-context': 'c1', contexts: [context('c2', 'prod', 'nobody')] } },
    ]);
    expect(merged['current-context']).toBe('c2');
    expect(merged.clusters).toEqual([cluster('prod', 'https://first'), cluster('dev', 'https://dev')]);
    expect(merged.users).toEqual([user('admin', { token: 'first' })]);
    expect(merged.contexts).toEqual([context('c1', 'prod', 'admin'), context('c2', 'dev', 'admin')]);
  });

  it('makes relative paths absolute against the file that holds them', () => {
    const merged = mergeKubeconfigs([
      { file: '/one/config', doc: { clusters: [cluster('a', 'https://a', { 'certificate-authority': 'ca.crt' })], users: [user('u', { 'client-certificate': 'certs/u.crt', 'client-key': '/abs/u.key', tokenFile: '../token' })] } },
      { file: '/two/sub/config', doc: { users: [user('e', { exec: { command: './bin/login', args: ['x'] } }), user('p', { exec: { command: 'gcloud' } })] } },
    ]);
    expect(merged.clusters[0]!.cluster).toEqual({ server: 'https://a', 'certificate-authority': '/one/ca.crt' });
    expect(merged.users[0]!.user).toEqual({ 'client-certificate': '/one/certs/u.crt', 'client-key': '/abs/u.key', tokenFile: '/token' });
    expect(merged.users[1]!.user).toEqual({ exec: { command: '/two/sub/bin/login', args: ['x'] } });
    expect(merged.users[2]!.user).toEqual({ exec: { command: 'gcloud' } }); // looked up on PATH, as kubectl does
  });

  it('reads an empty file as an empty config and ignores entries without a name', () => {
    const merged = mergeKubeconfigs([{ file: '/e', doc: null }, { file: '/f', doc: { clusters: [{ cluster: { server: 'x' } }, 'junk'] } }]);
    expect(merged).toEqual({ contexts: [], clusters: [], users: [] });
  });
});

describe('readKubeconfigs', () => {
  it('skips files that do not exist and says which were read; none: undefined', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kubeconfig-'));
    writeFileSync(join(dir, 'b'), stringify({ 'current-context': 'b', contexts: [context('b', 'k', 'u')] }));
    const read = readKubeconfigs([join(dir, 'a'), join(dir, 'b')]);
    expect(read?.files).toEqual([join(dir, 'b')]);
    expect(read?.doc['current-context']).toBe('b');
    expect(readKubeconfigs([join(dir, 'a')])).toBeUndefined();
  });
});
