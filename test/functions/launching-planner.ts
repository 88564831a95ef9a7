import { createHash } from 'node:crypto';
import type { Planner } from '../../functions/reconcile.ts';
import type { LaunchOperation } from '../../functions/planning/types.ts';
import type { Command } from '../../shared/plan-message.ts';

// A fake planner for the functions' own tests (the real one is tested in functions/planning): one
// new node per pending pod, minus launches already in flight — exactly the property that a lost
// or duplicated persist would break (a second launch for the same pod). Pure, like the real one.
export const launchingPlanner: Planner = (snapshot, state, policy, nowMs) => {
  const next = structuredClone(state);
  const pending = snapshot.pods.filter((pod) => pod.nodeName === undefined).length;
  const inFlight = next.operations.filter((op) => op.kind === 'launch' && op.status === 'launching').length;
  const commands: Command[] = [];
  const group = snapshot.nodeGroups[0];
  for (let i = 0; i < pending - inFlight && group; i++) {
    const id = createHash('sha256').update(`${policy.clusterId}/${nowMs}/${i}`).digest('hex').slice(0, 10);
    const hostname = `${policy.hostnamePrefix}${group.name}-${id.slice(0, 5)}`;
    const op: LaunchOperation = {
      id: `launch-${id}`, kind: 'launch', nodeGroup: `${group.namespace}/${group.name}`, hostname, offeringId: 'small', status: 'launching',
      createdAtMs: nowMs, updatedAtMs: nowMs, launchDeadlineMs: nowMs + policy.launchDeadlineMs, registrationDeadlineMs: nowMs + policy.registrationDeadlineMs,
    };
    next.operations.push(op);
    commands.push({
      id: `createVm-${id}`, kind: 'createVm', reason: 'pending-pods', message: `launch a node for ${pending} pending pod(s)`, operationId: op.id,
      nodeGroup: { namespace: group.namespace, name: group.name }, hostname, offeringId: 'small', datacenterID: 'dc1', osImageID: 'ubuntu-24',
    });
  }
  next.groups[group ? `${group.namespace}/${group.name}` : 'none'] = { consecutiveFailures: 0, ...(commands.length ? { lastScaleUpMs: nowMs } : {}) };
  return {
    commands,
    decisions: commands.map((command) => ({ kind: 'scale-up' as const, target: `ng ${group?.namespace}/${group?.name}`, reason: 'pending-pods', message: command.message, details: { pendingPods: pending, inFlight } })),
    state: next,
    provision: [], remove: [], unschedulable: [], kept: [], monthlyCostDelta: 0,
    nextContactAfterMs: nowMs + 30_000,
  };
};
