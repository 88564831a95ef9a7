import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { CLI_BIN } from '../../test/e2e/cli-process.ts';
import { ignoreNotFound, useHarness, waitFor } from '../../test/harness/context.ts';
import { parse, stringify } from 'yaml';
import { defaultLeaseName, parseStartOptions, PRODUCTION_LEASE_NAME, reachCluster } from './start.ts';

// `npm start` against a real control plane that holds VPSie credentials (issue 14, item 8): without
// --live it runs dry, and its forwarder elects itself on a Lease of its own, never on the one the
// in-cluster forwarders use.

interface Run { child: ChildProcess; stderr: () => string; exit: Promise<number | null> }

const runs: Run[] = [];
const dirs: string[] = [];

function start(args: string[]): Run {
  const dataDir = mkdtempSync(join(tmpdir(), 'start-int-'));
  dirs.push(dataDir);
  const child = spawn(process.execPath, [CLI_BIN, 'start', '--port', '0', '--listen', '127.0.0.1:0', '--data-dir', dataDir, '--log-level', 'info', ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => {
    // Bounded: only the start-up lines matter.
    if (stderr.length < 200_000) stderr += chunk.toString('utf8');
  });
  child.stdout!.on('data', (chunk: Buffer) => {
    if (stderr.length < 200_000) stderr += chunk.toString('utf8');
  });
  const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const run = { child, stderr: () => stderr, exit };
  runs.push(run);
  return run;
}

afterEach(async () => {
  for (const run of runs.splice(0)) {
    if (run.child.exitCode === null && run.child.signalCode === null) {
      run.child.kill('SIGINT');
      const timer = setTimeout(() => run.child.kill('SIGKILL'), 10_000);
      await run.exit;
      clearTimeout(timer);
    }
  }
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('npm start (removal-safety: a laptop never acts on, nor leads, a production cluster by default)', () => {
  it('runs dry without --live even with VPSie credentials, on its own Lease; --live needs credentials', async () => {
    const h = useHarness();
    const namespace = await h.newNamespace('start');
    const kubeconfig = h.info.kubeconfigPath;
    // Without credentials (an e2e stack of this run may have left its Secret: e2e stacks put it again when they start).
    await h.core.deleteNamespacedSecret({ namespace: 'kube-system', name: 'vpsie-credentials' }).catch(ignoreNotFound);
    const refused = start(['--kubeconfig', kubeconfig, '--cluster-id', 'startint', '--namespace', namespace, '--live']);
    expect(await refused.exit).toBe(2);
    expect(refused.stderr()).toContain('--live needs VPSie credentials in the Secret kube-system/vpsie-credentials');

    await h.core.createNamespacedSecret({
      namespace: 'kube-system',
      body: { metadata: { name: 'vpsie-credentials' }, stringData: { token: 't', deletePassword: 'p', projectId: 'proj' } },
    });
    try {
      const dry = start(['--kubeconfig', kubeconfig, '--cluster-id', 'startint', '--namespace', namespace, '--vpsie-url', 'http://127.0.0.1:9']);
      await waitFor(() => (dry.stderr().includes('Ctrl-C stops both') ? true : undefined), { timeoutMs: 60_000, description: `npm start to come up; output so far:\n${dry.stderr()}` });
      expect(dry.stderr()).toContain('DRY-RUN: decisions are logged and announced as Events, nothing is created, deleted or changed (--live to act)');
      const own = defaultLeaseName();
      expect(dry.stderr()).toContain(`leader election on the Lease ${namespace}/${own} (not the in-cluster forwarders' ${PRODUCTION_LEASE_NAME}`);
      // The forwarder becomes leader on its own Lease; the production one is never created or touched.
      const lease = await waitFor(async () => {
        const found = await h.coordination.readNamespacedLease({ name: own, namespace }).catch(() => undefined);
        return found?.spec?.holderIdentity ? found : undefined;
      }, { timeoutMs: 30_000, description: `Lease ${namespace}/${own} held` });
      expect(lease.metadata?.name).toBe(own);
      const leases = await h.coordination.listNamespacedLease({ namespace });
      expect(leases.items.map((l) => l.metadata?.name)).toEqual([own]);
      expect(dry.stderr()).toMatch(/dry-run mode: commands are logged and announced as events, nothing is mutated/);
      dry.child.kill('SIGINT');
      expect(await dry.exit).toBe(0);

      const live = start(['--kubeconfig', kubeconfig, '--cluster-id', 'startint', '--namespace', namespace, '--live', '--lease-name', 'chosen-lease', '--vpsie-url', 'http://127.0.0.1:9']);
      await waitFor(() => (live.stderr().includes('Ctrl-C stops both') ? true : undefined), { timeoutMs: 60_000, description: `npm start --live to come up; output so far:\n${live.stderr()}` });
      expect(live.stderr()).toContain('LIVE (--live): VMs will be created and deleted, nodes tainted, drained and deleted');
      expect(live.stderr()).toContain(`leader election on the Lease ${namespace}/chosen-lease`);
      expect(live.stderr()).not.toMatch(/dry-run mode/);
      live.child.kill('SIGINT');
      expect(await live.exit).toBe(0);
    } finally {
      await h.core.deleteNamespacedSecret({ namespace: 'kube-system', name: 'vpsie-credentials' }).catch(ignoreNotFound);
    }
  });
});

describe('npm start reaches the cluster through the whole $KUBECONFIG list, as kubectl does', () => {
  it('merges every file, the first definition of a name winning; a missing file is skipped', async () => {
    const h = useHarness();
    const dir = mkdtempSync(join(tmpdir(), 'start-kubeconfig-'));
    dirs.push(dir);
    const harness = parse(readFileSync(h.info.kubeconfigPath, 'utf8')) as { users: { name: string }[]; clusters: { name: string }[] };
    // The first file names the context to use, and defines it; the second holds the cluster and the
    // user, and a context of the same name that points nowhere (kubectl keeps the first).
    const first = join(dir, 'contexts.yaml');
    writeFileSync(first, stringify({
      apiVersion: 'v1', kind: 'Config',
      contexts: [{ name: 'chosen', context: { cluster: harness.clusters[0]!.name, user: harness.users[0]!.name } }],
      'current-context': 'chosen',
    }));
    const second = join(dir, 'cluster.yaml');
    const withDecoy = parse(readFileSync(h.info.kubeconfigPath, 'utf8')) as Record<string, unknown> & { contexts: unknown[]; clusters: unknown[] };
    withDecoy.clusters.push({ name: 'nowhere', cluster: { server: 'https://127.0.0.1:9' } });
    withDecoy.contexts.push({ name: 'chosen', context: { cluster: 'nowhere', user: harness.users[0]!.name } });
    writeFileSync(second, stringify(withDecoy));
    const options = parseStartOptions([], { KUBECONFIG: [join(dir, 'missing.yaml'), first, second].join(delimiter) });
    if (typeof options === 'string') throw new Error(options);
    expect(options.kubeconfig).toBeUndefined();
    const cluster = await reachCluster(options.kubeconfig, 10_000, options.kubeconfigList);
    expect(cluster.kc.getCurrentContext()).toBe('chosen');
    expect(cluster.server).toBe(h.info.apiServerUrl);
    expect(cluster.version).toMatch(/^v1\./);
  });
});
