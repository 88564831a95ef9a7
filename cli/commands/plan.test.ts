import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runPlan } from './plan.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));
const fixture = (name: string) => `${root}test/fixtures/plan-cli/${name}`;
const NOW = '2026-01-02T10:30:00Z';

/** End to end: the real CLI entry through tsx, as a user runs it. */
function cli(args: string[]) {
  const result = spawnSync(process.execPath, ['--import', 'tsx', `${root}cli/main.ts`, 'plan', ...args], { encoding: 'utf8', cwd: root, timeout: 60_000 });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

async function inProcess(args: string[]) {
  let stdout = '';
  let stderr = '';
  const status = await runPlan(args, { stdout: (t) => { stdout += t; }, stderr: (t) => { stderr += t; }, nowMs: () => Date.parse(NOW) });
  return { status, stdout, stderr };
}

describe('vpsie-autoscaler plan (spawned)', () => {
  it('prints the JSON plan for a multi-document dump', () => {
    const { status, stdout, stderr } = cli(['--cluster', fixture('cluster.yaml'), '--offerings', fixture('offerings.json'), '--now', NOW, '--output', 'json']);
    expect(stderr).toBe('');
    expect(status).toBe(0);
    const report = JSON.parse(stdout);
    // The JSON keeps the identifier and adds the nickname from the offerings file.
    expect(report.provision).toEqual([{ nodeGroup: 'workers', offering: 'vps-4c8g', offeringName: 'Medium', count: 1, monthlyCost: 24 }]);
    expect(report.remove).toEqual([]);
    expect(report.unschedulable.map((u: { pod: string; reason: string }) => [u.pod, u.reason])).toEqual([['ml/huge-0', 'too-large'], ['ml/train-0', 'no-group-admits']]);
    expect(report.monthlyCostDelta).toBe(24);
  });

  it('prints a table for people', () => {
    const { status, stdout } = cli(['--cluster', fixture('cluster.yaml'), '--offerings', fixture('offerings.json'), '--now', NOW]);
    expect(status).toBe(0);
    expect(stdout).toMatch(/NODEGROUP\s+OFFERING\s+COUNT\s+MONTHLY\nworkers\s+Medium \(vps-4c8g\)\s+1\s+24\.00/);
    expect(stdout).toMatch(/Left pending 2 pod\(s\)/);
    expect(stdout).toMatch(/ml\/train-0\s+no-group-admits/);
    expect(stdout).toMatch(/Monthly cost change: \+24\.00/);
  });

  it('exits 2 with one line on stderr for an invalid NodeGroup', () => {
    const { status, stdout, stderr } = cli(['--cluster', fixture('invalid-nodegroup.yaml'), '--offerings', fixture('offerings.json')]);
    expect(status).toBe(2);
    expect(stdout).toBe('');
    expect(stderr.trim().split('\n')).toHaveLength(1);
    expect(stderr).toMatch(/NodeGroup broken is invalid: spec.minNodes: minNodes \(5\) must not exceed maxNodes \(2\)/);
  });
});

describe('vpsie-autoscaler plan (in process)', () => {
  it('reads a kind: List, ignoring kinds it does not plan with', async () => {
    const { status, stdout, stderr } = await inProcess(['--cluster', fixture('cluster-list.yaml'), '--offerings', fixture('offerings.json'), '--output', 'json']);
    expect(status).toBe(0);
    expect(stderr).toMatch(/ignored objects of kind Service/);
    // 3 × 1.5 CPU: three 2-CPU nodes ($36) vs one 8-CPU node ($40). With the default per-node
    // overhead (spec.nodeOverhead.monthlyCost 3.65, a planning weight) the search weighs
    // 36 + 3 × 3.65 = 46.95 against 40 + 3.65 = 43.65: the one large node; its reported cost is its
    // price, $40.
    expect(JSON.parse(stdout).provision).toEqual([{ nodeGroup: 'workers', offering: 'vps-8c16g', offeringName: 'Large', count: 1, monthlyCost: 40 }]);
  });

  it.each([
    [['--cluster', fixture('missing.yaml'), '--offerings', fixture('offerings.json')], /cannot read --cluster .*missing\.yaml: ENOENT/],
    [['--cluster', fixture('cluster.yaml'), '--offerings', fixture('missing.json')], /cannot read --offerings .*missing\.json: ENOENT/],
    [['--cluster', fixture('invalid.yaml'), '--offerings', fixture('offerings.json')], /invalid\.yaml: invalid YAML in document 1/],
    [['--cluster', fixture('cluster.yaml'), '--offerings', fixture('invalid-offerings.json')], /invalid-offerings\.json: invalid JSON/],
    [['--cluster', fixture('cluster.yaml'), '--offerings', fixture('cluster.yaml')], /cluster\.yaml: invalid JSON/],
    [['--cluster', fixture('unknown-offering.yaml'), '--offerings', fixture('offerings.json')], /NodeGroup default\/workers: offering "vps-64c256g" not in the --offerings list/],
    [['--offerings', fixture('offerings.json')], /--cluster <file.yaml> is required/],
    [['--cluster', fixture('cluster.yaml'), '--offerings', fixture('offerings.json'), '--now', 'yesterday'], /--now: "yesterday" is not an ISO-8601 time/],
    [['--cluster', fixture('cluster.yaml'), '--offerings', fixture('offerings.json'), '--output', 'xml'], /--output must be json or table/],
    [['--cluster', fixture('cluster.yaml'), '--offerings', fixture('offerings.json'), '--bogus'], /Unknown option '--bogus'/],
  ])('exits 2 naming the problem: %j', async (args, message) => {
    const { status, stdout, stderr } = await inProcess(args);
    expect(status).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toMatch(message);
    expect(stderr.trim().split('\n')).toHaveLength(1);
  });

  it('rejects a plan list that reports an error or lacks fields', async () => {
    const { writeFileSync, mkdtempSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const dir = mkdtempSync(`${tmpdir()}/plan-cli-`);
    writeFileSync(`${dir}/err.json`, '{"error":true,"message":"unauthorized"}');
    writeFileSync(`${dir}/shape.json`, '{"error":false,"data":[{"identifier":"x","cpu":"two","ram":1024,"price":1}]}');
    expect((await inProcess(['--cluster', fixture('cluster.yaml'), '--offerings', `${dir}/err.json`])).stderr).toMatch(/reports an error: "unauthorized"/);
    expect((await inProcess(['--cluster', fixture('cluster.yaml'), '--offerings', `${dir}/shape.json`])).stderr).toMatch(/data\.0\.cpu/);
  });

  it('removes an idle node only when --assume-windows-elapsed skips the observation window', async () => {
    const base = ['--cluster', fixture('scale-down.yaml'), '--offerings', fixture('offerings.json'), '--now', NOW, '--output', 'json'];
    const plain = JSON.parse((await inProcess(base)).stdout);
    const elapsed = JSON.parse((await inProcess([...base, '--assume-windows-elapsed'])).stdout);
    expect(plain.remove).toEqual([]);
    expect(plain.monthlyCostDelta).toBe(0);
    expect(elapsed.remove).toEqual([{ node: 'idle', nodeGroup: 'workers', reason: 'empty', monthlySaving: 24 }]);
    expect(elapsed.monthlyCostDelta).toBe(-24);
  });

  it('explains every kept node when nothing is removed (JSON and table)', async () => {
    const base = ['--cluster', fixture('scale-down.yaml'), '--offerings', fixture('offerings.json'), '--now', NOW];
    const report = JSON.parse((await inProcess([...base, '--output', 'json'])).stdout);
    // scale-down.yaml: "busy" runs pods above the 50% thresholds, "idle" runs none but the window has only begun.
    expect(report.kept.map((k: { node: string; nodeGroup: string; reason: string }) => [k.node, k.nodeGroup, k.reason])).toEqual([['busy', 'workers', 'not-underused'], ['idle', 'workers', 'stabilizing']]);
    const { stdout } = await inProcess([...base, '--output', 'table']);
    expect(stdout).toContain('Remove: nothing.');
    expect(stdout).toMatch(/Kept 2 node\(s\):\nNODE\s+NODEGROUP\s+REASON\s+WHY\nbusy\s+workers\s+not-underused\s+CPU [\d.]+%, memory [\d.]+% requested; thresholds CPU 50%, memory 50%\nidle\s+workers\s+stabilizing\s+.*of the 600s window/);
    expect(stdout).toContain('--assume-windows-elapsed shows the plan once they have passed');
  });
});

describe('vpsie-autoscaler plan --vms', () => {
  const base = ['--cluster', fixture('vms-cluster.yaml'), '--offerings', fixture('offerings.json'), '--cluster-id', 'c1', '--now', NOW];

  it('shows which VMs the plan deletes and why, and which it never touches and why (spawned)', () => {
    const { status, stdout, stderr } = cli([...base, '--vms', fixture('vms-mixed.json'), '--output', 'json']);
    expect(stderr).toBe('');
    expect(status).toBe(0);
    const report = JSON.parse(stdout);
    // vms-mixed.json: the Node's VM (id-a) stays; its second VM (id-a2) and an old VM of ours without
    // a Node (id-lost) go; an unmarked VM, c1-eu's and a VM outside c1's pattern are never touched.
    expect(report.vms.delete.map((d: { identifier: string; reason: string }) => [d.identifier, d.reason]).sort()).toEqual([['id-a2', 'duplicate-vm'], ['id-lost', 'orphan-vm']]);
    expect(report.vms.untouched.map((u: { identifier: string; owner: string }) => [u.identifier, u.owner])).toEqual([['id-old', 'unmarked'], ['id-eu1', 'foreign'], ['id-build', 'foreign']]);
    expect(report.vms.untouched.find((u: { identifier: string }) => u.identifier === 'id-eu1').why).toMatch(/marked for cluster c1-eu/);
  });

  it('deletes none of a foreign cluster\'s VMs (c1-eu\'s, matching c1\'s hostname pattern), given as a bare array', async () => {
    const { status, stdout } = await inProcess([...base, '--vms', fixture('vms-foreign.json'), '--output', 'json']);
    expect(status).toBe(0);
    const report = JSON.parse(stdout);
    expect(report.vms.delete).toEqual([]);
    expect(report.vms.untouched.map((u: { owner: string }) => u.owner)).toEqual(['foreign', 'foreign', 'unmarked']);
    expect(report.decisions.filter((d: { kind: string }) => d.kind === 'orphan-vm')).toEqual([]);
  });

  it('lists the deletions in the table', async () => {
    const { stdout } = await inProcess([...base, '--vms', fixture('vms-mixed.json')]);
    expect(stdout).toMatch(/Delete 2 VM\(s\):/);
    expect(stdout).toMatch(/c1-pool-lost1\s+id-lost\s+orphan-vm\s+VM c1-pool-lost1 has no Node/);
    expect(stdout).toMatch(/Never touched 3 VM\(s\):/);
  });

  it.each([
    ['a row without identifier', fixture('invalid-vms.json'), /invalid-vms\.json: not a VPSie VM list .*row 0\.identifier/],
    ['the plan list instead of the VM list', fixture('offerings.json'), /offerings\.json: not a VPSie VM list/],
    ['a missing file', fixture('no-such-vms.json'), /cannot read --vms .*no-such-vms\.json: ENOENT/],
  ])('refuses %s with exit 2 and one line', async (_what, file, message) => {
    const { status, stdout, stderr } = await inProcess([...base, '--vms', file]);
    expect(status).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toMatch(message);
    expect(stderr.trim().split('\n')).toHaveLength(1);
  });

  it('refuses a bad --cluster-id or --hostname-prefix', async () => {
    expect((await inProcess([...base.slice(0, 4), '--cluster-id', 'Not_An_Id', '--vms', fixture('vms-mixed.json')])).stderr).toMatch(/--cluster-id/);
    expect((await inProcess([...base, '--hostname-prefix', 'UP-', '--vms', fixture('vms-mixed.json')])).stderr).toMatch(/--hostname-prefix/);
  });
});
