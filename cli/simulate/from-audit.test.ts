import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { auditDemand } from '../../functions/audit-demand.ts';
import { auditPlan } from '../../functions/audit.ts';
import { PLAN_VERSION, type PlanMessage } from '../../shared/plan-message.ts';
import { createLogger } from '../../shared/logger.ts';
import { runSimulate } from '../commands/simulate.ts';
import { traceFromAudit } from './from-audit.ts';
import { simulateRun } from './run.ts';
import { buildGroups, traceGroups } from './setup.ts';
import { policyFor, SIM_CLUSTER } from './simulate.ts';
import { TEST_OFFERINGS, groupYaml } from './test-helpers.ts';
import { DEFAULT_PROVISIONING, parseTrace, readTrace, replicasAt } from './trace.ts';

// The log is written by the functions' own audit code (auditPlan + auditDemand through the product's
// pino logger) for every plan of a simulated day; --from-audit must give back the day's workloads.

const dir = mkdtempSync(join(tmpdir(), 'from-audit-'));

const ORIGINAL = parseTrace(`durationHours: 3
${groupYaml(['small-2c4g', 'medium-4c8g'])}workloads:
  - name: web
    requests: { cpu: 250m, memory: 512Mi }
    replicas: [[0h, 2], [1h, 10], [2h, 10], [2h30m, 3]]
  - name: batch
    requests: { cpu: 1, memory: 2Gi }
    nodeSelector: { autoscaler.vpsie.com/nodegroup: workers }
    replicas: [[0h, 0], [1h10m, 0], [1h11m, 4], [1h40m, 4], [1h41m, 0]]
`, 'original');

function recordedLog(): string {
  let text = '';
  const logger = createLogger({ name: 'functions', destination: { write: (chunk: string) => { text += chunk; } } });
  logger.info({ component: 'http', method: 'POST', path: '/v1/reconcile', status: 200 }, 'request');
  const set = buildGroups(traceGroups(ORIGINAL), TEST_OFFERINGS);
  let token = 0;
  simulateRun({
    name: 'recorded', clusterId: SIM_CLUSTER.clusterId, groups: set.groups, nodeGroups: set.nodeGroups, offerings: TEST_OFFERINGS,
    workloads: ORIGINAL.workloads, provisioning: DEFAULT_PROVISIONING, policy: policyFor(), durationMs: 3 * 3600_000, stepMs: 60_000, seed: 3,
    onPlan: (snapshot, result, nowMs) => {
      token++;
      const message: PlanMessage = { version: PLAN_VERSION, clusterId: SIM_CLUSTER.clusterId, planId: `sim-${token}`, fencingToken: token, issuedAtMs: nowMs, commands: result.commands, decisions: result.decisions, nextContactAfterMs: result.nextContactAfterMs };
      auditPlan(logger, message, { snapshot });
      auditDemand(logger, message, snapshot);
    },
  });
  logger.flush?.();
  return text;
}

const LOG = recordedLog();
const logFile = join(dir, 'functions.log');
writeFileSync(logFile, LOG);

async function cli(args: string[]) {
  let stdout = '';
  let stderr = '';
  const status = await runSimulate(args, { stdout: (t) => { stdout += t; }, stderr: (t) => { stderr += t; } });
  return { status, stdout, stderr };
}

