import { describe, expect, it } from 'vitest';
import { shape } from '../../../test/fixtures/planning-builders.ts';
import type { PodShape } from '../../../shared/snapshot.ts';
import { ClusterModel } from './cluster-model.ts';
import { fits } from './predicates.ts';
import type { SimNode, SimPod } from './types.ts';

const GI = 1024 ** 3;
let seq = 0;
function pod(s: PodShape, namespace = 'default'): SimPod {
  return { key: `${namespace}/p${seq++}`, namespace, shape: s, shapeIndex: -1 };
}
function addNode(model: ClusterModel, name: string, o: { cpu?: number; memGi?: number; pods?: number; labels?: Record<string, string>; taints?: SimNode['taints'] } = {}): SimNode {
  return model.addNode({
    name,
    labels: { 'kubernetes.io/hostname': name, ...o.labels },
    taints: o.taints ?? [],
    allocatable: { cpuMillis: (o.cpu ?? 4) * 1000, memoryBytes: (o.memGi ?? 8) * GI, ephemeralBytes: 10 * GI, pods: o.pods ?? 110 },
    kind: 'existing',
  });
}

describe('fits', () => {
  it('checks cpu, memory, ephemeral storage and the pod count', () => {
    const model = new ClusterModel();
    const node = addNode(model, 'n1', { cpu: 2, memGi: 2, pods: 2 });
    expect(fits(model, node, pod(shape({ cpu: '2', memory: '2Gi' })))).toBeUndefined();
    expect(fits(model, node, pod(shape({ cpu: '2001m' })))?.reason).toBe('insufficient-cpu');
    expect(fits(model, node, pod(shape({ memory: '3Gi' })))?.reason).toBe('insufficient-memory');
    expect(fits(model, node, pod(shape({ ephemeral: '11Gi' })))?.reason).toBe('insufficient-ephemeral-storage');
    model.bind(pod(shape({ cpu: '1' })), node);
    model.bind(pod(shape({ cpu: '0' })), node);
    expect(fits(model, node, pod(shape({})))?.reason).toBe('too-many-pods');
  });

  it('honours nodeSelector, node affinity and taints', () => {
    const model = new ClusterModel();
    const node = addNode(model, 'n1', { labels: { disk: 'ssd' }, taints: [{ key: 'gpu', effect: 'NoSchedule' }, { key: 'soft', effect: 'PreferNoSchedule' }] });
    const tolerant = [{ key: 'gpu', operator: 'Exists' as const }];
    expect(fits(model, node, pod(shape({ nodeSelector: { disk: 'ssd' }, tolerations: tolerant })))).toBeUndefined();
    expect(fits(model, node, pod(shape({ nodeSelector: { disk: 'hdd' }, tolerations: tolerant })))?.reason).toBe('node-selector');
    expect(fits(model, node, pod(shape({ tolerations: tolerant, nodeAffinity: [{ matchExpressions: [{ key: 'disk', operator: 'NotIn', values: ['ssd'] }] }] })))?.reason).toBe('node-affinity');
    expect(fits(model, node, pod(shape({})))?.reason).toBe('taint');
  });

  it('refuses a conflicting host port, wildcard IPs included', () => {
    const model = new ClusterModel();
    const node = addNode(model, 'n1');
    model.bind(pod(shape({ hostPorts: [{ port: 80, protocol: 'TCP', hostIP: '10.0.0.1' }] })), node);
    expect(fits(model, node, pod(shape({ hostPorts: [{ port: 80, protocol: 'TCP' }] })))?.reason).toBe('host-port');
    expect(fits(model, node, pod(shape({ hostPorts: [{ port: 80, protocol: 'TCP', hostIP: '10.0.0.2' }] })))).toBeUndefined();
    expect(fits(model, node, pod(shape({ hostPorts: [{ port: 80, protocol: 'UDP' }] })))).toBeUndefined();
  });

  it('applies required anti-affinity in both directions, per namespace', () => {
    const model = new ClusterModel();
    const n1 = addNode(model, 'n1');
    const n2 = addNode(model, 'n2');
    const web = shape({ labels: { app: 'web' }, podAntiAffinity: [{ topologyKey: 'kubernetes.io/hostname', labelSelector: { matchLabels: { app: 'web' } } }] });
    model.bind(pod(web), n1);
    expect(fits(model, n1, pod(web))?.reason).toBe('pod-anti-affinity');
    expect(fits(model, n2, pod(web))).toBeUndefined();
    // A plain pod labelled app=web is kept out by the bound pod's term (symmetry).
    expect(fits(model, n1, pod(shape({ labels: { app: 'web' } })))?.reason).toBe('pod-anti-affinity');
    // Another namespace is not covered by a term without namespaces.
    expect(fits(model, n1, pod(shape({ labels: { app: 'web' } }), 'other'))).toBeUndefined();
  });

  it('applies anti-affinity on a zone key across the domain', () => {
    const model = new ClusterModel();
    const a1 = addNode(model, 'a1', { labels: { zone: 'a' } });
    const a2 = addNode(model, 'a2', { labels: { zone: 'a' } });
    const b1 = addNode(model, 'b1', { labels: { zone: 'b' } });
    const db = shape({ labels: { app: 'db' }, podAntiAffinity: [{ topologyKey: 'zone', labelSelector: { matchLabels: { app: 'db' } } }] });
    model.bind(pod(db), a1);
    expect(fits(model, a2, pod(db))?.reason).toBe('pod-anti-affinity');
    expect(fits(model, b1, pod(db))).toBeUndefined();
  });

  it('requires pod affinity, letting the first pod of a self-affine group in', () => {
    const model = new ClusterModel();
    const n1 = addNode(model, 'n1');
    const n2 = addNode(model, 'n2');
    const cache = shape({ labels: { app: 'cache' }, podAffinity: [{ topologyKey: 'kubernetes.io/hostname', labelSelector: { matchLabels: { app: 'cache' } } }] });
    const follower = shape({ podAffinity: [{ topologyKey: 'kubernetes.io/hostname', labelSelector: { matchLabels: { app: 'cache' } } }] });
    expect(fits(model, n1, pod(follower))?.reason).toBe('pod-affinity');
    expect(fits(model, n2, pod(cache))).toBeUndefined();
    model.bind(pod(cache), n2);
    expect(fits(model, n1, pod(cache))?.reason).toBe('pod-affinity');
    expect(fits(model, n2, pod(follower))).toBeUndefined();
  });

  it('enforces hostname topology spread with DoNotSchedule only', () => {
    const model = new ClusterModel();
    const n1 = addNode(model, 'n1');
    const n2 = addNode(model, 'n2');
    const spread = (when: 'DoNotSchedule' | 'ScheduleAnyway') => shape({
      labels: { app: 's' },
      topologySpread: [{ maxSkew: 1, topologyKey: 'kubernetes.io/hostname', whenUnsatisfiable: when, labelSelector: { matchLabels: { app: 's' } } }],
    });
    const strict = spread('DoNotSchedule');
    model.bind(pod(strict), n1);
    expect(fits(model, n1, pod(strict))?.reason).toBe('topology-spread');
    expect(fits(model, n2, pod(strict))).toBeUndefined();
    expect(fits(model, n1, pod(spread('ScheduleAnyway')))).toBeUndefined();
    model.bind(pod(strict), n2);
    expect(fits(model, n1, pod(strict))).toBeUndefined();
  });

  it('ignores spread domains the pod cannot use (node affinity honoured)', () => {
    const model = new ClusterModel();
    const n1 = addNode(model, 'n1', { labels: { pool: 'x' } });
    addNode(model, 'n2', { labels: { pool: 'y' } });
    const s = shape({
      labels: { app: 's' },
      nodeSelector: { pool: 'x' },
      topologySpread: [{ maxSkew: 1, topologyKey: 'kubernetes.io/hostname', whenUnsatisfiable: 'DoNotSchedule', labelSelector: { matchLabels: { app: 's' } } }],
    });
    model.bind(pod(s), n1);
    // n2 is not eligible, so the minimum is n1's own count and stacking on n1 is allowed.
    expect(fits(model, n1, pod(s))).toBeUndefined();
  });

  it('rolls back binds and node changes to the exact earlier state', () => {
    const model = new ClusterModel();
    const n1 = addNode(model, 'n1', { cpu: 2 });
    const mark = model.checkpoint();
    const p = pod(shape({ cpu: '2' }));
    model.bind(p, n1);
    addNode(model, 'n2');
    model.removeNode('n1');
    expect(model.nodes.map((n) => n.name)).toEqual(['n2']);
    model.rollback(mark);
    expect(model.nodes.map((n) => n.name)).toEqual(['n1']);
    expect(model.node('n1')!.requested.cpuMillis).toBe(0);
    expect(fits(model, model.node('n1')!, p)).toBeUndefined();
  });
});

