import { BATCHER_DEFAULTS } from '../../../forwarder/batcher.ts';
import { startStack, type Stack } from '../../e2e/stack.ts';
import { SIM_OS_IMAGES } from '../../vpsie-sim/index.ts';
import { BENCH_DC, type BenchPlan } from './catalogue.ts';
import type { SystemUnderTest } from './measure.ts';

// This project, as a user runs it: the e2e stack (functions + one forwarder as processes, the VPSie
// simulator whose VMs join as kwok Nodes) with one NodeGroup over the bench catalogue. Defaults except:
// the stack's shortened policy (test/e2e/stack.ts SHORT_POLICY: cooldown after scale-up 5 s, drain
// deadline 30 s …) and the two 600-s waits before a node may go (stabilization window, consolidateAfter)
// set to 10 s, the same as Karpenter's consolidateAfter here. The forwarder's caps, batching and
// heartbeat are its defaults (30 s; the e2e stack's 2 s would start the first plan sooner than a
// user's forwarder does).

export const GROUP = 'bench';
export const WAIT_BEFORE_SCALE_DOWN_S = 10;

export async function startOurs(kubeconfigPath: string, plans: BenchPlan[], log: (line: string) => void): Promise<{ system: SystemUnderTest; stop: () => Promise<void> }> {
  const stack: Stack = await startStack({ kubeconfigPath, provisionMs: 1_000, heartbeatMs: BATCHER_DEFAULTS.heartbeatMs, log });
  try {
    await stack.applyNodeGroup(GROUP, {
      minNodes: 0,
      maxNodes: 500,
      datacenterID: BENCH_DC,
      osImageID: SIM_OS_IMAGES['ubuntu-24.04'],
      offeringIDs: plans.map((p) => p.identifier),
      scaleDownPolicy: { stabilizationWindowSeconds: WAIT_BEFORE_SCALE_DOWN_S },
      disruption: { consolidateAfterSeconds: WAIT_BEFORE_SCALE_DOWN_S },
    });
  } catch (error) {
    await stack.stop();
    throw error;
  }
  const nickname = new Map(plans.map((p) => [p.identifier, p.nickname]));
  const system: SystemUnderTest = {
    name: 'this project',
    firstCreateMs: async (sinceMs) => stack.calls('createVm').find((c) => !c.fault && c.atMs >= sinceMs)?.atMs,
    fleet: async () => {
      const fleet: Record<string, number> = {};
      for (const vm of stack.liveVms()) {
        const k = nickname.get(vm.resourceIdentifier) ?? vm.resourceIdentifier;
        fleet[k] = (fleet[k] ?? 0) + 1;
      }
      return fleet;
    },
    // The group's minimum is 0: done when no VM is left and no managed Node is registered.
    nodesLeft: async () => Math.max(stack.liveVms().length, (await stack.managedNodeNames(GROUP)).length),
    pids: () => [stack.functions.pid, ...stack.forwarders.map((f) => f.pid)].filter((p): p is number => p !== undefined),
    // Each aborted drain sends one untaint whose message starts "drain aborted" (functions/planning/drains.ts);
    // counted once per drain operation, over the stack's whole life (runs on one control plane add up).
    abortedDrains: () =>
      new Set(stack.audit().filter((l) => l.type === 'command' && l.kind === 'untaintNode' && l.message.startsWith('drain aborted')).map((l) => l.operationId ?? l.target)).size,
    notes: async () => [refusals(stack.forwarders[0]?.logText() ?? '')],
  };
  return { system, stop: () => stack.stop() };
}

/** The forwarder's guardrail refusals by rule (its log lines "guardrail refused: …" carry the rule), over the stack's life. */
function refusals(log: string): string {
  const byRule = new Map<string, number>();
  for (const line of log.split('\n')) {
    if (!line.includes('guardrail refused')) continue;
    const rule = /"rule":"([a-z-]+)"/.exec(line)?.[1] ?? 'unlabelled';
    byRule.set(rule, (byRule.get(rule) ?? 0) + 1);
  }
  return byRule.size === 0 ? 'no guardrail refusal' : `guardrail refusals ${[...byRule].map(([rule, n]) => `${rule} ×${n}`).join(', ')}`;
}
