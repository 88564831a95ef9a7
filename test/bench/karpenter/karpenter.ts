import { ApiextensionsV1Api, CoreV1Api, CustomObjectsApi, Watch, type KubeConfig } from '@kubernetes/client-node';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { freePorts } from '../../harness/free-port.ts';
import { probe } from '../../harness/probe.ts';
import { ProcessSupervisor } from '../../harness/processes.ts';
import { waitFor } from '../../harness/wait-for.ts';
import { karpenterInstanceTypes, type BenchPlan } from './catalogue.ts';
import type { SystemUnderTest } from './measure.ts';
import { WAIT_BEFORE_SCALE_DOWN_S } from './ours.ts';

// Karpenter with its kwok cloud provider (built by build-karpenter.sh) against the same control plane:
// its CRDs from the module, a KWOKNodeClass marked Ready, a NodePool as in the kwok provider's README
// (amd64/linux, on-demand, consolidation WhenEmptyOrUnderutilized after 10 s — the wait our NodeGroup
// gets too), our catalogue as its instance-types file. The Nodes it "launches" carry the
// kwok.x-k8s.io/node annotation, so the harness's kwok plays their kubelet as it does for ours.

export const KARPENTER_ZONE = 'sim-singapore';
const KARPENTER_GROUP = 'karpenter.sh';
const INSTANCE_TYPE_LABEL = 'node.kubernetes.io/instance-type';

async function applyCrds(kc: KubeConfig, dir: string): Promise<void> {
  const ext = kc.makeApiClient(ApiextensionsV1Api);
  const names: string[] = [];
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.yaml'))) {
    const body = parse(readFileSync(join(dir, file), 'utf8')) as { metadata: { name: string } };
    names.push(body.metadata.name);
    await ext.createCustomResourceDefinition({ body: body as never });
  }
  for (const name of names) {
    await waitFor(async () => (await ext.readCustomResourceDefinition({ name })).status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True'), {
      timeoutMs: 60_000,
      intervalMs: 250,
      description: `CRD ${name} established`,
    });
  }
}