describe('ClusterModel spread counts', () => {
  it('stay exact through node removal, rollback and binds in other namespaces', () => {
    const model = new ClusterModel();
    const n1 = addNode(model, 'n1');
    addNode(model, 'n2');
    const s = shape({ labels: { app: 's' }, topologySpread: [{ maxSkew: 1, topologyKey: 'kubernetes.io/hostname', whenUnsatisfiable: 'DoNotSchedule', labelSelector: { matchLabels: { app: 's' } } }] });
    const probe = pod(s, 'team');
    // Matching pods per eligible domain (a domain with none counts 0).
    const perDomain = () => {
      const { counts, domains } = model.spreadCounts(probe, 0);
      return [...domains.keys()].sort().map((domain) => [domain, counts.get(domain) ?? 0]);
    };
    expect(model.spreadCounts(probe, 0).min).toBe(0);
    model.bind(pod(s, 'team'), n1);
    model.bind(pod(s, 'other'), model.node('n2')!);
    expect(perDomain()).toEqual([['n1', 1], ['n2', 0]]);
    const mark = model.checkpoint();
    model.removeNode('n2');
    expect(model.spreadCounts(probe, 0).min).toBe(1);
    model.removeNode('n1');
    expect(perDomain()).toEqual([]);
    model.rollback(mark);
    expect(perDomain()).toEqual([['n1', 1], ['n2', 0]]);
    expect(fits(model, n1, pod(s, 'team'))?.reason).toBe('topology-spread');
  });
});

