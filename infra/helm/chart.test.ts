import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { z } from 'zod';
import { envSection } from '../../shared/config.ts';
import { ENV_PREFIX, forwarderConfigSchema, parseForwarderConfig } from '../../forwarder/config.ts';
import { runTool } from '../../test/harness/tools.ts';
import { CHART_DIR, helmTemplate, KUBE_VERSION, kustomizeBuild, objectKey, REPO, type KubeObject } from '../../test/observability/render.ts';

// The chart with real helm and the kustomize base with real kustomize (test/harness/build-tools.sh).

const values = parse(readFileSync(join(CHART_DIR, 'values.yaml'), 'utf8')) as Record<string, unknown>;
const SIGNING_KEY = 'k'.repeat(40);

/** Settings the chart does not take as values, and why. */
const NOT_VALUES: Record<string, string> = {
  kubeconfig: 'in-cluster service account',
  identity: 'per replica: the pod hostname plus a random suffix',
  signingKey: 'forwarderSecret',
  triggerToken: 'forwarderSecret',
  namespace: 'namespace.name',
};
/** Where the chart deploys something else than the forwarder's default, on purpose (values.yaml says why). */
const CHART_CHOICES = ['clusterId', 'functionsUrl', 'listenHost', 'triggerPort', 'join.apiServerEndpoint', 'dryRun'];

/** Every leaf setting of the forwarder's configuration schema, as dotted paths. */
function settingPaths(schema: z.ZodType, prefix = ''): string[] {
  let s = schema as unknown as { _zod: { def: { innerType?: unknown; in?: unknown; shape?: Record<string, z.ZodType> } } };
  while (s._zod.def.innerType) s = s._zod.def.innerType as typeof s;
  const shape = s._zod.def.shape;
  if (!shape) return [prefix];
  return Object.entries(shape).flatMap(([key, child]) => settingPaths(child, prefix ? `${prefix}.${key}` : key));
}

function at(object: unknown, path: string): unknown {
  return path.split('.').reduce<unknown>((o, k) => (o as Record<string, unknown> | undefined)?.[k], object);
}

function configFrom(objects: KubeObject[]) {
  const configMap = objects.find((o) => o.kind === 'ConfigMap')! as KubeObject & { data: Record<string, string> };
  return parseForwarderConfig(envSection(ENV_PREFIX, { ...configMap.data, VPSIE_FWD_SIGNING_KEY: SIGNING_KEY }));
}