export async function startKarpenter(kc: KubeConfig, kubeconfigPath: string, buildDir: string, plans: BenchPlan[], log: (line: string) => void): Promise<{ system: SystemUnderTest; stop: () => Promise<void> }> {
  log('applying the Karpenter CRDs from the module, a KWOKNodeClass and the NodePool');
  await applyCrds(kc, join(buildDir, 'crds'));
  const custom = kc.makeApiClient(CustomObjectsApi);
  const core = kc.makeApiClient(CoreV1Api);
  await custom.createClusterCustomObject({ group: 'karpenter.kwok.sh', version: 'v1alpha1', plural: 'kwoknodeclasses', body: { apiVersion: 'karpenter.kwok.sh/v1alpha1', kind: 'KWOKNodeClass', metadata: { name: 'default' } } });
  // No controller in the kwok provider sets the class's status; the NodePool waits for Ready=True.
  const now = new Date().toISOString();
  await custom.replaceClusterCustomObjectStatus({
    group: 'karpenter.kwok.sh', version: 'v1alpha1', plural: 'kwoknodeclasses', name: 'default',
    body: {
      ...(await custom.getClusterCustomObject({ group: 'karpenter.kwok.sh', version: 'v1alpha1', plural: 'kwoknodeclasses', name: 'default' })),
      status: { conditions: [{ type: 'Ready', status: 'True', reason: 'Ready', message: '', lastTransitionTime: now, observedGeneration: 1 }] },
    },
  });
  await custom.createClusterCustomObject({
    group: KARPENTER_GROUP, version: 'v1', plural: 'nodepools',
    body: {
      apiVersion: 'karpenter.sh/v1', kind: 'NodePool', metadata: { name: 'default' },
      spec: {
        template: {
          spec: {
            requirements: [
              { key: 'kubernetes.io/arch', operator: 'In', values: ['amd64'] },
              { key: 'kubernetes.io/os', operator: 'In', values: ['linux'] },
              { key: 'karpenter.sh/capacity-type', operator: 'In', values: ['on-demand'] },
            ],
            nodeClassRef: { group: 'karpenter.kwok.sh', kind: 'KWOKNodeClass', name: 'default' },
          },
        },
        disruption: { consolidationPolicy: 'WhenEmptyOrUnderutilized', consolidateAfter: `${WAIT_BEFORE_SCALE_DOWN_S}s` },
      },
    },
  });

  const supervisor = new ProcessSupervisor();
  const typesFile = join(supervisor.runDir, 'instance-types.json');
  writeFileSync(typesFile, JSON.stringify(karpenterInstanceTypes(plans, KARPENTER_ZONE), null, 2));
  const [metricsPort, healthPort] = (await freePorts(2)) as [number, number];
  log('starting the Karpenter controller (kwok provider)');
  const proc = supervisor.start('karpenter', join(buildDir, 'controller'), [], {
    ...process.env,
    KUBECONFIG: kubeconfigPath,
    INSTANCE_TYPES_FILE_PATH: typesFile,
    DISABLE_LEADER_ELECTION: 'true',
    METRICS_PORT: String(metricsPort),
    HEALTH_PROBE_PORT: String(healthPort),
    LOG_LEVEL: 'info',
  });
  const logTail = () => { try { return readFileSync(proc.logPath, 'utf8').split('\n').slice(-30).join('\n'); } catch { return '(no log)'; } };
  try {
    await waitFor(async () => { if (proc.exit) throw new Error(`karpenter exited (${JSON.stringify(proc.exit)})\n${logTail()}`); return (await probe(`http://127.0.0.1:${healthPort}/readyz`).catch(() => ({ status: 0 }))).status === 200; }, {
      timeoutMs: 120_000, intervalMs: 500, description: 'Karpenter /readyz',
    });
  } catch (error) {
    await supervisor.stop({ keepRunDir: true });
    throw new Error(`${String(error)}\n--- ${proc.logPath} ---\n${logTail()}`);
  }

  // A watch, not a poll: the first NodeClaim's arrival is timed to the event, not to a poll interval.
  const claimSeenMs = new Map<string, number>();
  const watch = await new Watch(kc).watch(`/apis/${KARPENTER_GROUP}/v1/nodeclaims`, {}, (type, obj: { metadata?: { name?: string } }) => {
    const name = obj.metadata?.name;
    if (type === 'ADDED' && name && !claimSeenMs.has(name)) claimSeenMs.set(name, Date.now());
  }, () => {});
  const byTypeName = new Map(plans.map((p) => [p.nickname.toLowerCase(), p.nickname]));
  const listClaims = async () => ((await custom.listClusterCustomObject({ group: KARPENTER_GROUP, version: 'v1', plural: 'nodeclaims' })) as { items: Array<{ metadata: { labels?: Record<string, string> } }> }).items;
  const system: SystemUnderTest = {
    name: 'Karpenter',
    firstCreateMs: async (sinceMs) => {
      const seen = [...claimSeenMs.values()].filter((t) => t >= sinceMs);
      return seen.length > 0 ? Math.min(...seen) : undefined;
    },
    fleet: async () => {
      const fleet: Record<string, number> = {};
      for (const c of await listClaims()) {
        const t = c.metadata.labels?.[INSTANCE_TYPE_LABEL];
        const k = (t && byTypeName.get(t)) ?? t ?? '(not chosen yet)';
        fleet[k] = (fleet[k] ?? 0) + 1;
      }
      return fleet;
    },
    nodesLeft: async () => Math.max((await listClaims()).length, (await core.listNode({ labelSelector: 'karpenter.sh/nodepool' })).items.length),
    pids: () => (proc.exit ? [] : [proc.pid]),
    notes: async () => [],
  };
  return {
    system,
    stop: async () => {
      (watch as { abort?: () => void }).abort?.();
      await supervisor.stop({ keepRunDir: process.env.HARNESS_KEEP_LOGS === '1' });
    },
  };
}
