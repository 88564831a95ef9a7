import { describe, expect, it } from 'vitest';
import type { Command, PlanMessage } from '../shared/plan-message.ts';
import { snapshot } from '../test/fixtures/snapshot-builders.ts';
import { auditFieldsOf, auditPlan } from './audit.ts';

const ng = { namespace: 'default', name: 'workers' };
const base = { reason: 'r', message: 'm' };
const commands: Command[] = [
  { ...base, id: 'c1', kind: 'createVm', nodeGroup: ng, hostname: 'test-workers-a1', offeringId: 'small', datacenterID: 'dc1', osImageID: 'ubuntu', operationId: 'op-1' },
  { ...base, id: 'c2', kind: 'deleteVm', nodeGroup: ng, hostname: 'test-workers-a1', vmIdentifier: 'vm-9' },
  { ...base, id: 'c3', kind: 'taintNode', node: 'w-1', nodeGroup: ng },
  { ...base, id: 'c4', kind: 'untaintNode', node: 'w-1', nodeGroup: ng },
  { ...base, id: 'c5', kind: 'evictPod', namespace: 'web', pod: 'web-0', node: 'w-1', nodeGroup: ng },
  { ...base, id: 'c6', kind: 'deleteNode', node: 'w-1', nodeGroup: ng },
  { ...base, id: 'c7', kind: 'updateNodeGroupStatus', nodeGroup: ng, status: { currentNodes: 2, desiredNodes: 3, readyNodes: 2, conditions: [], nodeList: [] } },
  { ...base, id: 'c8', kind: 'emitEvent', involved: { kind: 'Node', name: 'w-1' }, type: 'Normal', eventReason: 'DrainStarted' },
];

describe('audit trail', () => {
  it('names the target of every command kind', () => {
    expect(commands.map((c) => auditFieldsOf(c).target)).toEqual([
      'vm test-workers-a1', 'vm test-workers-a1', 'node w-1', 'node w-1', 'pod web/web-0', 'node w-1', 'ng default/workers', 'node w-1',
    ]);
    expect(auditFieldsOf(commands[0]!)).toMatchObject({ operationId: 'op-1', nodeGroup: 'default/workers', inputs: { offeringId: 'small' } });
  });

  it('writes one line per command and per decision, with the plan\'s identity on each', () => {
    const lines: Record<string, unknown>[] = [];
    const message: PlanMessage = {
      version: 'v1', clusterId: 'test', planId: 'test-7', fencingToken: 7, issuedAtMs: 1, nextContactAfterMs: 2, commands,
      decisions: [{ kind: 'keep-node', target: 'node w-2', reason: 'pdb', message: 'a PDB allows no disruption', details: { pdb: 'web/web' } }],
    };
    const count = auditPlan({ info: (fields) => lines.push(fields as Record<string, unknown>) }, message, { snapshot: snapshot() });
    expect(count).toBe(9);
    expect(lines).toHaveLength(9);
    for (const line of lines) expect(line).toMatchObject({ audit: true, cluster: 'test', planId: 'test-7', fencingToken: 7, forwarderId: 'fwd-1' });
    expect(lines.at(-1)).toMatchObject({ type: 'decision', kind: 'keep-node', target: 'node w-2', reason: 'pdb', inputs: { pdb: 'web/web' } });
  });
});
