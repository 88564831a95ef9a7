import { describe, expect, it } from 'vitest';
import { ForwarderMetrics } from '../../forwarder/metrics.ts';
import type { Logger } from '../../forwarder/util/logger.ts';
import { unreadableRowsReporter } from '../../forwarder/vpsie/unreadable-report.ts';
import { contractEnv } from './setup.ts';

// Issue 15, problem 4: a row the client cannot read is skipped — and counted in a forwarder metric
// (present at zero from start-up) and logged as a warning, the way the forwarder wires the hook
// (forwarder/vpsie/connect.ts: unreadableRowsReporter(logger, metrics.onVpsieUnreadableRows)).

function recordingLogger(): Logger & { warnings: Array<{ fields: object; message: string | undefined }> } {
  const warnings: Array<{ fields: object; message: string | undefined }> = [];
  const logger = { warnings, debug() {}, info() {}, error() {}, warn: (fields: object, message?: string) => void warnings.push({ fields, message }), child: () => logger };
  return logger;
}

const value = async (metrics: ForwarderMetrics, labels: { operation: string; reason: string }) => {
  const metric = await metrics.vpsieUnreadableRowsTotal.get();
  return metric.values.find((v) => v.labels.operation === labels.operation && v.labels.reason === labels.reason)?.value;
};

describe('unreadable rows: metric and warning', () => {
  it('the counter exists at zero for every list operation before anything is read', async () => {
    const text = await new ForwarderMetrics({ defaultMetrics: false }).registry.metrics();
    for (const operation of ['listVms', 'listPending', 'listDatacenters', 'listPlans', 'listProjects', 'listScripts']) {
      expect(text).toContain(`vpsie_autoscaler_vpsie_unreadable_rows_total{operation="${operation}",reason="unreadable"} 0`);
    }
  });

  it('an odd VM row counts 1 and logs one warning naming the operation and the problem', async () => {
    const metrics = new ForwarderMetrics({ defaultMetrics: false });
    const logger = recordingLogger();
    const env = await contractEnv({ client: { onUnreadableRows: unreadableRowsReporter(logger, metrics.onVpsieUnreadableRows) } });
    env.sim.seedVm({ hostname: 'c1-workers-a1' });
    env.sim.inject({ kind: 'unreadableRows', match: { operation: 'listVms' }, rows: [{ id: 'x', identifier: null, hostname: 'c1-workers-b2' }] });
    const listing = await env.client.listVmListing();
    expect(listing.vms.map((v) => v.hostname)).toEqual(['c1-workers-a1']);
    expect(await value(metrics, { operation: 'listVms', reason: 'unreadable' })).toBe(1);
    expect(logger.warnings).toHaveLength(1);
    expect(logger.warnings[0]!.message).toMatch(/^VPSie listVms: 1 row\(s\) could not be read and were skipped \(identifier:/);
    expect(logger.warnings[0]!.fields).toMatchObject({ operation: 'listVms', unreadableRows: 1, firstRow: { index: 1, hostname: 'c1-workers-b2' } });

    // A clean listing adds nothing.
    await env.client.listVmListing();
    expect(await value(metrics, { operation: 'listVms', reason: 'unreadable' })).toBe(1);
    expect(logger.warnings).toHaveLength(1);
  });

  it('pending work that is not a VM create is counted apart and not warned about', async () => {
    const metrics = new ForwarderMetrics({ defaultMetrics: false });
    const logger = recordingLogger();
    const env = await contractEnv({ client: { onUnreadableRows: unreadableRowsReporter(logger, metrics.onVpsieUnreadableRows) } });
    env.sim.inject({ kind: 'unreadableRows', match: { operation: 'listPending' }, rows: [{ id: 5, status: 'pending', data: { action: 'snapshot' } }] });
    expect(await env.client.listPending()).toEqual([]);
    expect(await value(metrics, { operation: 'listPending', reason: 'not_vm_create' })).toBe(1);
    expect(await value(metrics, { operation: 'listPending', reason: 'unreadable' })).toBe(0);
    expect(logger.warnings).toEqual([]);
  });
});
