import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { CLI_BIN } from '../../test/e2e/cli-process.ts';
import { ignoreNotFound, useHarness, waitFor } from '../../test/harness/context.ts';
import { defaultLeaseName, PRODUCTION_LEASE_NAME } from './start.ts';

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
