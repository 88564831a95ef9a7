import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { BOOTSTRAP_TEMPLATE_LABEL, NODEGROUP_LABEL } from '../../shared/labels.ts';
import { clusterMarker } from '../../shared/ownership.ts';
import { startControlPlane, type ControlPlane } from '../harness/control-plane.ts';
import { freePorts } from '../harness/free-port.ts';
import { ProcessSupervisor } from '../harness/processes.ts';
import { waitFor } from '../harness/wait-for.ts';
import { createClusterHook, joinsApiServer } from '../vpsie-sim/cluster-hook.ts';
import { startVpsieSimulator, type SimVm, type VpsieSimulator } from '../vpsie-sim/index.ts';
import { parseAuditLines } from './audit-log.ts';
import { CliPart } from './cli-process.ts';
import { simPlan } from './e2e-helpers.ts';
import { SHORT_POLICY, SIM_DELETE_PASSWORD, SIM_PROJECT_ID, SIM_TOKEN, simNodeGroupSpec } from './stack.ts';
import { applyCrd, applyNodeGroup, BOOTSTRAP_SECRET, CREDENTIALS_SECRET, deleteNodeGroups, ensureNamespace, ignore404, KUBEADM_TEMPLATE_FILE, kubeClients, putSecret, type KubeClients } from './stack-cluster.ts';

// Issue 13: two clusters whose ids collide by prefix — "c1" and "c1-eu" — in ONE VPSie project, both
// autoscaling on one simulator through ONE functions deployment, and not one VM of either deleted by
// the other after several orphan-sweep cycles.
//
// What is real here:
// - Two clusters are two control planes (the harness's for c1, a second one started here for
//   c1-eu). One shared control plane would not be two clusters: each forwarder watches NodeGroups and
//   Nodes cluster-wide, so it would autoscale the other's NodeGroups, and the other's Nodes would make
//   the other's VMs look accounted for — hiding exactly the bug this test is about.
// - One simulator, one project: a VM "joins" the control plane its bootstrap names (`kubeadm join
//   <endpoint>` in its user-data), as a real kubelet does.
// - One functions process serving both clusters (VPSIE_AUTOSCALER_CLUSTERS). With the default
//   prefixes ("c1-", "c1-eu-") it refuses to start (functions.test.ts); so c1-eu takes the prefix
//   "eu1-". Its older workers still carry the old names "c1-eu-pool-…", which match c1's pattern
//   (the group could be "eu-pool"): one made before ownership markers (unmarked), one marked for
//   c1-eu (made when c1-eu was served by a deployment of its own). Before this change c1's orphan
//   sweep deleted both on its second reconcile; now c1's forwarder never lists the marked one
//   (foreign) and its planner never deletes the unmarked one.

const SWEEP_WINDOW_MS = 60_000; // functions/planning/orphan-vms.ts ORPHAN_CONFIRM_MS
const OBSERVE_MS = 2.5 * SWEEP_WINDOW_MS;

interface Cluster {
  id: string;
  prefix: string;
  namespace: string;
  kubeconfigPath: string;
  endpoint: string;
  kube: KubeClients;
  signingKey: string;
  forwarder?: CliPart;
}

