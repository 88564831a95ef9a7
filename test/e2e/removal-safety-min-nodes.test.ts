import { describe, expect, it } from 'vitest';
import { eventually, expectNoDuplicateVms, node, simPlan, useE2eStack } from './e2e-helpers.ts';
import { SHORT_POLICY } from './stack.ts';

// removal-safety (issue 14, item 1): no deadlock at minNodes. A group at minNodes 1 whose only VM
// registers but never becomes Ready (its kubelet never gets Ready: a missing CNI). It used to stay
// that way for good: the planner counted the NotReady node towards minNodes (no replacement), and the
// forwarder refused to delete it as "min-nodes" (it counted it too), so every other reconcile tainted,
// failed to delete, untainted and tainted again. Now only Ready nodes count towards minNodes on both
// sides: at the registration deadline (30 s here) a replacement is launched, in the plan that fails
// the launch (the backoff holds from a second failure in a row) — first, while the bad VM still exists (VPSie refuses its deletion for a while here, so
// a planner that waits for the removal before replacing never replaces) — then the bad VM and Node
// go, the group ends with exactly one Ready node, and the bad node is never handed back and taken
// again (no untaint).
//
// Needs the forwarder's minNodes guardrail on the shared rule (shared/membership.ts
// removalKeepsMinimum): with the old guardrail the bad VM and Node are refused and this fails.

const GROUP = 'stuck';

describe('removal-safety: minNodes with a node that never becomes Ready', () => {
  const env = useE2eStack('stuck');

  it('launches a replacement first, removes the NotReady VM and Node, and ends with one Ready node, without taint flapping', { timeout: 360_000 }, async () => {
    const { stack } = env;
    // The first create of the group gets a kubelet that never becomes Ready.
    stack.simulator.sim.inject({ kind: 'kubeletNeverReady', count: 1 });
    await stack.applyNodeGroup(GROUP, { minNodes: 1, maxNodes: 2, offeringIDs: [simPlan('A-1C-2G')] });

    const bad = await eventually(stack, 'the first VM registered as a Node that is not Ready', async () => {
      const vm = stack.vms()[0];
      if (!vm) return undefined;
      const n = await node(stack, vm.hostname);
      return n ? vm : undefined;
    }, 60_000);
    expect(bad.kubeletNeverReady).toBe(true);
    expect(stack.simulator.sim.faults.pending()).toEqual([]);
    // VPSie refuses every deletion for now: the bad VM cannot go yet.
    stack.simulator.sim.inject({ kind: 'status', status: 500, count: 10_000, match: { operation: 'deleteVm' } });

    const registrationMs = SHORT_POLICY.registrationDeadlineMs!;
    const backoffMs = SHORT_POLICY.backoffInitialMs!;
    const replacement = await eventually(stack, 'a replacement VM launched while the bad one still exists', () => {
      const live = stack.liveVms();
      const other = live.find((vm) => vm.hostname !== bad.hostname);
      return other && live.some((vm) => vm.hostname === bad.hostname) ? other : undefined;
    }, registrationMs + backoffMs + 30_000);
    expect(replacement.createdAtMs - bad.createdAtMs).toBeLessThanOrEqual(registrationMs + backoffMs + 20_000);
    stack.simulator.sim.faults.clear();

    // The end state: one live VM, the replacement, Ready; the bad VM and its Node gone (by the failed
    // launch's clean-up, the orphan-VM sweep or the NotReady replacement, whichever comes first).
    const good = await eventually(stack, 'exactly one live VM (the replacement), its Node Ready, the bad Node gone', async () => {
      const live = stack.liveVms();
      if (live.length !== 1 || live[0]!.hostname === bad.hostname || live[0]!.phase !== 'running') return undefined;
      if ((await stack.managedNodeNames(GROUP)).join() !== live[0]!.hostname) return undefined;
      const ready = (await node(stack, live[0]!.hostname))?.status?.conditions?.find((c) => c.type === 'Ready')?.status === 'True';
      return ready && !(await node(stack, bad.hostname)) ? live[0]! : undefined;
    }, SHORT_POLICY.notReadyReplaceAfterMs! + 90_000);
    expect(good.hostname).toBe(replacement.hostname);
    const badVm = stack.vms().find((vm) => vm.hostname === bad.hostname)!;
    expect(badVm.phase).toBe('deleted');
    expect(stack.vms()).toHaveLength(2);
    expectNoDuplicateVms(stack);

    // No flapping: the bad node is never handed back (untainted) and tainted again.
    const commands = stack.audit().filter((a) => a.type === 'command' && a.target === `node ${bad.hostname}`);
    const taints = commands.filter((a) => a.kind === 'taintNode').length;
    const untaints = commands.filter((a) => a.kind === 'untaintNode').length;
    expect({ untaints, taintsAtMost2: taints <= 2 }).toEqual({ untaints: 0, taintsAtMost2: true });

    const status = await eventually(stack, 'NodeGroup status: 1 ready node', async () => {
      const s = await stack.nodeGroupStatus(GROUP);
      return s?.readyNodes === 1 && s.currentNodes === 1 ? s : undefined;
    });
    expect(status.readyNodes).toBe(1);
  });
});
