import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { REPO } from './render.ts';

// The metric names a PromQL expression selects. Not a PromQL parser: strings, label matchers,
// ranges and grouping clauses are removed, then every identifier that is not a function call, a
// keyword or a Grafana variable is a metric name. Enough for the dashboard's and the rules' queries,
// and checked on them (infra/grafana/dashboard.test.ts).

const KEYWORDS = new Set(['by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'and', 'or', 'unless', 'offset', 'bool', 'inf', 'nan']);

export function metricNames(expr: string): string[] {
  const stripped = expr
    .replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`/g, '""')
    .replace(/\{[^}]*\}/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ')
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ')
    // Numbers and durations (0.9, 1e18, 5m): their letters are no names.
    .replace(/(?<![A-Za-z0-9_:])\d+(?:\.\d+)?(?:e[+-]?\d+)?(?:ms|s|m|h|d|w|y)?(?![A-Za-z0-9_:])/g, ' ');
  const names = new Set<string>();
  for (const match of stripped.matchAll(/(\$?)([A-Za-z_:][A-Za-z0-9_:]*)(\s*\()?/g)) {
    const [, dollar, name, call] = match;
    if (dollar || call || KEYWORDS.has(name!.toLowerCase())) continue;
    names.add(name!);
  }
  return [...names];
}

/** The series a /metrics page exports: names from its # TYPE lines (histograms with _bucket, _sum, _count). */
export function exportedNames(metricsText: string): Set<string> {
  const out = new Set<string>();
  for (const [, name, type] of metricsText.matchAll(/^# TYPE (\S+) (\S+)$/gm)) {
    out.add(name!);
    if (type === 'histogram') for (const suffix of ['_bucket', '_sum', '_count']) out.add(name! + suffix);
    if (type === 'summary') for (const suffix of ['_sum', '_count']) out.add(name! + suffix);
  }
  return out;
}

/** Every query of the dashboard and the alert rules, each with where it is. */
export function shippedQueries(): Array<{ where: string; expr: string }> {
  const dashboard = JSON.parse(readFileSync(join(REPO, 'infra', 'grafana', 'vpsie-autoscaler.json'), 'utf8')) as {
    panels: Array<{ title: string; targets: Array<{ expr: string }> }>;
    templating: { list: Array<{ name: string; query?: string }> };
  };
  const rules = parse(readFileSync(join(REPO, 'infra', 'prometheus', 'alerts.yaml'), 'utf8')) as { groups: Array<{ rules: Array<{ alert: string; expr: string }> }> };
  const out: Array<{ where: string; expr: string }> = [];
  for (const panel of dashboard.panels) for (const t of panel.targets) out.push({ where: `panel "${panel.title}"`, expr: t.expr });
  for (const v of dashboard.templating.list) {
    const inner = /^label_values\(([^,]+),/.exec(v.query ?? '')?.[1];
    if (inner) out.push({ where: `variable $${v.name}`, expr: inner });
  }
  for (const group of rules.groups) for (const r of group.rules) out.push({ where: `alert ${r.alert}`, expr: r.expr });
  return out;
}

/** Series that exist without the forwarder exporting them (Prometheus's own, per scrape). */
export const SCRAPE_SERIES = new Set(['up']);
