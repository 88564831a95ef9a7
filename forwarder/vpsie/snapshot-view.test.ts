import { describe, expect, it } from 'vitest';
import { clusterMarker } from '../../shared/ownership.ts';
import { clusterVmRows } from './snapshot-view.ts';
import type { VpsiePendingVm, VpsieVm } from './types.ts';

// Which VPSie rows enter the snapshot: ours and unmarked ones, each row (duplicates too); never foreign.

function vm(hostname: string, identifier: string, notes: string | null, createdAtMs = 1_000): VpsieVm {
  return {
    id: null, identifier, hostname, cpu: 1, ramMb: 1024, ssdGb: 10, defaultIp: null, defaultIpv6: null, privateIp: null, publicIp: null,
    dcIdentifier: null, projectId: '7', isActive: true, power: true, isSuspended: false, isLocked: false, isTerminated: false, isDeleted: false,
    createdOn: null, createdAtMs, notes, tags: [], state: 'running',
  };
}
function pending(hostname: string, notes: string | null, processId: string): VpsiePendingVm {
  return { id: null, hostname, processId, resourceIdentifier: null, osIdentifier: null, dcIdentifier: null, projectId: '7', notes, createdOn: null, createdAtMs: 2_000 };
}

const c1 = { cluster: { clusterId: 'c1', hostnamePrefix: 'c1-' }, projectId: '7' };
const mine = clusterMarker('c1', { namespace: 'ops', name: 'pool' });
const theirs = clusterMarker('c1-eu', { namespace: 'ops', name: 'pool' });

describe('clusterVmRows', () => {
  it('sends ours (with the marker\'s NodeGroup) and unmarked VMs, never another cluster\'s or a hostname outside the pattern', () => {
    const rows = clusterVmRows(
      [
        vm('c1-pool-aaaaa', 'id-ours', mine),
        vm('c1-pool-bbbbb', 'id-old', null),
        vm('c1-eu-pool-ccccc', 'id-eu', theirs), // matches c1's pattern ("eu-pool" could be a group): the marker decides
        vm('c1-database', 'id-db', null), // no 5-character suffix: not this cluster's pattern
        vm('c1-pool-ddddd', 'id-forged', 'vpsie-autoscaler:cluster=C1!'), // a marker that does not parse
      ],
      [],
      c1,
    );
    expect(rows).toEqual([
      { identifier: 'id-ours', hostname: 'c1-pool-aaaaa', state: 'running', createdAtMs: 1_000, marked: true, nodeGroup: { namespace: 'ops', name: 'pool' } },
      { identifier: 'id-old', hostname: 'c1-pool-bbbbb', state: 'running', createdAtMs: 1_000 },
    ]);
  });

  it('keeps every VM of a hostname, each with its identifier, and pending creations with their processId', () => {
    const rows = clusterVmRows(
      [vm('c1-pool-aaaaa', 'first', mine, 1_000), vm('c1-pool-aaaaa', 'second', mine, 5_000), vm('c1-pool-aaaaa', 'second', mine, 5_000)],
      [pending('c1-pool-aaaaa', mine, 'proc-3'), pending('c1-eu-pool-zzzzz', theirs, 'proc-eu')],
      c1,
    );
    expect(rows.map((r) => [r.identifier ?? null, r.state, r.processId ?? null])).toEqual([
      ['first', 'running', null],
      ['second', 'running', null],
      [null, 'pending', 'proc-3'],
    ]);
    expect(rows.every((r) => r.marked === true)).toBe(true);
  });

  it('counts an adopted unmarked VM as ours, but never adopts another cluster\'s VM', () => {
    const rows = clusterVmRows([vm('c1-pool-bbbbb', 'id-old', null), vm('c1-eu-pool-ccccc', 'id-eu', theirs)], [], { ...c1, adoptedIdentifiers: new Set(['id-old', 'id-eu']) });
    expect(rows).toEqual([expect.objectContaining({ identifier: 'id-old', marked: true })]);
    expect(rows[0]!.nodeGroup).toBeUndefined();
  });
});
