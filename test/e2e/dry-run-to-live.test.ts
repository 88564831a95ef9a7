import { describe, expect, it } from 'vitest';
import { eventually, useE2eStack } from './e2e-helpers.ts';

// The operator's switch from dry-run to live (issue 21): the forwarder starts dry with pods pending
// for as many heartbeats as ten minutes at the production heartbeat (30 s) would give, is stopped
// gracefully and started again without --dry-run; the FIRST live plan launches the nodes.
//
// The production deadlines are kept (launch 5 min, backoff 5 min): launches recorded during the dry
// run would count as in flight for five minutes and then fail together into a backoff, so a plan
// that launches within seconds of the switch shows that the dry run recorded none of them.

const GROUP = 'dry';
const PRODUCTION_HEARTBEATS_IN_10_MIN = 20;

describe('dry-run → live', () => {
  const env = useE2eStack('dry-live', {
    dryRun: true,
    heartbeatMs: 1_000,
    policy: { launchDeadlineMs: 5 * 60_000, registrationDeadlineMs: 15 * 60_000, backoffInitialMs: 5 * 60_000, backoffMaxMs: 30 * 60_000 },
  });

  it('the first live plan after a long dry run launches nodes', async () => {
    const { stack } = env;
    await env.applyGroup(GROUP, { maxNodes: 3 });
    await env.deploy({ name: 'waiting', replicas: 2, cpu: '500m', memory: '256Mi', onePerNode: true });

    const dryLaunchPlans = () => new Set(stack.audit().filter((a) => a.dryRun === true && a.type === 'command' && a.kind === 'createVm').map((a) => a.planId));
    await eventually(stack, `${PRODUCTION_HEARTBEATS_IN_10_MIN} dry-run plans proposing launches`, () => dryLaunchPlans().size >= PRODUCTION_HEARTBEATS_IN_10_MIN, 90_000);
    expect(stack.calls('createVm')).toEqual([]);
    expect(stack.vms()).toEqual([]);

    // The README's switch: dry-run off, restart (a graceful stop, as a rollout does).
    const forwarder = stack.forwarders[0]!;
    await forwarder.stop();
    expect(forwarder.logText()).toContain('stopping: the last results were reported');
    const dry = forwarder.options.args.indexOf('--dry-run');
    expect(dry).toBeGreaterThanOrEqual(0);
    forwarder.options.args.splice(dry, 1);
    const auditBefore = stack.audit().length;
    await forwarder.start();

    const firstLive = await eventually(stack, 'the first live plan', () => stack.audit().slice(auditBefore).find((a) => a.dryRun === false), 30_000);
    const livePlan = stack.audit().filter((a) => a.planId === firstLive.planId);
    expect(livePlan.filter((a) => a.type === 'command' && a.kind === 'createVm')).toHaveLength(2);
    expect(livePlan.some((a) => a.type === 'decision' && a.kind === 'launch-failed')).toBe(false);
    await eventually(stack, 'two VMs created at VPSie', () => stack.calls('createVm').length === 2, 30_000);
    // Two live Nodes serve the pods (the simulator's VMs join as kwok Nodes).
    await eventually(stack, 'two managed nodes', async () => (await stack.managedNodeNames(GROUP)).length === 2, 60_000);
  });
});
