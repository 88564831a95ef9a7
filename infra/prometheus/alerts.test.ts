import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { runTool } from '../../test/harness/tools.ts';

// The alert rules under a real promtool (built from Go modules by test/harness/build-tools.sh):
// `promtool check rules` and `promtool test rules` on the synthetic series of alerts.test.yaml.

const DIR = import.meta.dirname;
const rules = parse(readFileSync(join(DIR, 'alerts.yaml'), 'utf8')) as { groups: Array<{ rules: Array<{ alert: string; annotations: { runbook_url: string } }> }> };
const tests = parse(readFileSync(join(DIR, 'alerts.test.yaml'), 'utf8')) as { tests: Array<{ alert_rule_test: Array<{ alertname: string; exp_alerts: unknown[] }> }> };
const alerts = rules.groups.flatMap((g) => g.rules);

describe('Prometheus alert rules (infra/prometheus/alerts.yaml)', () => {
  it('pass promtool check rules', async () => {
    const run = await runTool('promtool', ['check', 'rules', 'alerts.yaml'], { cwd: DIR });
    expect(run.stdout + run.stderr).toContain(`SUCCESS: ${alerts.length} rules found`);
    expect(run.code).toBe(0);
  });

  it('pass promtool test rules, with a positive and a negative case for every alert', async () => {
    const cases = tests.tests.flatMap((t) => t.alert_rule_test);
    for (const { alert } of alerts) {
      expect({ alert, positive: cases.some((c) => c.alertname === alert && c.exp_alerts.length > 0) }).toEqual({ alert, positive: true });
      expect({ alert, negative: cases.some((c) => c.alertname === alert && c.exp_alerts.length === 0) }).toEqual({ alert, negative: true });
    }
    const run = await runTool('promtool', ['test', 'rules', 'alerts.test.yaml'], { cwd: DIR, timeoutMs: 120_000 });
    expect(run.stdout + run.stderr).toContain('SUCCESS');
    expect(run.code, run.stdout + run.stderr).toBe(0);
  });

  it('fail promtool test rules when an alert would not fire (the suite can fail)', async () => {
    // The same tests against rules whose thresholds are out of reach: every positive case must fail.
    const { mkdtempSync, writeFileSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const dir = mkdtempSync(join(tmpdir(), 'alerts-'));
    const unreachable = readFileSync(join(DIR, 'alerts.yaml'), 'utf8').replace(/> (0\.2|900|1800|600|4000|0)\b/g, '> 1e18').replace('== 1', '== 7');
    writeFileSync(join(dir, 'alerts.yaml'), unreachable);
    writeFileSync(join(dir, 'alerts.test.yaml'), readFileSync(join(DIR, 'alerts.test.yaml')));
    const run = await runTool('promtool', ['test', 'rules', 'alerts.test.yaml'], { cwd: dir, timeoutMs: 120_000 });
    expect(run.code).not.toBe(0);
    const failed = [...new Set([...(run.stdout + run.stderr).matchAll(/alertname: (\w+)/g)].map((m) => m[1]))];
    expect(failed.sort()).toEqual(alerts.map((a) => a.alert).sort());
  });

  it('link each alert to a runbook that exists', () => {
    for (const { alert, annotations } of alerts) {
      const file = annotations.runbook_url.replace(/^.*\/docs\/runbooks\//, '');
      expect({ alert, runbook: readFileSync(join(DIR, '..', '..', 'docs', 'runbooks', file), 'utf8').length > 200 }).toEqual({ alert, runbook: true });
    }
  });
});