describe('two clusters whose ids collide by prefix (c1, c1-eu), one project, one functions deployment', () => {
  const supervisor = new ProcessSupervisor();
  let second: ControlPlane | undefined;
  let sim: VpsieSimulator | undefined;
  let functions: CliPart | undefined;
  const clusters: Cluster[] = [];
  const parts: CliPart[] = [];
  const statusToken = randomBytes(16).toString('hex');
  let functionsUrl = '';

  const describeParts = () => parts.map((p) => `--- ${p.name} ---\n${p.logTail(25)}`).join('\n');

  beforeAll(async () => {
    const harness = inject('harness');
    if (!harness) throw new Error('no harness: run with `npx vitest run --project integration test/e2e/…`');
    second = await startControlPlane();
    const endpoint = (url: string) => new URL(url).host;
    const make = (id: string, prefix: string, kubeconfigPath: string, apiServerUrl: string): Cluster => ({
      id, prefix, namespace: `vpsie-${id}`, kubeconfigPath, endpoint: endpoint(apiServerUrl), kube: kubeClients(kubeconfigPath), signingKey: randomBytes(32).toString('hex'),
    });
    clusters.push(make('c1', 'c1-', harness.kubeconfigPath, harness.apiServerUrl), make('c1-eu', 'eu1-', second.kubeconfigPath, second.apiServerUrl));

    for (const c of clusters) {
      await applyCrd(c.kube);
      await ensureNamespace(c.kube, c.namespace);
      await putSecret(c.kube, CREDENTIALS_SECRET.namespace, CREDENTIALS_SECRET.name, { token: SIM_TOKEN, deletePassword: SIM_DELETE_PASSWORD, projectId: SIM_PROJECT_ID });
      await putSecret(c.kube, c.namespace, BOOTSTRAP_SECRET, { 'cloud-init': readFileSync(KUBEADM_TEMPLATE_FILE, 'utf8') }, { [BOOTSTRAP_TEMPLATE_LABEL]: 'true' });
    }
    sim = await startVpsieSimulator({
      provisionMs: 1_500,
      hooks: clusters.map((c) => createClusterHook({ kubeconfigPath: c.kubeconfigPath, accepts: joinsApiServer(c.endpoint), log: () => {} })),
    });

    // c1-eu's workers from before: named with its old prefix, joined to its cluster, not autoscaled.
    const legacyJoin = (c: Cluster) => Buffer.from(`#!/bin/sh\nkubeadm join ${c.endpoint} --token abcdef.0123456789abcdef\n`).toString('base64');
    const eu = clusters[1]!;
    sim.sim.seedVm({ hostname: 'c1-eu-pool-old01', projectId: SIM_PROJECT_ID, userData: legacyJoin(eu) });
    sim.sim.seedVm({ hostname: 'c1-eu-pool-mrk01', projectId: SIM_PROJECT_ID, userData: legacyJoin(eu), notes: clusterMarker('c1-eu', { namespace: eu.namespace, name: 'pool' }) });

    const [functionsPort, ...metricsPorts] = (await freePorts(3)) as [number, number, number];
    functionsUrl = `http://127.0.0.1:${functionsPort}`;
    const config = Object.fromEntries(
      clusters.map((c) => [c.id, { signingKey: c.signingKey, triggerToken: randomBytes(16).toString('hex'), statusToken, ...(c.prefix === `${c.id}-` ? {} : { hostnamePrefix: c.prefix }) }]),
    );
    functions = new CliPart(supervisor, {
      name: 'functions',
      args: ['functions', '--port', String(functionsPort), '--policy', JSON.stringify(SHORT_POLICY), '--dynamo-endpoint', harness.dynamoEndpoint, '--table', harness.tableName],
      env: { VPSIE_AUTOSCALER_CLUSTERS: JSON.stringify(config) },
      healthUrl: `${functionsUrl}/healthz`,
    });
    parts.push(functions);
    await functions.start();
    for (const [i, c] of clusters.entries()) {
      c.forwarder = new CliPart(supervisor, {
        name: `forwarder-${c.id}`,
        args: [
          'forwarder', '--kubeconfig', c.kubeconfigPath, '--functions-url', functionsUrl, '--cluster-id', c.id, '--signing-key', c.signingKey,
          '--namespace', c.namespace, '--vpsie-url', sim.url, '--identity', `forwarder-${c.id}`, '--listen', `127.0.0.1:${metricsPorts[i]}`,
          '--heartbeat-seconds', '2', '--hostname-prefix', c.prefix,
        ],
        healthUrl: `http://127.0.0.1:${metricsPorts[i]}/healthz`,
      });
      parts.push(c.forwarder);
    }
    await Promise.all(clusters.map((c) => c.forwarder!.start()));
  }, 240_000);

  afterAll(async () => {
    for (const part of [...parts].reverse()) await part.stop(3_000).catch(() => {});
    await sim?.stop().catch(() => {});
    for (const c of clusters) {
      await deleteNodeGroups(c.kube, c.namespace).catch(() => {});
      const nodes = await c.kube.core.listNode().catch(() => ({ items: [] }));
      await Promise.all(nodes.items.map((n) => n.metadata?.name ?? '').filter((n) => n.startsWith(c.prefix) || n.startsWith('c1-eu-')).map((name) => c.kube.core.deleteNode({ name }).catch(ignore404)));
      await c.kube.core.deleteNamespace({ name: c.namespace }).catch(ignore404);
    }
    await second?.stop();
    await supervisor.stop({ keepRunDir: process.env.HARNESS_KEEP_LOGS === '1' });
  }, 120_000);

  const live = (vm: SimVm) => vm.phase === 'pending' || vm.phase === 'created' || vm.phase === 'running';
  const managedNodes = async (c: Cluster) =>
    (await c.kube.core.listNode({ labelSelector: `${NODEGROUP_LABEL}=pool` })).items
      .filter((n) => n.metadata?.name?.startsWith(c.prefix) && n.status?.conditions?.some((cond) => cond.type === 'Ready' && cond.status === 'True'))
      .map((n) => n.metadata!.name!)
      .sort();
  const lastPlanMs = async (c: Cluster): Promise<number> => {
    const response = await fetch(`${functionsUrl}/v1/clusters/${c.id}/status`, { headers: { authorization: `Bearer ${statusToken}` }, signal: AbortSignal.timeout(5_000) });
    if (!response.ok) throw new Error(`status of ${c.id}: ${response.status} ${await response.text()}`);
    return ((await response.json()) as { lastPlan: { issuedAtMs: number } | null }).lastPlan?.issuedAtMs ?? 0;
  };

  it('both clusters scale up their NodeGroups; after several orphan-sweep cycles no VM of either was deleted', async () => {
    for (const c of clusters) {
      await applyNodeGroup(c.kube, { name: 'pool', namespace: c.namespace, spec: simNodeGroupSpec({ minNodes: 2, maxNodes: 3, offeringIDs: [simPlan('A-1C-2G')] }) });
    }
    // minNodes 2: each cluster launches two VMs, which join their own cluster as Ready nodes.
    for (const c of clusters) {
      await waitFor(async () => (await managedNodes(c)).length === 2, { timeoutMs: 120_000, intervalMs: 500, description: `2 Ready nodes of ${c.id}` }).catch((error: Error) => {
        throw new Error(`${error.message}\n${describeParts()}`);
      });
    }
    const vmsOf = (prefix: string) => sim!.sim.vms().filter((vm) => vm.hostname.startsWith(prefix));
    expect(vmsOf('c1-pool-').filter(live)).toHaveLength(2);
    expect(vmsOf('eu1-pool-').filter(live)).toHaveLength(2);
    expect(vmsOf('c1-eu-pool-').filter(live)).toHaveLength(2);
    // c1-eu's workers (legacy and new) joined c1-eu's control plane, c1's joined c1's: two clusters.
    const names = async (c: Cluster) => (await c.kube.core.listNode()).items.map((n) => n.metadata!.name!);
    expect((await names(clusters[1]!)).filter((n) => n.startsWith('c1-eu-pool-')).sort()).toEqual(['c1-eu-pool-mrk01', 'c1-eu-pool-old01']);
    expect((await names(clusters[0]!)).filter((n) => n.startsWith('c1-eu-'))).toEqual([]);

    // Several sweep cycles: both clusters keep reconciling (2 s heartbeat) for 2.5 confirmation windows.
    const startMs = Date.now();
    await waitFor(
      async () => {
        // Stop at once if anything was deleted (the old code deleted c1-eu's VMs about a minute in).
        if (sim!.sim.calls('deleteVm').length > 0) return 'deleted';
        if (Date.now() - startMs < OBSERVE_MS) return false;
        const planned = await Promise.all(clusters.map(lastPlanMs));
        return planned.every((ms) => ms > startMs + OBSERVE_MS) && 'observed';
      },
      { timeoutMs: OBSERVE_MS + 60_000, intervalMs: 1_000, description: 'both clusters to plan after the observation window' },
    );

    // 0 VMs of either deleted by the other (nor by itself): every VM still there, no deleteVm anywhere.
    expect(sim!.sim.calls('deleteVm')).toEqual([]);
    expect(sim!.sim.vms().filter((vm) => !live(vm)).map((vm) => vm.hostname)).toEqual([]);
    expect(sim!.sim.vms().filter(live)).toHaveLength(6);
    const audit = parseAuditLines(functions!.logText());
    expect(audit.filter((a) => a.type === 'command' && a.kind === 'deleteVm').map((a) => `${a.cluster}: ${a.target}`)).toEqual([]);
    expect(audit.filter((a) => a.type === 'decision' && a.kind === 'orphan-vm')).toEqual([]);
    for (const c of clusters) expect(await managedNodes(c)).toHaveLength(2);
    // Both clusters really were served by the one deployment all along.
    expect(new Set(audit.filter((a) => a.kind === 'scale-up').map((a) => a.cluster))).toEqual(new Set(['c1', 'c1-eu']));
  }, 420_000);
});
