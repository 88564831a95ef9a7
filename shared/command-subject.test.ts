import { describe, expect, it } from 'vitest';
import type { Command } from './plan-message.ts';
import { commandGroup, commandMachine, commandObject, describeCommand } from './command-subject.ts';

const base = { id: 'c', reason: 'r', message: 'm' };
const group = { namespace: 'ops', name: 'workers' };
const commands: Command[] = [
  { ...base, kind: 'createVm', nodeGroup: group, hostname: 'c1-workers-aaaaa', offeringId: 'o', datacenterID: 'd', osImageID: 'i' },
  { ...base, kind: 'deleteVm', hostname: 'c1-workers-bbbbb' },
  { ...base, kind: 'taintNode', node: 'n1', nodeGroup: group },
  { ...base, kind: 'untaintNode', node: 'n2', nodeGroup: group },
  { ...base, kind: 'evictPod', namespace: 'web', pod: 'p', node: 'n3', nodeGroup: group },
  { ...base, kind: 'deleteNode', node: 'n4', nodeGroup: group },
  { ...base, kind: 'emitEvent', involved: { kind: 'NodeGroup', namespace: 'ops', name: 'workers' }, type: 'Normal', eventReason: 'X' },
];

describe('what a command is about', () => {
  it('names the object it acts on (how the planner tracks it) and the machine it touches (how the executor stops at a failure)', () => {
    expect(commands.map(commandObject)).toEqual(['c1-workers-aaaaa', 'c1-workers-bbbbb', 'n1', 'n2', 'web/p', 'n4', undefined]);
    expect(commands.map(commandMachine)).toEqual(['c1-workers-aaaaa', 'c1-workers-bbbbb', 'n1', 'n2', 'n3', 'n4', undefined]);
  });

  it('names the NodeGroup, also of an Event about one (none for a NodeGroup Event without a namespace)', () => {
    expect(commands.map(commandGroup)).toEqual([group, undefined, group, group, group, group, group]);
    expect(commandGroup({ ...base, kind: 'emitEvent', involved: { kind: 'NodeGroup', name: 'workers' }, type: 'Normal', eventReason: 'X' })).toBeUndefined();
  });

  it('a create shows the plan\'s nickname beside its identifier when the catalogue names it', () => {
    const create = commands[0]!;
    expect(describeCommand(create, { offeringName: (id) => (id === 'o' ? 'A-4C-8G' : undefined) })).toBe('create VM c1-workers-aaaaa (A-4C-8G (o) in d) for NodeGroup ops/workers');
    expect(describeCommand(create)).toBe('create VM c1-workers-aaaaa (o in d) for NodeGroup ops/workers');
    expect(describeCommand(create, { offeringName: () => 'o' })).toBe('create VM c1-workers-aaaaa (o in d) for NodeGroup ops/workers');
  });
});
