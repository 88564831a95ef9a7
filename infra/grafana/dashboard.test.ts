import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { exportedNames, metricNames, shippedQueries } from '../../test/observability/promql-names.ts';

// The dashboard's shape, and the name extraction the series test (test/observability/
// series.int.test.ts, against a running forwarder's /metrics) relies on.

const dashboard = JSON.parse(readFileSync(join(import.meta.dirname, 'vpsie-autoscaler.json'), 'utf8')) as {
  uid: string;
  panels: Array<{ id: number; title: string; datasource: { uid: string }; targets: Array<{ expr: string; refId: string }> }>;
};

describe('Grafana dashboard infra/grafana/vpsie-autoscaler.json', () => {
  it('has panels with unique ids, a query each, on the datasource variable', () => {
    expect(dashboard.uid).toBe('vpsie-autoscaler');
    expect(new Set(dashboard.panels.map((p) => p.id)).size).toBe(dashboard.panels.length);
    for (const p of dashboard.panels) {
      expect(p.targets.length, p.title).toBeGreaterThan(0);
      expect(p.datasource.uid).toBe('${datasource}');
    }
  });

  it('charts the latency histograms the issue asks for', () => {
    const all = dashboard.panels.flatMap((p) => p.targets.map((t) => t.expr)).join('\n');
    for (const name of ['trigger_to_create_seconds_bucket', 'create_to_ready_seconds_bucket', 'pod_pending_seconds_bucket', 'drain_duration_seconds_bucket']) expect(all).toContain(`vpsie_autoscaler_${name}`);
  });
});

describe('metricNames', () => {
  it('finds the series of an expression, not its functions, labels, keywords, ranges or variables', () => {
    expect(metricNames('histogram_quantile(0.9, sum by (le, method) (rate(a_bucket{method=~"$m", x="y{z}"}[$__rate_interval])))')).toEqual(['a_bucket']);
    expect(metricNames('sum(x) / on (instance) group_left() y unless z > bool 0 or time() - max(w) > 600').sort()).toEqual(['w', 'x', 'y', 'z']);
    expect(metricNames('absent(vpsie_up) or sum(q{job="a"} offset 5m) < 1')).toEqual(['vpsie_up', 'q']);
  });

  it('lets the series check see a misspelt name', () => {
    const exported = exportedNames('# HELP a_total x\n# TYPE a_total counter\na_total 0\n# TYPE h histogram\n');
    expect(exported).toEqual(new Set(['a_total', 'h', 'h_bucket', 'h_sum', 'h_count']));
    expect(metricNames('rate(a_totl[5m]) + h_bucket').filter((n) => !exported.has(n))).toEqual(['a_totl']);
  });

  it('reads every query of the dashboard and the alert rules', () => {
    const queries = shippedQueries();
    expect(queries.filter((q) => q.where.startsWith('panel')).length).toBe(dashboard.panels.flatMap((p) => p.targets).length);
    expect(queries.filter((q) => q.where.startsWith('alert')).length).toBe(7);
    for (const q of queries) expect(metricNames(q.expr).length, `${q.where}: ${q.expr}`).toBeGreaterThan(0);
  });
});
