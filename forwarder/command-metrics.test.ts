import { describe, expect, it } from 'vitest';
import type { Command } from '../shared/plan-message.ts';
import type { CommandResult } from '../shared/snapshot.ts';
import { recordCommandResult, scaleSeriesOf } from './command-metrics.ts';
import { ForwarderMetrics } from './metrics.ts';

// Which results count as scale-up / scale-down and their failures: the meaning of the dashboards'
// scale_*_total series and the alerts on them.

const group = { namespace: 'apps', name: 'workers' };
const base = { id: 'c1', reason: 'test' };
const commands = {
  createVm: { ...base, kind: 'createVm', nodeGroup: group, hostname: 'test-w-1', offeringId: 'o', datacenterID: 'dc', osImageID: 'os' },
  deleteVm: { ...base, kind: 'deleteVm', nodeGroup: group, hostname: 'test-w-1' },
  taintNode: { ...base, kind: 'taintNode', node: 'test-w-1', nodeGroup: group },
  untaintNode: { ...base, kind: 'untaintNode', node: 'test-w-1', nodeGroup: group },
  evictPod: { ...base, kind: 'evictPod', namespace: 'apps', pod: 'web-1', node: 'test-w-1', nodeGroup: group },
  deleteNode: { ...base, kind: 'deleteNode', node: 'test-w-1', nodeGroup: group },
} as unknown as Record<string, Command>;

/** The sample of `metric` with exactly these labels (undefined when absent). */
async function value(metric: { get(): Promise<{ values: Array<{ labels: object; value: number }> }> }, labels: Record<string, string>): Promise<number | undefined> {
  const { values } = await metric.get();
  return values.find((v) => JSON.stringify(Object.entries(v.labels).sort()) === JSON.stringify(Object.entries(labels).sort()))?.value;
}

const result = (outcome: CommandResult['outcome'], retryable?: boolean) => ({ outcome, ...(retryable !== undefined ? { retryable } : {}) });

describe('scaleSeriesOf', () => {
  it('counts a created VM as a scale-up, a failed or refused create as a scale-up failure, a dry run as neither', () => {
    expect(scaleSeriesOf(commands.createVm!, result('succeeded'))).toBe('scaleUp');
    expect(scaleSeriesOf(commands.createVm!, result('failed'))).toBe('scaleUpFailures');
    expect(scaleSeriesOf(commands.createVm!, result('refused'))).toBe('scaleUpFailures');
    expect(scaleSeriesOf(commands.createVm!, result('dry-run'))).toBeUndefined();
  });

  it('counts a deleted Node as the scale-down (its VM deletion and the steps before it are not counted again)', () => {
    expect(scaleSeriesOf(commands.deleteNode!, result('succeeded'))).toBe('scaleDown');
    for (const kind of ['deleteVm', 'taintNode', 'evictPod', 'untaintNode']) expect(scaleSeriesOf(commands[kind]!, result('succeeded'))).toBeUndefined();
  });

  it('counts every failed or refused removal step as a scale-down failure', () => {
    for (const kind of ['taintNode', 'evictPod', 'deleteNode', 'deleteVm']) {
      expect(scaleSeriesOf(commands[kind]!, result('failed')), kind).toBe('scaleDownFailures');
      expect(scaleSeriesOf(commands[kind]!, result('refused')), kind).toBe('scaleDownFailures');
    }
  });

  it('does not count an eviction that waits (retryable: a PDB said not yet) or an aborted drain as a failure', () => {
    expect(scaleSeriesOf(commands.evictPod!, result('failed', true))).toBeUndefined();
    expect(scaleSeriesOf(commands.evictPod!, result('failed', false))).toBe('scaleDownFailures');
    expect(scaleSeriesOf(commands.untaintNode!, result('failed'))).toBeUndefined();
  });
});

describe('recordCommandResult', () => {
  it('feeds the commands counter, the NodeGroup\'s scale series and its desired nodes', async () => {
    const metrics = new ForwarderMetrics({ defaultMetrics: false });
    const record = (command: Command, outcome: CommandResult['outcome'], retryable?: boolean) =>
      recordCommandResult(metrics, command, { commandId: command.id, kind: command.kind, outcome, ...(retryable !== undefined ? { retryable } : {}) } as CommandResult);
    record(commands.createVm!, 'succeeded');
    record(commands.createVm!, 'refused');
    record(commands.deleteNode!, 'succeeded');
    record(commands.evictPod!, 'failed', true);
    record(commands.deleteVm!, 'failed');
    const status = { ...base, kind: 'updateNodeGroupStatus', nodeGroup: group, status: { desiredNodes: 4 } } as unknown as Command;
    record(status, 'succeeded');
    const workers = { nodegroup: 'workers' };
    expect(await value(metrics.scaleUpTotal, workers)).toBe(1);
    expect(await value(metrics.scaleUpFailuresTotal, workers)).toBe(1);
    expect(await value(metrics.scaleDownTotal, workers)).toBe(1);
    expect(await value(metrics.scaleDownFailuresTotal, workers)).toBe(1); // the deleteVm, not the waiting eviction
    expect(await value(metrics.nodegroupDesiredNodes, workers)).toBe(4);
    expect(await value(metrics.commandsTotal, { kind: 'evictPod', outcome: 'failed' })).toBe(1);
    expect(await value(metrics.commandsTotal, { kind: 'createVm', outcome: 'refused' })).toBe(1);
  });

  it('labels a command without a NodeGroup with nodegroup=""', async () => {
    const metrics = new ForwarderMetrics({ defaultMetrics: false });
    const orphan = { ...base, kind: 'deleteVm', hostname: 'test-x' } as unknown as Command;
    recordCommandResult(metrics, orphan, { commandId: 'c1', kind: 'deleteVm', outcome: 'failed' } as CommandResult);
    expect(await value(metrics.scaleDownFailuresTotal, { nodegroup: '' })).toBe(1);
  });
});
