import { describe, expect, it } from 'vitest';
import { INSTANCE_TYPE_LABEL, OFFERING_LABEL } from '../../../shared/labels.ts';
import { parseNodeGroupSpec } from '../../../shared/nodegroup.ts';
import { buildSnapshot, offering, testNode } from '../../../test/fixtures/planning-builders.ts';
import { groupUsage, limitBreach, limitValues, nodesWithinLimits } from './limits.ts';

const GI = 2 ** 30;
const spec = parseNodeGroupSpec({ maxNodes: 10, datacenterID: 'dc1', offeringIDs: ['s', 'l'], osImageID: 'os', limits: { cpu: '10', memory: '20Gi', monthlyCost: 50 } }, 'default/g');
const group = { key: 'default/g', namespace: 'default', name: 'g', spec };
const offerings = [offering('s', 2, 2048, 10, { nickname: 'S-2C' }), offering('l', 4, 8192, 30, { nickname: 'L-4C' })];

describe('group limits: what the members add up to', () => {
  it('sizes Nodes by the offering label, the instance-type nickname, a launch, and an unknown member as the largest and dearest offering', () => {
    const snapshot = buildSnapshot({
      offerings,
      nodes: [testNode('a', { group: 'g', labels: { [OFFERING_LABEL]: 's' } }), testNode('b', { group: 'g', labels: { [INSTANCE_TYPE_LABEL]: 'L-4C' } }), testNode('c', { group: 'g' })],
    });
    const launches = [{ id: 'x', kind: 'launch' as const, nodeGroup: 'default/g', hostname: 'd', offeringId: 's', status: 'launching' as const, createdAtMs: 0, updatedAtMs: 0, launchDeadlineMs: 1, registrationDeadlineMs: 1 }];
    const usage = groupUsage(snapshot, group, ['a', 'b', 'c', 'd', 'vm-without-node'], launches);
    // a: s (2, 2Gi, 10); b: l by nickname (4, 8Gi, 30); c and the VM: unknown → l's 4 CPU, 8Gi, 30 each; d: s.
    expect(usage).toEqual({ cpuMillis: (2 + 4 + 4 + 2 + 4) * 1000, memoryBytes: (2 + 8 + 8 + 2 + 8) * GI, monthlyCost: 10 + 30 + 30 + 10 + 30 });
  });

  it('a total equal to a limit is allowed, one over is named; nodesWithinLimits counts what still fits', () => {
    const limits = limitValues(spec.limits);
    const used = { cpuMillis: 8000, memoryBytes: 4 * GI, monthlyCost: 20 };
    expect(limitBreach(limits, used, { cpuMillis: 2000, memoryBytes: 2 * GI, monthlyCost: 10 })).toBeUndefined();
    expect(limitBreach(limits, used, { cpuMillis: 4000, memoryBytes: 8 * GI, monthlyCost: 30 })).toEqual({ resource: 'cpu', used: 8000, adding: 4000, limit: 10_000 });
    expect(nodesWithinLimits(limits, used, offerings[0]!)).toBe(1); // cpu: (10 − 8) / 2
    expect(nodesWithinLimits(limitValues(undefined), used, offerings[0]!)).toBe(Infinity);
  });
});
