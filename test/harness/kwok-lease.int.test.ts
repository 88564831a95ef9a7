import { describe, expect, it } from 'vitest';
import { kwokNode } from './builders.ts';
import { useHarness, waitFor } from './context.ts';

// kwok keeps node Leases (issue 21): a healthy kwok Node stays Ready past several
// node-monitor-grace-periods (50 s, the controller manager's default), as a node with a kubelet
// does. Without Leases it went NotReady after each grace period and Ready again (the flap that made
// pods Ready=False and faked PDB blocks on longer e2e runs).

const GRACE_PERIOD_MS = 50_000;
const HOLD_MS = 3 * GRACE_PERIOD_MS + 10_000;
const POLL_MS = 2_000;

describe('kwok node leases', () => {
  it('a healthy kwok Node has a renewed Lease and never turns NotReady over three grace periods', async () => {
    const h = useHarness();
    const name = `lease-${Date.now().toString(36)}`;
    await h.createKwokNode(kwokNode({ name }), { waitReady: true });

    const lease = await waitFor(async () => (await h.coordination.readNamespacedLease({ namespace: 'kube-node-lease', name }).catch(() => undefined)), { timeoutMs: 30_000, description: `the Lease kube-node-lease/${name}` });
    expect(lease.spec?.leaseDurationSeconds).toBe(40);
    const firstRenewMs = new Date(lease.spec!.renewTime as unknown as string).getTime();

    const notReadyAt: number[] = [];
    const startedMs = Date.now();
    while (Date.now() - startedMs < HOLD_MS) {
      const node = await h.core.readNode({ name });
      const ready = node.status?.conditions?.find((c) => c.type === 'Ready');
      if (ready?.status !== 'True') notReadyAt.push(Date.now() - startedMs);
      await new Promise((resolve) => setTimeout(resolve, POLL_MS)); // sampling a real controller's output, not waiting for a clock
    }
    expect(notReadyAt).toEqual([]);
    const node = await h.core.readNode({ name });
    const ready = node.status!.conditions!.find((c) => c.type === 'Ready')!;
    // The Ready condition never transitioned during the hold.
    expect(new Date(ready.lastTransitionTime as unknown as string).getTime()).toBeLessThan(startedMs);
    const events = (await h.core.listNamespacedEvent({ namespace: 'default', fieldSelector: `involvedObject.name=${name}` })).items;
    expect(events.filter((e) => e.reason === 'NodeNotReady')).toEqual([]);
    const renewed = await h.coordination.readNamespacedLease({ namespace: 'kube-node-lease', name });
    expect(new Date(renewed.spec!.renewTime as unknown as string).getTime()).toBeGreaterThan(firstRenewMs);
  }, HOLD_MS + 90_000);
});
