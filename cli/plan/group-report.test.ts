import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { runPlan } from '../commands/plan.ts';

// The what-if shows what weights, limits and balancing did (issue 21 point 10): the JSON's
// `groups` and the table's NodeGroups section.

const root = fileURLToPath(new URL('../../', import.meta.url));
const offerings = `${root}test/fixtures/plan-cli/offerings.json`; // vps-2c4g: 2 CPU, 4Gi, 12.00/month
const dir = mkdtempSync(join(tmpdir(), 'plan-groups-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const group = (name: string, extra: string, dc = 'dc-ams1') => `apiVersion: autoscaler.vpsie.com/v1alpha1
kind: NodeGroup
metadata: {name: ${name}, namespace: default}
spec:
  maxNodes: 10
  datacenterID: ${dc}
  offeringIDs: [vps-2c4g]
  osImageID: ubuntu-22.04
${extra}`;
const pod = (i: number) => `apiVersion: v1
kind: Pod
metadata: {name: web-${i}, namespace: shop, creationTimestamp: "2026-01-02T10:00:00Z", labels: {app: web}, ownerReferences: [{kind: ReplicaSet, name: web-5f4, controller: true, apiVersion: apps/v1, uid: u3}]}
spec:
  containers: [{name: web, resources: {requests: {cpu: 1500m, memory: 1Gi}}}]
status:
  phase: Pending
  conditions: [{type: PodScheduled, status: "False", reason: Unschedulable, lastTransitionTime: "2026-01-02T10:00:05Z"}]
`;

async function run(docs: string[], ...flags: string[]) {
  const file = join(dir, `cluster-${Math.random().toString(36).slice(2)}.yaml`);
  writeFileSync(file, docs.join('---\n'));
  let stdout = '';
  let stderr = '';
  const status = await runPlan(['--cluster', file, '--offerings', offerings, '--assume-windows-elapsed', ...flags],
    { stdout: (t) => { stdout += t; }, stderr: (t) => { stderr += t; }, nowMs: () => Date.parse('2026-01-02T10:30:00Z') });
  return { status, stdout, stderr };
}

const cluster = [group('spare', ''), group('preferred', '  weight: 50\n  limits: {cpu: "4", monthlyCost: 100}\n'), pod(0), pod(1), pod(2)];

describe('vpsie-autoscaler plan: weights and limits', () => {
  it('JSON: the weighted group takes what its limits allow, the next weight the rest, and the limit is named', async () => {
    const { status, stdout, stderr } = await run(cluster, '--output', 'json');
    expect(stderr).toBe('');
    expect(status).toBe(0);
    const report = JSON.parse(stdout) as { provision: { nodeGroup: string; count: number }[]; groups: Record<string, unknown>[] };
    expect(Object.fromEntries(report.provision.map((p) => [p.nodeGroup, p.count]))).toEqual({ preferred: 2, spare: 1 });
    const preferred = report.groups.find((g) => g.nodeGroup === 'preferred')!;
    expect(preferred).toMatchObject({ weight: 50, limits: { cpu: '4', monthlyCost: 100 }, provisioned: { cpu: 0, memoryGiB: 0, monthlyCost: 0 }, afterPlan: { cpu: 4, memoryGiB: 8, monthlyCost: 24 }, launches: 2 });
    expect((preferred.limitedBy as string[])[0]).toContain('spec.limits.cpu 4 (provisioned 4, a new Small node adds 2)');
    expect(report.groups.find((g) => g.nodeGroup === 'spare')).toMatchObject({ weight: 0, launches: 1 });
  });

  it('table: a NodeGroups section, higher weight first, with the limit that stopped a launch', async () => {
    const { stdout } = await run(cluster);
    const lines = stdout.split('\n');
    const at = lines.findIndex((l) => l.startsWith('NodeGroups (higher weight first'));
    expect(at).toBeGreaterThan(0);
    expect(lines[at + 1]).toMatch(/^NODEGROUP\s+WEIGHT\s+LIMITS\s+PROVISIONED\s+AFTER PLAN$/);
    expect(lines[at + 2]).toMatch(/^preferred\s+50\s+cpu 4, monthlyCost 100\s+0 CPU, 0Gi, 0\.00\/month\s+4 CPU, 8Gi, 24\.00\/month \(\+2\)$/);
    expect(lines[at + 3]).toMatch(/^spare\s+0\s+-\s+/);
    expect(stdout).toContain('  - group default/preferred: no new node for pending pods: it would pass spec.limits.cpu 4');
  });

  it('no weight, no limit, no balancing: no NodeGroups section (the table stays as it was)', async () => {
    const { stdout } = await run([group('spare', ''), pod(0)]);
    expect(stdout).not.toContain('NodeGroups (');
  });

  it('--balance-similar-node-groups: similar groups in two datacenters share the launches', async () => {
    const docs = [group('ams', '', 'dc-ams1'), group('fra', '', 'dc-fra1'), pod(0), pod(1)];
    const off = JSON.parse((await run(docs, '--output', 'json')).stdout) as { provision: { nodeGroup: string; count: number }[] };
    expect(off.provision).toHaveLength(1);
    const on = await run(docs, '--output', 'json', '--balance-similar-node-groups');
    const report = JSON.parse(on.stdout) as { provision: { nodeGroup: string; count: number }[]; balanceSimilarNodeGroups: boolean };
    expect(Object.fromEntries(report.provision.map((p) => [p.nodeGroup, p.count]))).toEqual({ ams: 1, fra: 1 });
    expect(report.balanceSimilarNodeGroups).toBe(true);
    expect((await run(docs, '--balance-similar-node-groups')).stdout).toContain('similar groups balanced');
  });
});
