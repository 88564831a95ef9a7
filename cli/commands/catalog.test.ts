import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { parseNodeGroupSpec } from '../../shared/nodegroup.ts';
import { SIM_CATEGORIES, SIM_DATACENTERS, SIM_DC, SIM_OS_IMAGES, SIM_PLANS, startVpsieSimulator, type VpsieSimulator } from '../../test/vpsie-sim/index.ts';
import { runCatalog } from './catalog.ts';

// `catalog` against the VPSie simulator: what a NodeGroup needs, read with an API token.

const OS = SIM_OS_IMAGES['ubuntu-24.04'];
let sim: VpsieSimulator;
beforeAll(async () => {
  sim = await startVpsieSimulator({});
});
afterAll(() => sim.stop());

async function catalog(args: string[], env: Record<string, string | undefined> = { VPSIE_TOKEN: 'sim-token' }) {
  let stdout = '';
  let stderr = '';
  const code = await runCatalog(['--vpsie-url', sim.url, ...args], { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t), env });
  return { code, stdout, stderr };
}

/** The plans the simulator offers in a datacenter (its catalogue: unavailableIn lists exceptions). */
const plansIn = (dc: string) => SIM_PLANS.filter((p) => !(p.unavailableIn ?? []).includes(dc));

describe('vpsie-autoscaler catalog', () => {
  it('lists active datacenters, categories and, per datacenter, every plan with size and prices', async () => {
    const { code, stdout, stderr } = await catalog(['--os-image', OS]);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    for (const dc of SIM_DATACENTERS.filter((d) => d.is_active === 1)) expect(stdout).toContain(`Plans in ${dc.dc_name} (${dc.identifier})`);
    expect(stdout).not.toContain('Toronto'); // inactive
    for (const c of SIM_CATEGORIES) expect(stdout).toContain(c.name);
    // A-4C-8G: 4 CPU, 8 GiB, $40 a month = 40/720 an hour (VPSie's 720-hour month).
    expect(stdout).toMatch(/9b1e0000-0000-4000-8000-000000000104\s+A-4C-8G\s+A - Standard.*\s4\s+8 GiB\s+160 GB\s+\$40\.00\s+\$0\.0556/);
    const london = stdout.split('Plans in London')[1]!.split('Plans in')[0]!;
    const londonRows = london.split('\n').filter((l) => /^\s+9b1e/.test(l));
    expect(londonRows).toHaveLength(plansIn(SIM_DC.london).length);
  });

  it('--output json keeps identifiers and names, with hourly prices', async () => {
    const { code, stdout } = await catalog(['--os-image', OS, '--datacenter', 'new york', '--category', SIM_CATEGORIES[0]!.identifier, '--output', 'json']);
    expect(code).toBe(0);
    const parsed = JSON.parse(stdout) as { datacenters: { identifier: string }[]; plans: { identifier: string; nickname: string; priceMonthly: number; priceHourly: number; datacenterID: string; categoryName: string }[] };
    expect(parsed.datacenters.map((d) => d.identifier)).toEqual([SIM_DC.newYork]);
    const expected = plansIn(SIM_DC.newYork).filter((p) => p.categoryIdentifier === SIM_CATEGORIES[0]!.identifier);
    expect(parsed.plans.map((p) => p.nickname).sort()).toEqual(expected.map((p) => p.nickname).sort());
    const a2 = parsed.plans.find((p) => p.nickname === 'A-2C-4G')!;
    expect(a2).toMatchObject({ identifier: '9b1e0000-0000-4000-8000-000000000103', priceMonthly: 20, datacenterID: SIM_DC.newYork });
    expect(a2.priceHourly).toBeCloseTo(20 / 720, 6);
  });

  it('--output yaml prints a NodeGroup skeleton with the chosen ids that the NodeGroup schema accepts', async () => {
    const { code, stdout } = await catalog(['--os-image', OS, '--datacenter', SIM_DC.frankfurt, '--plan', 'A-2C-4G', '--plan', '9b1e0000-0000-4000-8000-000000000104', '-o', 'yaml', '--name', 'web', '--namespace', 'ops']);
    expect(code).toBe(0);
    const doc = parse(stdout) as { apiVersion: string; kind: string; metadata: { name: string; namespace: string }; spec: Record<string, unknown> };
    expect(doc).toMatchObject({ apiVersion: 'autoscaler.vpsie.com/v1alpha1', kind: 'NodeGroup', metadata: { name: 'web', namespace: 'ops' } });
    const spec = parseNodeGroupSpec(doc.spec, 'ops/web');
    expect(spec.datacenterID).toBe(SIM_DC.frankfurt);
    expect(spec.osImageID).toBe(OS);
    expect(spec.offeringIDs).toEqual(['9b1e0000-0000-4000-8000-000000000103', '9b1e0000-0000-4000-8000-000000000104']);
    expect(stdout).toContain('A-2C-4G');
  });

  it('without --os-image lists datacenters and categories and says why there are no plans', async () => {
    const plansListed = sim.sim.calls('listPlans').length;
    const { code, stdout } = await catalog([]);
    expect(code).toBe(0);
    expect(stdout).toContain('New York');
    expect(stdout).toContain('give --os-image <id>');
    expect(sim.sim.calls('listPlans')).toHaveLength(plansListed);
  });

  it('refuses bad input before calling VPSie, naming what is wrong', async () => {
    const before = sim.sim.calls().length;
    const yaml = await catalog(['-o', 'yaml', '--os-image', OS]);
    expect(yaml.code).toBe(2);
    expect(yaml.stderr).toContain('--output yaml needs --datacenter, --plan');
    const output = await catalog(['-o', 'xml']);
    expect(output.code).toBe(2);
    expect(output.stderr).toContain('--output must be table, json or yaml, got "xml"');
    const name = await catalog(['--name', 'Not_A_Label']);
    expect(name.code).toBe(2);
    expect(sim.sim.calls().length).toBe(before);
  });

  it('names an unknown datacenter or plan with what is known, exit 2', async () => {
    const dc = await catalog(['--datacenter', 'Paris']);
    expect(dc.code).toBe(2);
    expect(dc.stderr).toContain('no datacenter "Paris"; known: New York');
    const plan = await catalog(['--os-image', OS, '--datacenter', 'London', '--plan', 'Z-9C', '-o', 'yaml']);
    expect(plan.code).toBe(2);
    expect(plan.stderr).toContain('no plan "Z-9C" in datacenter London');
  });

  it('says "no VPSie credentials" when it has none, and reports a refused token as a VPSie error', async () => {
    const none = await catalog(['--kubeconfig', '/nonexistent/kubeconfig'], {});
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('no VPSie credentials');
    const refused = await catalog([], { VPSIE_TOKEN: 'wrong-token' });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/VPSie API .*401/);
  });
});
