import { describe, expect, it } from 'vitest';
import type { Offering } from '../shared/snapshot.ts';
import { estimateMonthlyCost, LaunchedOfferings } from './cost-estimate.ts';

const offering = (identifier: string, nickname: string, priceMonthly: number): Offering => ({ identifier, nickname, datacenterID: 'dc', cpu: 1, ramMiB: 1024, ssdGiB: 20, priceMonthly });

describe('estimateMonthlyCost', () => {
  const offerings = [offering('off-small', 'small', 10), offering('off-big', 'big', 80)];
  const labels: Record<string, Record<string, string>> = { 'c1-b': { 'node.kubernetes.io/instance-type': 'small' } };
  const launched = new LaunchedOfferings();
  launched.remember('c1-a', 'off-big');

  it('prices by launch, then instance-type label, else the dearest offering; gone VMs are free', () => {
    const vms = [
      { hostname: 'c1-a', state: 'running' as const },
      { hostname: 'c1-b', state: 'running' as const },
      { hostname: 'c1-c', state: 'pending' as const },
      { hostname: 'c1-d', state: 'gone' as const },
    ];
    expect(estimateMonthlyCost({ vms, offerings, node: (n) => (labels[n] ? { labels: labels[n]! } : undefined), launchedOffering: (h) => launched.get(h) })).toBe(80 + 10 + 80);
  });

  it('has no estimate before VPSie was listed', () => {
    expect(estimateMonthlyCost({ vms: null, offerings, node: () => undefined, launchedOffering: () => undefined })).toBeUndefined();
  });
});
