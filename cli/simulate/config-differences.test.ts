import { describe, expect, it } from 'vitest';
import { configDifferences } from './config-differences.ts';

const spec = { minNodes: 1, maxNodes: 10, datacenterID: 'dc-1', osImageID: 'os-1', offeringIDs: ['small-2c4g'] };

describe('NodeGroup settings that are not the defaults', () => {
  it('none for a spec that sets none (the example traces), each changed field with its default otherwise', () => {
    expect(configDifferences([{ namespace: 'default', name: 'workers', spec }])).toEqual([]);
    expect(configDifferences([{ namespace: 'default', name: 'workers', spec: { ...spec, scaleDownPolicy: { stabilizationWindowSeconds: 300 }, disruption: { minNodeAgeSeconds: 3600 } } }])).toEqual([
      'default/workers: scaleDownPolicy.stabilizationWindowSeconds=300 (default 600)',
      'default/workers: disruption.minNodeAgeSeconds=3600 (default 1296000)',
    ]);
  });
});