describe('Helm chart infra/helm/vpsie-autoscaler', () => {
  it('passes helm lint with no warning or error', async () => {
    const run = await runTool('helm', ['lint', CHART_DIR, '--strict', '--kube-version', KUBE_VERSION]);
    expect(run.stdout + run.stderr).toContain('1 chart(s) linted, 0 chart(s) failed');
    expect(run.stdout).not.toMatch(/\[(WARNING|ERROR)\]/);
    expect(run.code).toBe(0);
  });

  it('renders with default values the same objects as the kustomize base (compared parsed, object by object)', async () => {
    const chart = new Map((await helmTemplate()).map((o) => [objectKey(o), o]));
    const base = new Map((await kustomizeBuild()).map((o) => [objectKey(o), o]));
    expect([...chart.keys()].sort()).toEqual([...base.keys()].sort());
    const different = [...base.keys()].filter((key) => !isDeepStrictEqual(chart.get(key), base.get(key)));
    for (const key of different) expect({ key, object: chart.get(key) }).toEqual({ key, object: base.get(key) });
    expect(different).toEqual([]);
    expect(base.size).toBe(13);
  });

  it('has every forwarder setting as a value, with the forwarder default unless the chart chooses otherwise', async () => {
    const paths = settingPaths(forwarderConfigSchema);
    expect(paths).toContain('caps.maxMonthlyCost');
    expect(paths).toContain('leaderElection.retryPeriodMs');
    const missing = paths.filter((p) => !(p in NOT_VALUES) && at(values, p) === undefined);
    expect(missing).toEqual([]);

    const forwarderDefaults = parseForwarderConfig({ clusterId: 'x', functionsUrl: 'https://f.example.com', signingKey: SIGNING_KEY });
    const rendered = configFrom(await helmTemplate());
    for (const path of paths.filter((p) => !(p in NOT_VALUES) && !CHART_CHOICES.includes(p))) {
      // "" in values.yaml means "unset: the forwarder's default" for optional settings.
      const expected = at(forwarderDefaults, path);
      expect({ path, rendered: at(rendered, path) }).toEqual({ path, rendered: expected });
      const value = at(values, path);
      expect({ path, value: value === '' ? undefined : value }).toEqual({ path, value: expected });
    }
    expect(rendered.listenHost).toBe('0.0.0.0');
    expect(rendered.triggerPort).toBe(8081);
    // A new install starts dry (README, step 7), the kustomize base too.
    expect(rendered.dryRun).toBe(true);
  });

  it('passes every value through to the forwarder (non-default values round-trip through the ConfigMap)', async () => {
    const set: Record<string, string | number | boolean> = {
      clusterId: 'prod-eu', functionsUrl: 'https://fn.example.org/base', dryRun: true, hostnamePrefix: 'pe-', listenHost: '0.0.0.0', listenPort: 9090,
      triggerPort: 9091, heartbeatMs: 45_000, maxDeletionsPer10Min: 3, startupTaint: false, startupTaintMaxSeconds: 90, 'caps.maxLaunchesPer10Min': 7, 'caps.maxClusterVms': 12, 'caps.maxMonthlyCost': 1234.5,
      'caps.maxNodesLeaving': 2, 'caps.maxCommandsPerPlan': 300, 'caps.maxEventsPerPlan': 20, 'leaderElection.enabled': false, 'leaderElection.leaseName': 'my-lease',
      'leaderElection.leaseDurationMs': 20_000, 'leaderElection.renewDeadlineMs': 15_000, 'leaderElection.retryPeriodMs': 3_000, 'vpsie.baseUrl': 'https://vpsie.example.net',
      'vpsie.projectId': 'proj-1', 'vpsie.credentialsSecret': 'creds', 'vpsie.credentialsNamespace': 'kube-system',
      'vpsie.bootstrapDelivery': 'script', 'vpsie.login.body': 'form', 'vpsie.login.header': 'bearer', 'join.apiServerEndpoint': '192.0.2.1:6443',
      'join.caCertHash': `sha256:${'a'.repeat(64)}`, 'join.bootstrapTokenTtlMs': 12_000_000, 'kubeClient.qps': 20, 'kubeClient.burst': 40, 'kubeClient.requestDeadlineMs': 30_000, logLevel: 'debug',
    };
    const args = Object.entries(set).flatMap(([k, v]) => [typeof v === 'string' ? '--set-string' : '--set-json', `${k}=${v}`]);
    const objects = await helmTemplate([...args, '--set', 'adoptVmIdentifiers={vm-1,vm-2}', '--set', 'replicas=1']);
    const config = configFrom(objects);
    for (const [path, value] of Object.entries(set)) expect({ path, value: at(config, path) }).toEqual({ path, value });
    expect(config.adoptVmIdentifiers).toEqual(['vm-1', 'vm-2']);
    // The names the values change elsewhere follow: RBAC resourceNames, the ports.
    const roles = objects.filter((o) => o.kind === 'Role') as Array<KubeObject & { rules: Array<{ resourceNames?: string[] }> }>;
    expect(roles.flatMap((r) => r.rules.flatMap((rule) => rule.resourceNames ?? []))).toEqual(expect.arrayContaining(['my-lease', 'creds']));
    const service = objects.find((o) => o.kind === 'Service') as KubeObject & { spec: { ports: Array<{ port: number }> } };
    expect(service.spec.ports.map((p) => p.port)).toEqual([9090, 9091]);
  });

  it('refuses bad values through values.schema.json, naming the value', async () => {
    for (const [arg, mentions] of [
      ['clusterId=Not_A_Label', 'clusterId'],
      ['caps.maxClusterVms=-1', 'maxClusterVms'],
      ['heartbeatMs=10', 'heartbeatMs'],
      ['startupTaintMaxSeconds=0', 'startupTaintMaxSeconds'],
      ['logLevel=loud', 'logLevel'],
      ['vpsie.credentialsNamespace=default', 'credentialsNamespace'],
      ['vpsie.bootstrapDelivery=cloudinit', 'bootstrapDelivery'],
      ['vpsie.login.header=Bearer', 'header'],
      ['unknownSetting=1', 'unknownSetting'],
    ] as const) {
      await expect(helmTemplate(['--set', arg]), arg).rejects.toThrow(mentions);
    }
  });

  it('renders the ServiceMonitor and the PrometheusRule only when asked, the rules being infra/prometheus/alerts.yaml', async () => {
    const kinds = (objects: KubeObject[]) => objects.map((o) => o.kind);
    expect(kinds(await helmTemplate())).not.toContain('ServiceMonitor');
    const objects = await helmTemplate(['--set', 'serviceMonitor.enabled=true', '--set', 'prometheusRule.enabled=true']);
    const monitor = objects.find((o) => o.kind === 'ServiceMonitor') as KubeObject & { spec: { endpoints: Array<{ port: string; path: string }> } };
    expect(monitor.spec.endpoints).toEqual([{ port: 'http', path: '/metrics', interval: '30s' }]);
    const rule = objects.find((o) => o.kind === 'PrometheusRule') as KubeObject & { spec: unknown };
    const plain = parse(readFileSync(join(REPO, 'infra', 'prometheus', 'alerts.yaml'), 'utf8')) as unknown;
    expect(rule.spec).toEqual(plain);
  });

  it('ships the NodeGroup CRD of infra/crds (helm installs crds/ before the templates)', async () => {
    const objects = await helmTemplate(['--include-crds']);
    const crd = objects.find((o) => o.kind === 'CustomResourceDefinition');
    expect(crd).toEqual(parse(readFileSync(join(REPO, 'infra', 'crds', 'nodegroups.autoscaler.vpsie.com.yaml'), 'utf8')));
  });
});
