import { describe, expect, it } from 'vitest';
import { dsPod, mirrorPod, pdb, snapPod, type SnapPodOptions } from '../../test/fixtures/snapshot-builders.ts';
import { podDisposition } from './pod-rules.ts';

// Ported from Cluster Autoscaler's drainability rule tests (simulator/drainability/rules/*/rule_test.go)
// and Karpenter's do-not-disrupt cases: one case per rule, plus the interactions between rules.

function disposition(o: SnapPodOptions, pdbs = [pdb({ name: 'none', namespace: 'other', disruptionsAllowed: 1 })]) {
  const { pod, shape } = snapPod({ node: 'n1', ...o });
  return podDisposition({ ...pod, shape: 0 }, shape, pdbs);
}

describe('pod dispositions for node removal', () => {
  it('a replicated pod is evictable', () => {
    expect(disposition({ name: 'web' })).toEqual({ kind: 'evict' });
  });

  it('a pod without a controller blocks (CA replicated rule)', () => {
    expect(disposition({ name: 'bare', owner: null })).toMatchObject({ kind: 'block', reason: 'not-replicated' });
  });

  it('safe-to-evict "true" unblocks a pod without a controller', () => {
    expect(disposition({ name: 'bare', owner: null, annotations: { 'cluster-autoscaler.kubernetes.io/safe-to-evict': 'true' } })).toEqual({ kind: 'evict' });
  });

  it('safe-to-evict "false" blocks a replicated pod', () => {
    expect(disposition({ name: 'web', annotations: { 'cluster-autoscaler.kubernetes.io/safe-to-evict': 'false' } })).toMatchObject({ kind: 'block', reason: 'not-safe-to-evict' });
  });

  it('karpenter.sh/do-not-disrupt "true" blocks, even with safe-to-evict "true"', () => {
    expect(disposition({ name: 'web', annotations: { 'karpenter.sh/do-not-disrupt': 'true' } })).toMatchObject({ kind: 'block', reason: 'do-not-disrupt' });
    expect(disposition({ name: 'web', annotations: { 'karpenter.sh/do-not-disrupt': 'true', 'cluster-autoscaler.kubernetes.io/safe-to-evict': 'true' } }))
      .toMatchObject({ kind: 'block', reason: 'do-not-disrupt' });
  });

  it('do-not-disrupt "false" does not block', () => {
    expect(disposition({ name: 'web', annotations: { 'karpenter.sh/do-not-disrupt': 'false' } })).toEqual({ kind: 'evict' });
  });

  it('a kube-system pod without a PDB blocks; with one it is evictable (CA system rule)', () => {
    expect(disposition({ name: 'dns', namespace: 'kube-system', labels: { k8s: 'dns' } })).toMatchObject({ kind: 'block', reason: 'kube-system-without-pdb' });
    expect(disposition({ name: 'dns', namespace: 'kube-system', labels: { k8s: 'dns' } }, [pdb({ name: 'dns', namespace: 'kube-system', matchLabels: { k8s: 'dns' }, disruptionsAllowed: 1 })]))
      .toEqual({ kind: 'evict' });
  });

  it('a PDB in another namespace or with another selector does not cover a kube-system pod', () => {
    expect(disposition({ name: 'dns', namespace: 'kube-system', labels: { k8s: 'dns' } }, [pdb({ name: 'x', namespace: 'default', matchLabels: { k8s: 'dns' }, disruptionsAllowed: 1 }), pdb({ name: 'y', namespace: 'kube-system', matchLabels: { k8s: 'other' }, disruptionsAllowed: 1 })]))
      .toMatchObject({ kind: 'block', reason: 'kube-system-without-pdb' });
  });

  it('safe-to-evict "true" unblocks a kube-system pod without a PDB', () => {
    expect(disposition({ name: 'dns', namespace: 'kube-system', annotations: { 'cluster-autoscaler.kubernetes.io/safe-to-evict': 'true' } })).toEqual({ kind: 'evict' });
  });

  it('local storage (emptyDir on disk, hostPath) blocks (CA localstorage rule)', () => {
    expect(disposition({ name: 'cache', localVolumes: ['scratch'] })).toMatchObject({ kind: 'block', reason: 'local-storage' });
  });

  it('safe-to-evict-local-volumes naming every local volume unblocks; naming only some does not', () => {
    expect(disposition({ name: 'cache', localVolumes: ['a', 'b'], annotations: { 'cluster-autoscaler.kubernetes.io/safe-to-evict-local-volumes': 'a, b' } })).toEqual({ kind: 'evict' });
    const partial = disposition({ name: 'cache', localVolumes: ['a', 'b'], annotations: { 'cluster-autoscaler.kubernetes.io/safe-to-evict-local-volumes': 'a' } });
    expect(partial).toMatchObject({ kind: 'block', reason: 'local-storage' });
    expect(partial.kind === 'block' && partial.message).toContain('volume b');
  });

  it('safe-to-evict "true" unblocks local storage', () => {
    expect(disposition({ name: 'cache', localVolumes: ['scratch'], annotations: { 'cluster-autoscaler.kubernetes.io/safe-to-evict': 'true' } })).toEqual({ kind: 'evict' });
  });

  it('DaemonSet pods are ignored, even without a PDB in kube-system or with local storage', () => {
    const { pod, shape } = dsPod({ name: 'cni', namespace: 'kube-system', node: 'n1', localVolumes: ['host'] });
    expect(podDisposition({ ...pod, shape: 0 }, shape, [])).toEqual({ kind: 'ignore', why: 'daemonset' });
  });

  it('mirror (static) pods are ignored', () => {
    const { pod, shape } = mirrorPod({ name: 'kube-proxy', node: 'n1' });
    expect(podDisposition({ ...pod, shape: 0 }, shape, [])).toEqual({ kind: 'ignore', why: 'mirror' });
  });

  it('finished pods are ignored, even without a controller (CA terminal rule)', () => {
    expect(disposition({ name: 'job', owner: null, phase: 'Succeeded' })).toEqual({ kind: 'ignore', why: 'finished' });
    expect(disposition({ name: 'job', owner: null, phase: 'Failed' })).toEqual({ kind: 'ignore', why: 'finished' });
  });

  it('terminating pods are ignored (they are leaving anyway)', () => {
    expect(disposition({ name: 'web', owner: null, terminating: true })).toEqual({ kind: 'ignore', why: 'terminating' });
  });
});