describe('simulate --from-audit', () => {
  it('the log holds command and decision lines besides the demand lines (a real trail, not only what the converter reads)', () => {
    const lines = LOG.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines.some((l) => l.type === 'command' && l.kind === 'createVm')).toBe(true);
    expect(lines.some((l) => l.type === 'decision' && l.kind === 'scale-up')).toBe(true);
    expect(lines.filter((l) => l.type === 'demand').length).toBeGreaterThan(300); // a plan at least every 30 s for 3 h
  });

  it('gives back the recorded workloads: their requests, node selector and replicas over the day; the NodeGroups from the log', () => {
    const { trace, lines } = traceFromAudit(LOG, 'functions.log');
    expect(lines).toBeGreaterThan(300);
    expect(trace.durationHours).toBe(3);
    const byName = Object.fromEntries(trace.workloads.map((w) => [w.name, w]));
    expect(Object.keys(byName).sort()).toEqual(['batch-rs', 'web-rs']);
    expect(byName['web-rs']!.requests).toMatchObject({ cpu: 250, memory: 512 * 2 ** 20 });
    expect(byName['batch-rs']!.requests).toMatchObject({ cpu: 1000, memory: 2 * 2 ** 30 });
    expect(byName['batch-rs']!.nodeSelector).toEqual({ 'autoscaler.vpsie.com/nodegroup': 'workers' });
    const original = Object.fromEntries(ORIGINAL.workloads.map((w) => [`${w.name}-rs`, w]));
    for (const name of ['web-rs', 'batch-rs']) {
      for (let minute = 0; minute < 180; minute += 7) {
        const atMs = minute * 60_000;
        // Within one pod: the log has a count per plan (at least every 30 s), linear in between.
        expect(Math.abs(replicasAt(byName[name]!, atMs) - replicasAt(original[name]!, atMs)), `${name} at ${minute} min`).toBeLessThanOrEqual(1);
      }
    }
    expect(trace.nodeGroups).toEqual([{ namespace: 'default', name: 'workers', spec: expect.objectContaining({ offeringIDs: ['small-2c4g', 'medium-4c8g'], maxNodes: 30 }) }]);
  });

  it('runs through the CLI: the report, and --save-trace writes a trace that --trace reads back', async () => {
    const saved = join(dir, 'recorded.yaml');
    const { status, stdout, stderr } = await cli(['--from-audit', logFile, '--save-trace', saved]);
    expect(stderr).toBe('');
    expect(status).toBe(0);
    expect(stdout.trimEnd().split('\n').at(-1)).toMatch(/^summary: cost=\d+\.\d\d /);
    const again = readTrace(saved);
    expect(again.workloads.map((w) => w.name).sort()).toEqual(['batch-rs', 'web-rs']);
    expect(readFileSync(saved, 'utf8')).toMatch(/^# From the audit log .*functions\.log: cluster sim, \d+ demand lines from 2025-01-06T00:00:00/);
  });

  it('bad input: exit 2 and one line naming the line of the log', async () => {
    const lines = LOG.trim().split('\n');
    const demandAt = lines.findIndex((l) => l.includes('"type":"demand"'));
    const broken = [...lines];
    broken[demandAt + 2] = '{"level":"info","msg":"audit"'; // cut short
    const badShape = [...lines];
    badShape[demandAt] = lines[demandAt]!.replace(/"cpuMillis":\d+/, '"cpuMillis":-1');
    const noGroups = lines.map((l) => (l.includes('"type":"demand"') ? JSON.stringify({ ...JSON.parse(l), nodeGroups: [] }) : l));
    const cases: [string, string[], RegExp][] = [
      ['cut.log', broken, new RegExp(`cut\\.log line ${demandAt + 3}: not a JSON log line`)],
      ['shape.log', badShape, new RegExp(`shape\\.log line ${demandAt + 1}: not a valid demand line: shapes\\.0\\.cpuMillis`)],
      ['none.log', lines.filter((l) => !l.includes('"type":"demand"')), /none\.log: no demand lines/],
      ['nogroups.log', noGroups, /the log names no NodeGroups; give them with --cluster/],
    ];
    for (const [name, content, message] of cases) {
      const path = join(dir, name);
      writeFileSync(path, `${content.join('\n')}\n`);
      const { status, stdout, stderr } = await cli(['--from-audit', path]);
      expect(status, name).toBe(2);
      expect(stdout).toBe('');
      expect(stderr).toMatch(message);
      expect(stderr.trimEnd().split('\n')).toHaveLength(1);
    }
    const both = await cli(['--from-audit', logFile, '--trace', join(dir, 'x.yaml')]);
    expect(both.status).toBe(2);
    expect(both.stderr).toMatch(/--trace and --from-audit: give one of them/);
  });
});
