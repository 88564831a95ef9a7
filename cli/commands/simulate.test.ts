import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runSimulate } from './simulate.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'simulate-cli-'));
const file = (name: string, text: string) => { const path = join(dir, name); writeFileSync(path, text); return path; };

const TRACE = file('small.yaml', `durationHours: 2
nodeGroups:
  - name: workers
    spec: { minNodes: 1, maxNodes: 10, datacenterID: dc-1, osImageID: os-1, offeringIDs: [small-2c4g, medium-4c8g] }
workloads:
  - name: web
    requests: { cpu: 500m, memory: 512Mi }
    replicas: [[0h, 2], [30m, 8], [1h30m, 2]]
`);

async function inProcess(args: string[]) {
  let stdout = '';
  let stderr = '';
  const status = await runSimulate(args, { stdout: (t) => { stdout += t; }, stderr: (t) => { stderr += t; } });
  return { status, stdout, stderr };
}

describe('vpsie-autoscaler simulate', () => {
  it('prints the table ending with the summary line, with the default catalogue (examples/offerings.json)', async () => {
    const { status, stdout, stderr } = await inProcess(['--trace', TRACE]);
    expect(stderr).toBe('');
    expect(status).toBe(0);
    expect(stdout).toMatch(/cost, total \(\$\)\s+\d+\.\d\d\s+\d+\.\d\d\s+\d+\.\d\d/);
    expect(stdout.trimEnd().split('\n').at(-1)).toMatch(/^summary: cost=\d+\.\d\d static=\d+\.\d\d savings=-?\d+\.\d% ca-like=/);
  });

  it('--output json and --plot: a parseable report and an SVG with the three runs', async () => {
    const plot = join(dir, 'out.svg');
    const { status, stdout } = await inProcess(['--trace', TRACE, '--output', 'json', '--plot', plot, '--seed', '7']);
    expect(status).toBe(0);
    const report = JSON.parse(stdout);
    expect(report.seed).toBe(7);
    expect(report.summary).toMatch(/^summary: /);
    expect(report.project).not.toHaveProperty('samples');
    const svg = readFileSync(plot, 'utf8');
    expect(svg.startsWith('<svg')).toBe(true);
    for (const name of ['capacity: project', 'capacity: ca-like', 'capacity: static', 'project: $/hour']) expect(svg).toContain(name);
  });

  it('--plot out.png writes a PNG (the chart rasterised; its pixels are tested in cli/simulate/plot-png.test.ts)', async () => {
    const plot = join(dir, 'out.png');
    const { status } = await inProcess(['--trace', TRACE, '--plot', plot]);
    expect(status).toBe(0);
    const png = readFileSync(plot);
    expect([...png.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    expect([png.readUInt32BE(16), png.readUInt32BE(20)]).toEqual([2000, 1520]); // IHDR width, height
  });

  it('--cluster takes the NodeGroups from a dump (both groups of the plan fixture)', async () => {
    const trace = file('nogroups-ok.yaml', 'durationHours: 1\nworkloads:\n  - name: web\n    requests: { cpu: 500m, memory: 512Mi }\n    replicas: [[0h, 2], [30m, 6]]\n');
    const fixtures = `${root}test/fixtures/plan-cli`;
    const { status, stdout } = await inProcess(['--trace', trace, '--cluster', `${fixtures}/cluster.yaml`, '--offerings', `${fixtures}/offerings.json`, '--output', 'json']);
    expect(status).toBe(0);
    expect(Object.keys(JSON.parse(stdout).caLikeOfferings).sort()).toEqual(['kube-system/gpu', 'kube-system/workers']);
  });

  it('bad input: exit 2, one line naming the problem, nothing written', async () => {
    const bad = file('bad.yaml', 'durationHours: 2\nworkloads:\n  - name: web\n    requests: { cpu: 1, memory: 1Gi }\n    replicas: [[1h, 2], [30m, 3]]\n');
    const cases: [string[], RegExp][] = [
      [[], /--trace <file\.yaml> or --from-audit <log> is required/],
      [['--trace', bad], /bad\.yaml: not a valid trace: workloads\.0\.replicas\.1\.0: times must increase/],
      [['--trace', join(dir, 'missing.yaml')], /cannot read --trace .*missing\.yaml: ENOENT/],
      [['--trace', TRACE, '--output', 'xml'], /--output must be json or table/],
      [['--trace', TRACE, '--seed', 'abc'], /--seed must be a whole number/],
      [['--trace', TRACE, '--plot', join(dir, 'x.jpg')], /--plot writes SVG or PNG: .*x\.jpg/],
      [['--trace', TRACE, '--offerings', file('o.json', '{"data":[{"identifier":"other","cpu":1,"ram":1024,"price":1}]}')], /offering "small-2c4g", "medium-4c8g" not in the offerings list/],
      [['--trace', file('nogroups.yaml', 'durationHours: 1\nworkloads:\n  - name: web\n    requests: { cpu: 1, memory: 1Gi }\n    replicas: [[0h, 1]]\n')], /no NodeGroups/],
      [['--trace', file('badgroup.yaml', 'durationHours: 1\nnodeGroups:\n  - name: w\n    spec: { maxNodes: -1, datacenterID: d, osImageID: o, offeringIDs: [small-2c4g] }\nworkloads:\n  - name: web\n    requests: { cpu: 1, memory: 1Gi }\n    replicas: [[0h, 1]]\n')], /NodeGroup default\/w is invalid: spec\.maxNodes/],
    ];
    for (const [args, message] of cases) {
      const { status, stdout, stderr } = await inProcess(args);
      expect(status, args.join(' ')).toBe(2);
      expect(stdout).toBe('');
      expect(stderr).toMatch(message);
      expect(stderr.trimEnd().split('\n')).toHaveLength(1);
    }
  });

  it('spawned through the CLI entry: exit status 2 for a bad trace', () => {
    const bad = file('spawn-bad.yaml', 'durationHours: oops\nworkloads: []\n');
    const result = spawnSync(process.execPath, ['--import', 'tsx', `${root}cli/main.ts`, 'simulate', '--trace', bad], { encoding: 'utf8', cwd: root, timeout: 60_000 });
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/^vpsie-autoscaler simulate: .*spawn-bad\.yaml: not a valid trace: durationHours/);
  });
});
