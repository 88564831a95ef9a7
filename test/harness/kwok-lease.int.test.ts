import { describe, expect, it } from 'vitest';
import { kwokNode } from './builders.ts';
import { useHarness, waitFor } from './context.ts';

// kwok keeps node Leases (issue 21) on the shared harness: the Lease exists with the harness's
// duration (40 s, 0.8 of the controller manager's 50 s node-monitor-grace-period) and is renewed
// (every 10 s, a quarter of the duration), as a kubelet does. Without Leases a healthy kwok Node went
// NotReady after each grace period and Ready again (the flap that made pods Ready=False and faked
// PDB blocks on longer e2e runs). The long hold — an hour of these settings, 72 grace periods, run
// 20 × faster on a control plane of its own — is kwok-lease-hour.int.test.ts.

describe('kwok node leases', () => {
  it('a healthy kwok Node has a Lease of the harness\'s duration that kwok renews', async () => {
    const h = useHarness();
    const name = `lease-${Date.now().toString(36)}`;
    await h.createKwokNode(kwokNode({ name }), { waitReady: true });

    const lease = await waitFor(async () => (await h.coordination.readNamespacedLease({ namespace: 'kube-node-lease', name }).catch(() => undefined)), { timeoutMs: 30_000, description: `the Lease kube-node-lease/${name}` });
    expect(lease.spec?.leaseDurationSeconds).toBe(40);
    const firstRenew = String(lease.spec!.renewTime);
    // kwok renews every 10 s: a later renewTime within 25 s (the grace period is 50 s).
    await waitFor(async () => {
      const renewed = await h.coordination.readNamespacedLease({ namespace: 'kube-node-lease', name });
      return String(renewed.spec!.renewTime) !== firstRenew ? renewed : undefined;
    }, { timeoutMs: 25_000, intervalMs: 1_000, description: `a renewal of the Lease kube-node-lease/${name}` });
    const node = await h.core.readNode({ name });
    expect(node.status?.conditions?.find((c) => c.type === 'Ready')?.status).toBe('True');
  }, 90_000);
});
