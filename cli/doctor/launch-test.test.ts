import { afterEach, describe, expect, it, vi } from 'vitest';
import type { KubeHttp } from '../../forwarder/kube/kube-http.ts';
import { VpsieClient, type VpsiePlan } from '../../forwarder/vpsie/index.ts';
import { SIM_DC, SIM_OS_IMAGES, SIM_PLANS, startVpsieSimulator, type VpsieSimulator } from '../../test/vpsie-sim/index.ts';
import { run } from '../commands/doctor.ts';
import { launchTestCost, runLaunchTest, smallestOffering } from './launch-test.ts';

// doctor --launch-test without a cluster: the refusal without a terminal, the choice of plan, the
// cost, and that nothing is bought unconfirmed. The launch itself (a kwok node joins) runs on the
// demo stack: test/e2e/doctor-launch-test.test.ts.

const stops: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  vi.restoreAllMocks();
  await Promise.all(stops.splice(0).map((s) => s()));
});

async function sim(): Promise<VpsieSimulator> {
  const s = await startVpsieSimulator();
  stops.push(() => s.stop());
  return s;
}

const byNickname = (nickname: string) => SIM_PLANS.find((p) => p.nickname === nickname)!;
const NO_KUBE = { request: () => Promise.reject(new Error('the cluster must not be touched')) } as unknown as KubeHttp;

describe('doctor --launch-test', () => {
  it('without a terminal and without --yes: exit 2, a clear message, and no call to VPSie', async () => {
    const s = await sim();
    let err = '';
    vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
      err += String(chunk);
      return true;
    });
    const code = await run(['--launch-test', '--vpsie-url', s.url, '--token', 'sim-token', '--project', 'sim-project'], {}, { isTTY: false, ask: () => Promise.reject(new Error('must not ask')) });
    expect(code).toBe(2);
    expect(err).toMatch(/--launch-test buys a VM: without a terminal to confirm on, pass --yes/);
    expect(s.sim.calls()).toEqual([]);
  });

  it('picks the cheapest of the NodeGroup\'s offerings', async () => {
    const s = await sim();
    const client = new VpsieClient({ baseUrl: s.url, credentials: { kind: 'token', token: 'sim-token', deletePassword: '' } });
    const offeringIDs = ['A-4C-8G', 'A-1C-2G', 'A-2C-4G'].map((n) => byNickname(n).identifier);
    const plan = await smallestOffering(client, { datacenterID: SIM_DC.newYork, osImageID: SIM_OS_IMAGES['ubuntu-24.04'], offeringIDs });
    expect(plan?.nickname).toBe('A-1C-2G');
  });

  it('costs at least one started hour of the plan (billing by the started hour is a guess)', () => {
    const plan = { priceHourly: 0.01 } as VpsiePlan;
    expect(launchTestCost(plan, 40_000)).toEqual({ hours: 1, cost: 0.01 });
    expect(launchTestCost(plan, 3_600_001)).toEqual({ hours: 2, cost: 0.02 });
  });

  it('not confirmed: the question names the plan and its price, and nothing is bought', async () => {
    const s = await sim();
    const client = new VpsieClient({ baseUrl: s.url, credentials: { kind: 'token', token: 'sim-token', deletePassword: 'sim-delete-password' } });
    const plan = byNickname('A-1C-2G');
    const questions: string[] = [];
    const result = await runLaunchTest({
      client, kube: NO_KUBE, projectId: 'sim-project', join: { apiServerEndpoint: '10.0.0.1:6443', caCertHash: '' }, clusterId: 'c1', bootstrapDelivery: undefined, joinTimeoutMs: 60_000,
      group: { namespace: 'ns', name: 'workers', spec: { minNodes: 0, maxNodes: 2, datacenterID: SIM_DC.newYork, osImageID: SIM_OS_IMAGES['ubuntu-24.04'], offeringIDs: [plan.identifier], bootstrap: { secretName: 'boot' } } },
      confirm: async (question) => {
        questions.push(question);
        return false;
      },
      progress: () => {},
    });
    expect(result).toMatchObject({ ok: false, detail: 'not confirmed: nothing was bought' });
    expect(questions[0]).toMatch(new RegExp(`buys a A-1C-2G VM .*${Number(plan.price).toFixed(2)}/month`));
    expect(s.sim.calls('createVm')).toEqual([]);
    expect(s.sim.calls('addScript')).toEqual([]);
  });
});
