import { describe, expect, it } from 'vitest';
import { CompactError } from '../errors.ts';
import { GIB, MIB } from '../quantity.ts';
import type { KubeContainer } from './kube-types.ts';
import { effectiveRequests } from './pod-requests.ts';

const c = (cpu: string, memory = '0', restartPolicy?: string): KubeContainer => ({
  name: 'c',
  resources: { requests: { cpu, memory } },
  ...(restartPolicy ? { restartPolicy } : {}),
});

describe('effectiveRequests', () => {
  it('sums regular containers', () => {
    expect(effectiveRequests({ containers: [c('100m', '64Mi'), c('250m', '1Gi')] }, 'pod x')).toEqual({
      cpuMillis: 350, memoryBytes: 64 * MIB + GIB, ephemeralBytes: 0,
    });
  });

  it('takes the largest init container when it exceeds the containers', () => {
    expect(effectiveRequests({ containers: [c('100m')], initContainers: [c('2'), c('500m')] }, 'pod x').cpuMillis).toBe(2000);
  });

  it('compares per resource: cpu from init, memory from containers', () => {
    const r = effectiveRequests({ containers: [c('100m', '2Gi')], initContainers: [c('1', '1Gi')] }, 'pod x');
    expect(r).toMatchObject({ cpuMillis: 1000, memoryBytes: 2 * GIB });
  });

  // The examples of KEP-753 (sidecar containers) / the Kubernetes docs on resource sharing.
  it('adds sidecars to the containers and to init containers that start after them', () => {
    const spec = {
      initContainers: [c('100m', '0', 'Always'), c('1'), c('200m', '0', 'Always')],
      containers: [c('300m')],
    };
    // regular = 300 + 100 + 200 = 600; init = max(100, 1000 + 100, 100 + 200) = 1100
    expect(effectiveRequests(spec, 'pod x').cpuMillis).toBe(1100);
  });

  it('a sidecar started after a big init container does not add to it', () => {
    const spec = { initContainers: [c('1'), c('500m', '0', 'Always')], containers: [c('100m')] };
    // regular = 100 + 500 = 600; init = max(1000 + 0, 500) = 1000
    expect(effectiveRequests(spec, 'pod x').cpuMillis).toBe(1000);
  });

  it('uses limits as requests when only limits are set, and adds pod overhead', () => {
    const spec = {
      containers: [{ resources: { limits: { cpu: '1', memory: '1Gi' }, requests: { memory: '512Mi' } } }],
      overhead: { cpu: '250m', memory: '120Mi' },
    };
    expect(effectiveRequests(spec, 'pod x')).toEqual({ cpuMillis: 1250, memoryBytes: 512 * MIB + 120 * MIB, ephemeralBytes: 0 });
  });

  it('reads ephemeral-storage', () => {
    expect(effectiveRequests({ containers: [{ resources: { requests: { 'ephemeral-storage': '2Gi' } } }] }, 'pod x').ephemeralBytes).toBe(2 * GIB);
  });

  it('names the pod and the field of an unparsable quantity', () => {
    expect(() => effectiveRequests({ containers: [c('1'), c('lots')] }, 'pod default/web-1'))
      .toThrow(/pod default\/web-1: spec\.containers\[1\]\.resources\.requests\.cpu/);
    expect(() => effectiveRequests({ containers: [c('lots')] }, 'pod x')).toThrow(CompactError);
  });
});