describe('ClusterModel spread minimum', () => {
  const zoneSpread = (app: string, nodeSelector: Record<string, string> = {}) => shape({
    labels: { app }, nodeSelector,
    topologySpread: [{ maxSkew: 1, topologyKey: 'zone', whenUnsatisfiable: 'DoNotSchedule', labelSelector: { matchLabels: { app } } }],
  });

  it('follows binds, unbinds and nodes leaving, per constraint, over the eligible domains only', () => {
    const model = new ClusterModel();
    const a = addNode(model, 'a', { labels: { zone: 'z1', disk: 'ssd' } });
    const b = addNode(model, 'b', { labels: { zone: 'z2', disk: 'ssd' } });
    const c = addNode(model, 'c', { labels: { zone: 'z3' } }); // not eligible for the ssd shapes
    const web = zoneSpread('web', { disk: 'ssd' });
    const api = zoneSpread('api', { disk: 'ssd' }); // same node constraints: shares web's domains
    const min = (s: PodShape) => model.spreadCounts(pod(s, 'team'), 0).min;
    expect(min(web)).toBe(0);
    model.bind(pod(web, 'team'), a);
    model.bind(pod(web, 'team'), c); // on a node outside web's domains: counts nowhere
    expect(min(web)).toBe(0);
    model.bind(pod(web, 'team'), b);
    expect(min(web)).toBe(1);
    expect(min(api)).toBe(0);
    model.bind(pod(web, 'team'), a);
    model.bind(pod(web, 'team'), b);
    expect(min(web)).toBe(2);
    const mark = model.checkpoint();
    model.unbind(b.pods[0]!, b);
    expect(min(web)).toBe(1);
    model.removeNode('b'); // z2 goes with its only node: z1 (2 pods) is the only domain left
    expect(min(web)).toBe(2);
    expect(model.spreadCounts(pod(web, 'team'), 0).domains.has('z2')).toBe(false);
    model.rollback(mark);
    expect(min(web)).toBe(2);
    expect(min(api)).toBe(0);
    model.bind(pod(web, 'other'), a); // another namespace: not counted
    expect(model.spreadCounts(pod(web, 'team'), 0).counts.get('z1')).toBe(2);
  });
});
