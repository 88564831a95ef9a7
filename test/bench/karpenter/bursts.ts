import type { PodClass } from './optimum.ts';

// The bursts both systems get, each as one Deployment per pod class, all created at once (t = 0):
//   issue-22:  the burst of issue #22 — 150 × 250m/256Mi, 90 × 1 CPU/1Gi, 60 × 250m/3Gi (300 pods);
//   memory:    memory-heavy — 60 × 500m/6Gi, 40 × 250m/3Gi, 20 × 1 CPU/2Gi (120 pods, 500 GiB for 60 CPU);
//   identical: many identical pods — 400 × 250m/512Mi.
// Pods are pause containers without selectors, affinity or spread, so a single NodeGroup (ours) and a
// single NodePool (Karpenter's) may take every one.

export interface BurstClass extends PodClass { name: string }
export interface Burst { name: string; classes: BurstClass[] }

const MIB = 1;
const GIB = 1024 * MIB;

export const BURSTS: Burst[] = [
  {
    name: 'issue-22',
    classes: [
      { name: 'small', cpuMillis: 250, memoryMiB: 256 * MIB, count: 150 },
      { name: 'cpu', cpuMillis: 1000, memoryMiB: 1 * GIB, count: 90 },
      { name: 'mem', cpuMillis: 250, memoryMiB: 3 * GIB, count: 60 },
    ],
  },
  {
    name: 'memory',
    classes: [
      { name: 'big-mem', cpuMillis: 500, memoryMiB: 6 * GIB, count: 60 },
      { name: 'mem', cpuMillis: 250, memoryMiB: 3 * GIB, count: 40 },
      { name: 'cpu', cpuMillis: 1000, memoryMiB: 2 * GIB, count: 20 },
    ],
  },
  { name: 'identical', classes: [{ name: 'web', cpuMillis: 250, memoryMiB: 512 * MIB, count: 400 }] },
];

export function podCount(burst: Burst): number {
  return burst.classes.reduce((n, c) => n + c.count, 0);
}

export function burstDeployments(burst: Burst, namespace: string) {
  return burst.classes.map((c) => ({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: `${burst.name}-${c.name}`, namespace, labels: { bench: burst.name } },
    spec: {
      replicas: c.count,
      selector: { matchLabels: { app: `${burst.name}-${c.name}` } },
      template: {
        metadata: { labels: { app: `${burst.name}-${c.name}`, bench: burst.name } },
        spec: {
          terminationGracePeriodSeconds: 1,
          containers: [{ name: 'main', image: 'registry.k8s.io/pause:3.10', resources: { requests: { cpu: `${c.cpuMillis}m`, memory: `${c.memoryMiB}Mi` } } }],
        },
      },
    },
  }));
}
