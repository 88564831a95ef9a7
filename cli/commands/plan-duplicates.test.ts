import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { runPlan } from './plan.ts';

// Issue 16: a dump holding two NodeGroups of one namespace/name (two files concatenated) is refused.

const root = fileURLToPath(new URL('../../', import.meta.url));
const fixture = (name: string) => `${root}test/fixtures/plan-cli/${name}`;
const dir = mkdtempSync(join(tmpdir(), 'plan-dup-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function run(cluster: string) {
  const file = join(dir, `cluster-${Math.random().toString(36).slice(2)}.yaml`);
  writeFileSync(file, cluster);
  let stdout = '';
  let stderr = '';
  const status = await runPlan(['--cluster', file, '--offerings', fixture('offerings.json'), '--output', 'json'],
    { stdout: (t) => { stdout += t; }, stderr: (t) => { stderr += t; }, nowMs: () => Date.parse('2026-01-02T10:30:00Z') });
  return { status, stdout, stderr };
}

const base = readFileSync(fixture('cluster.yaml'), 'utf8');
const secondWorkers = `---
apiVersion: autoscaler.vpsie.com/v1alpha1
kind: NodeGroup
metadata: {name: workers, namespace: kube-system}
spec:
  maxNodes: 9
  datacenterID: dc-ams1
  offeringIDs: [vps-2c4g]
  osImageID: ubuntu-22.04
`;

describe('vpsie-autoscaler plan: duplicate NodeGroups', () => {
  it('exits 2 with one line naming the NodeGroup when two share a namespace/name', async () => {
    const { status, stdout, stderr } = await run(`${base.trimEnd()}\n${secondWorkers}`);
    expect(status).toBe(2);
    expect(stdout).toBe('');
    expect(stderr.trim().split('\n')).toHaveLength(1);
    expect(stderr).toContain('NodeGroup kube-system/workers appears more than once in --cluster');
  });

  it('the same name in another namespace is a different NodeGroup and plans', async () => {
    const { status, stderr } = await run(`${base.trimEnd()}\n${secondWorkers.replace('namespace: kube-system', 'namespace: team-b')}`);
    expect(stderr).toBe('');
    expect(status).toBe(0);
  });
});
