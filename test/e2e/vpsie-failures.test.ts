import { describe, expect, it } from 'vitest';
import { eventually, expectNoDuplicateVms, useE2eStack } from './e2e-helpers.ts';

// (6) VPSie failing in the ways it does: a burst of 5xx on creates, `error: true` on HTTP 200, an
// HTML 502 on a list, and a create that is accepted but never materialises. The launch is retried
// with backoff, no hostname is ever created twice, and the launch deadline (20 s here) cleans up the
// create that never showed up and backs the group off before it launches again.

const GROUP = 'flaky';

describe('VPSie failures', () => {
  const env = useE2eStack('flaky');

  it('retries with backoff, never duplicates a VM, and cleans up a create that never materialised', async () => {
    const { stack } = env;
    await env.applyGroup(GROUP, { maxNodes: 4 });
    // Applied to createVm calls in this order: three 503s, one `error: true` on 200, then one create
    // that is accepted and never shows up (neither pending nor listed). Lists fail once with an HTML 502.
    stack.simulator.sim.inject([
      { kind: 'status', status: 503, count: 3, match: { operation: 'createVm' } },
      { kind: 'errorOn200', code: 500, message: 'Internal error, please retry', count: 1, match: { operation: 'createVm' } },
      { kind: 'createNeverMaterialises', mode: 'vanish', count: 1 },
      { kind: 'html502', count: 1, match: { operation: 'listVms' } },
    ]);

    await env.deploy({ name: 'app', replicas: 2, cpu: '500m', memory: '256Mi', onePerNode: true });
    const running = await env.running('app', 2, 150_000);

    // Every fault was consumed: the client really met them.
    expect(stack.simulator.sim.faults.pending()).toEqual([]);
    const creates = stack.calls('createVm');
    expect(creates.filter((c) => c.fault === 'status')).toHaveLength(3);
    expect(creates.filter((c) => c.fault === 'errorOn200')).toHaveLength(1);
    expect(creates.filter((c) => c.fault === 'createNeverMaterialises')).toHaveLength(1);
    expect(stack.calls('listVms').some((c) => c.fault === 'html502')).toBe(true);

    // No duplicate: every hostname accepted once; the two nodes are two distinct VMs, running.
    expectNoDuplicateVms(stack);
    const vms = stack.vms();
    const vanished = vms.filter((vm) => vm.phase === 'vanished');
    expect(vanished).toHaveLength(1);
    const live = stack.liveVms();
    expect(live).toHaveLength(2);
    expect(live.every((vm) => vm.phase === 'running')).toBe(true);
    expect(new Set(running.map((p) => p.spec!.nodeName))).toEqual(new Set(live.map((vm) => vm.hostname)));
    // Nodes: exactly the two live VMs joined (nothing registered for the failed creates).
    expect(await stack.managedNodeNames(GROUP)).toEqual(live.map((vm) => vm.hostname).sort());

    // The create that never materialised hit the launch deadline: the launch failed, the clean-up
    // looked for its VM (by hostname), the group backed off, and a later launch replaced it.
    const failure = stack.audit().find((a) => a.type === 'decision' && a.kind === 'launch-failed' && a.inputs['hostname'] === vanished[0]!.hostname);
    expect(failure?.reason).toBe('launch-deadline');
    expect(stack.audit().some((a) => a.type === 'command' && a.kind === 'deleteVm' && a.target === `vm ${vanished[0]!.hostname}`)).toBe(true);
    const replacement = live.find((vm) => vm.createdAtMs > vanished[0]!.createdAtMs);
    expect(replacement, 'a VM launched after the failed one').toBeDefined();
    const reasons = (await stack.events()).filter((e) => e.kind === 'NodeGroup' && e.name === GROUP).map((e) => e.reason);
    expect(reasons).toContain('ProvisioningFailed');
    expect(await stack.metric('vpsie_autoscaler_scale_up_failures_total', { nodegroup: GROUP })).toBeGreaterThanOrEqual(1);
    // The 5xx and error:true answers were counted by the client's metrics.
    expect(await stack.metric('vpsie_autoscaler_vpsie_api_requests_total', { status: '503' })).toBeGreaterThanOrEqual(3);

    // Nothing else was deleted: the clean-up found nothing to delete, the running VMs are untouched.
    expect(stack.calls('deleteVm')).toEqual([]);
    const ng = await eventually(stack, 'status: 2 ready nodes', async () => {
      const s = await stack.nodeGroupStatus(GROUP);
      return s?.readyNodes === 2 ? s : undefined;
    });
    expect(ng.currentNodes).toBe(2);
  });
});
