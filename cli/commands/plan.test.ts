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
    expect(report.provision).toEqual([{ nodeGroup: 'workers', offering: 'vps-4c8g', count: 1, monthlyCost: 24 }]);
    expect(report.remove).toEqual([]);
    expect(report.unschedulable.map((u: { pod: string; reason: string }) => [u.pod, u.reason])).toEqual([['ml/huge-0', 'too-large'], ['ml/train-0', 'no-group-admits']]);
    expect(report.monthlyCostDelta).toBe(24);
  });

  it('prints a table for people', () => {
    const { status, stdout } = cli(['--cluster', fixture('cluster.yaml'), '--offerings', fixture('offerings.json'), '--now', NOW]);
    expect(status).toBe(0);
    expect(stdout).toMatch(/NODEGROUP\s+OFFERING\s+COUNT\s+MONTHLY\nworkers\s+vps-4c8g\s+1\s+24\.00/);
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
    // 3 × 1.5 CPU: one 8-CPU node ($40) vs three 2-CPU nodes ($36): the small ones are cheaper.
    expect(JSON.parse(stdout).provision).toEqual([{ nodeGroup: 'workers', offering: 'vps-2c4g', count: 3, monthlyCost: 36 }]);
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
    expect(elapsed.remove).toEqual([{ node: 'idle', nodeGroup: 'workers', reason: 'empty' }]);
    expect(elapsed.monthlyCostDelta).toBe(-24);
  });
});
