import { describe, expect, it } from 'vitest';
import { listOfferings } from '../../forwarder/vpsie/snapshot-view.ts';
import { silentLogger } from '../../forwarder/util/logger.ts';
import { SIM_DC, SIM_OS_IMAGES, SIM_PLANS } from '../vpsie-sim/index.ts';
import { contractEnv } from './setup.ts';

// The catalogue the snapshot (and the forwarder's cost cap) prices groups with: one NodeGroup naming
// a datacenter VPSie refuses must not leave every other group without prices.

const plan = SIM_PLANS[1]!;
const group = (name: string, datacenterID: string) => ({
  namespace: 'ops', name, generation: 1,
  spec: { maxNodes: 3, datacenterID, osImageID: SIM_OS_IMAGES['ubuntu-24.04'], offeringIDs: [plan.identifier] },
});

describe('listOfferings', () => {
  it('lists the plans of the valid groups when another group names a datacenter VPSie refuses', async () => {
    const env = await contractEnv();
    // Listed first: before, its refusal ended the whole listing.
    const offerings = await listOfferings(env.client, [group('typo', 'no-such-datacenter'), group('workers', SIM_DC.newYork)], silentLogger);
    expect(offerings.map((o) => [o.identifier, o.datacenterID, o.priceMonthly])).toEqual([[plan.identifier, SIM_DC.newYork, Number(plan.price)]]);
  });
});
