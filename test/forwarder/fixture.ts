import { randomBytes } from 'node:crypto';
import { ApiextensionsV1Api, type KubeConfig } from '@kubernetes/client-node';
import { createLogger } from '../../shared/logger.ts';
import type { Command } from '../../shared/plan-message.ts';
import type { CommandResult } from '../../shared/snapshot.ts';
import { parseForwarderConfig, type ForwarderConfigInput } from '../../forwarder/config.ts';
import { startForwarder, type ForwarderDeps, type ForwarderHandle } from '../../forwarder/main.ts';
import type { Logger } from '../../forwarder/util/logger.ts';
import { applyCrd } from '../e2e/stack-cluster.ts';
import type { Harness } from '../harness/context.ts';
import { waitFor } from '../harness/wait-for.ts';
import type { FakeFunctions } from './fake-functions.ts';

// Forwarder integration tests: a forwarder in-process against the harness control plane, talking to
// a scripted fake of the functions (test/forwarder/fake-functions.ts).

export const SIGNING_KEY = 'forwarder-test-signing-key-0123456789abcdef';

export function testLogger(name = 'forwarder'): Logger {
  return createLogger({ name, level: (process.env.FORWARDER_TEST_LOG as 'info' | undefined) ?? 'warn' }) as unknown as Logger;
}

let crdApplied = false;
export async function ensureNodeGroupCrd(kc: KubeConfig): Promise<void> {
  if (crdApplied) return;
  await applyCrd({ extensions: kc.makeApiClient(ApiextensionsV1Api) } as never);
  crdApplied = true;
}

export function newClusterId(): string {
  return `t${randomBytes(3).toString('hex')}`;
}

/** A VPSie credentials Secret of its own in kube-system (tests share one cluster). */
export async function createCredentialsSecret(h: Harness, data: Record<string, string>): Promise<string> {
  const name = `vpsie-credentials-${randomBytes(3).toString('hex')}`;
  await h.core.createNamespacedSecret({ namespace: 'kube-system', body: { metadata: { name }, stringData: data } });
  return name;
}

export interface TestForwarderOptions {
  namespace: string;
  clusterId: string;
  fake: FakeFunctions;
  vpsieUrl?: string;
  credentialsSecret?: string;
  dryRun?: boolean;
  leaderElection?: boolean;
  identity?: string;
  heartbeatMs?: number;
  maxDeletionsPer10Min?: number;
  kubeconfigPath: string;
  extra?: Partial<ForwarderConfigInput>;
  deps?: ForwarderDeps;
}

export async function startTestForwarder(options: TestForwarderOptions): Promise<ForwarderHandle> {
  const config = parseForwarderConfig({
    clusterId: options.clusterId,
    functionsUrl: options.fake.url,
    signingKey: SIGNING_KEY,
    kubeconfig: options.kubeconfigPath,
    namespace: options.namespace,
    dryRun: options.dryRun ?? false,
    listenPort: 0,
    heartbeatMs: options.heartbeatMs ?? 600_000,
    maxDeletionsPer10Min: options.maxDeletionsPer10Min ?? 10,
    triggerToken: 'trigger-token-0123456789',
    ...(options.identity ? { identity: options.identity } : {}),
    leaderElection: options.leaderElection
      ? { enabled: true, leaseDurationMs: 6_000, renewDeadlineMs: 4_000, retryPeriodMs: 1_000 }
      : { enabled: false },
    vpsie: { ...(options.vpsieUrl ? { baseUrl: options.vpsieUrl } : {}), credentialsSecret: options.credentialsSecret ?? 'no-such-secret', projectId: 'sim-project' },
    join: { apiServerEndpoint: '127.0.0.1:6443' },
    // The harness's control plane is shared by every test file: Nodes other tests labelled for their
    // NodeGroups would count against this forwarder's cluster-wide caps. Tests of those caps set them.
    caps: { maxClusterVms: 100_000, maxMonthlyCost: 100_000_000 },
    ...options.extra,
  });
  return startForwarder(config, {
    logger: testLogger(options.identity),
    vpsieOptions: { retry: { maxAttempts: 2, baseDelayMs: 50, maxDelayMs: 200 } as never, launch: { settleMs: 200 } },
    ...options.deps,
  });
}

const BASE = { reason: 'test', message: 'integration test' };
let seq = 0;
/** A command with a fresh id and the boilerplate filled in. */
export function command<C extends Omit<Command, 'id' | 'reason' | 'message'>>(partial: C): Command {
  return { ...BASE, id: `cmd-${Date.now().toString(36)}-${++seq}`, ...partial } as unknown as Command;
}

/**
 * Hands `commands` to the forwarder in the next plan, asks for a reconcile and returns their results
 * as the forwarder reports them (from a later snapshot, or still pending).
 */
export async function runPlan(forwarder: ForwarderHandle, fake: FakeFunctions, commands: Command[], timeoutMs = 60_000): Promise<CommandResult[]> {
  await forwarder.loop.idle();
  fake.answers.push({ status: 200, commands });
  forwarder.trigger();
  const ids = new Set(commands.map((c) => c.id));
  return waitFor(
    () => {
      const seen = new Map<string, CommandResult>();
      for (const r of [...fake.snapshots.flatMap((s) => s.results), ...forwarder.loop.pending]) if (ids.has(r.commandId)) seen.set(r.commandId, r);
      return seen.size === ids.size ? commands.map((c) => seen.get(c.id)!) : undefined;
    },
    { timeoutMs, description: `results of ${commands.map((c) => c.kind).join(', ')}` },
  );
}
