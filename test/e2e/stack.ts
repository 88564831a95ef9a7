import { randomBytes } from 'node:crypto';
import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { PolicyOverrides } from '../../functions/config.ts';
import { BOOTSTRAP_TEMPLATE_LABEL } from '../../shared/labels.ts';
import { startTcpProxy, type TcpProxy } from '../harness/tcp-proxy.ts';
import { NODEGROUP_LABEL } from '../../shared/labels.ts';
import type { NodeGroupSpecInput } from '../../shared/nodegroup.ts';
import { freePorts } from '../harness/free-port.ts';
import { ProcessSupervisor } from '../harness/processes.ts';
import { waitFor } from '../harness/wait-for.ts';
import { SIM_DC, SIM_OS_IMAGES, startVpsieSimulator, type SimCall, type SimClock, type SimOperation, type SimVm, type VpsieSimulator } from '../vpsie-sim/index.ts';
import { parseAuditLines, type AuditLine, type ClusterStatus } from './audit-log.ts';
import { CliPart } from './cli-process.ts';
import { fetchMetrics, listEvents, metricValue, type EventSummary, type MetricSample } from './observe.ts';
import {
  applyCrd,
  applyNodeGroup,
  BOOTSTRAP_SECRET,
  CREDENTIALS_SECRET,
  deleteNodeGroups,
  ensureNamespace,
  ignore404,
  KUBEADM_TEMPLATE_FILE,
  kubeClients,
  patchNodeGroupSpec,
  putSecret,
  readNodeGroupStatus,
  type KubeClients,
  type NodeGroupObjectStatus,
} from './stack-cluster.ts';

// The whole product on one machine, wired as a user would wire it: a real control plane (given),
// the VPSie simulator whose VMs join that cluster as kwok Nodes, the functions as their own process
// (`vpsie-autoscaler functions`) on a DynamoDB-compatible store, and one or two forwarders as their
// own processes (`vpsie-autoscaler forwarder`) electing a leader on a Lease. Everything binds to
// 127.0.0.1 on free ports; each child logs to <runDir>/<name>.log. Windows, cooldowns and deadlines
// are shortened so that a scale-down takes seconds, not ten minutes.

/** Shortened policy for e2e and the demo (production defaults are minutes: functions/planning/types.ts). */
export const SHORT_POLICY: PolicyOverrides = {
  scaleDownCooldownAfterScaleUpMs: 5_000,
  launchDeadlineMs: 20_000,
  registrationDeadlineMs: 30_000,
  drainDeadlineMs: 30_000,
  backoffInitialMs: 5_000,
  backoffMaxMs: 20_000,
  notReadyReplaceAfterMs: 120_000,
};

export const SIM_TOKEN = 'sim-token';
export const SIM_DELETE_PASSWORD = 'sim-delete-password';
/** The simulator's default project, by name: the forwarder resolves it through /apps/v2/projects. */
export const SIM_PROJECT_ID = 'sim-project';

export interface StackOptions {
  kubeconfigPath: string;
  /** Default e2e-<random>: also the VM hostname prefix ("<clusterId>-"), so stacks never share VMs or state. */
  clusterId?: string;
  /** The forwarder's namespace (bootstrap Secrets, its Lease, the NodeGroups). Default vpsie-<clusterId>. */
  namespace?: string;
  /** An external store for the functions (the harness's dynalite); absent: the functions' embedded store. */
  store?: { endpoint: string; tableName: string };
  forwarderReplicas?: 1 | 2;
  /** How long a new VM stays pending at the simulator (default 1500 ms). */
  provisionMs?: number;
  /** The simulator's clock (default real time); a SkippableClock lets a test jump over long waits at VPSie. */
  simClock?: SimClock;
  /** Policy overrides on top of SHORT_POLICY. */
  policy?: PolicyOverrides;
  /** The forwarder's heartbeat (default 2000 ms). */
  heartbeatMs?: number;
  dryRun?: boolean;
  forwarderArgs?: string[];
  functionsArgs?: string[];
  /** Progress lines (what is being started). */
  log?: (line: string) => void;
  /** Keep <runDir> after stop() (also when HARNESS_KEEP_LOGS=1). */
  keepLogs?: boolean;
  /** The forwarders reach the API server through a TCP proxy the test can cut (stack.kubeProxy). */
  kubeProxy?: boolean;
  /** Extra environment of the forwarder processes (VPSIE_FWD_* settings). */
  forwarderEnv?: Record<string, string>;
}

export interface ForwarderPart extends CliPart {
  readonly identity: string;
  readonly metricsUrl: string;
}

export interface Stack {
  clusterId: string;
  namespace: string;
  hostnamePrefix: string;
  signingKey: string;
  triggerToken: string;
  runDir: string;
  kube: KubeClients;
  simulator: VpsieSimulator;
  functions: CliPart & { readonly url: string };
  /** With options.kubeProxy: the proxy between the forwarders and the API server. */
  kubeProxy: TcpProxy | undefined;
  forwarders: ForwarderPart[];

  /** Every VM the simulator ever accepted for this cluster (deleted and never-materialised ones included). */
  vms(): SimVm[];
  /** VMs of this cluster that exist now (pending, created or running). */
  liveVms(): SimVm[];
  /** API calls the simulator received, optionally of one operation. */
  calls(operation?: SimOperation): SimCall[];
  /** Hostnames the simulator accepted more than once: must stay empty. */
  duplicateVms(): string[];
  /** /metrics of a forwarder (default: the current leader, else the first running one). */
  metrics(replica?: number): Promise<MetricSample[]>;
  metric(name: string, labels?: Record<string, string>, replica?: number): Promise<number>;
  /** Index of the forwarder that reports itself leader, or undefined. */
  leader(): Promise<number | undefined>;
  waitForLeader(timeoutMs?: number): Promise<number>;
  events(namespace?: string): Promise<EventSummary[]>;
  /** Every audit line the functions logged so far (the audit trail: one JSON line per command and decision). */
  audit(): AuditLine[];
  /** GET /v1/clusters/<id>/status of the functions (bearer: the status token). */
  clusterStatus(): Promise<ClusterStatus>;
  nodeGroupStatus(name: string): Promise<NodeGroupObjectStatus | undefined>;
  /** Creates or replaces a NodeGroup in the stack's namespace, with the stack's bootstrap Secret. */
  applyNodeGroup(name: string, spec: Partial<NodeGroupSpecInput>): Promise<void>;
  patchNodeGroup(name: string, spec: Partial<NodeGroupSpecInput>): Promise<void>;
  /** Nodes carrying the NodeGroup label (of this cluster's VMs). */
  managedNodeNames(group?: string): Promise<string[]>;
  /** The simulator's, the functions' and the forwarders' logs, for failure messages. */
  describe(): string;
  stop(): Promise<void>;
}

/** A NodeGroup spec against the simulator's catalogue: New York, Ubuntu 24.04, the bootstrap Secret. */
export function simNodeGroupSpec(spec: Partial<NodeGroupSpecInput> = {}): NodeGroupSpecInput {
  return {
    minNodes: 0,
    maxNodes: 5,
    datacenterID: SIM_DC.newYork,
    osImageID: SIM_OS_IMAGES['ubuntu-24.04'],
    offeringIDs: [],
    bootstrap: { secretName: BOOTSTRAP_SECRET },
    ...spec,
  };
}

export async function startStack(options: StackOptions): Promise<Stack> {
  const log = options.log ?? (() => {});
  const clusterId = options.clusterId ?? `e2e-${randomBytes(3).toString('hex')}`;
  const namespace = options.namespace ?? `vpsie-${clusterId}`;
  const hostnamePrefix = `${clusterId}-`;
  const signingKey = randomBytes(32).toString('hex');
  const triggerToken = randomBytes(16).toString('hex');
  const statusToken = randomBytes(16).toString('hex');
  const kube = kubeClients(options.kubeconfigPath);
  const supervisor = new ProcessSupervisor();
  const runDir = supervisor.runDir;
  const partsLog = join(runDir, 'stack.log');
  const note = (line: string) => appendFileSync(partsLog, `${new Date().toISOString()} ${line}\n`);
  let simulator: VpsieSimulator | undefined;
  let kubeProxy: TcpProxy | undefined;
  const started: CliPart[] = [];

  const stopAll = async () => {
    // SIGTERM, then SIGKILL after 3 s: a forwarder's graceful stop does not always finish (see the e2e notes).
    for (const part of [...started].reverse()) await part.stop(3_000).catch(() => {});
    await simulator?.stop().catch(() => {});
    await kubeProxy?.close().catch(() => {});
    await supervisor.stop({ keepRunDir: options.keepLogs === true || process.env.HARNESS_KEEP_LOGS === '1' });
  };

  try {
    log('applying the NodeGroup CRD, the credentials and bootstrap Secrets');
    await applyCrd(kube);
    await ensureNamespace(kube, namespace);
    await putSecret(kube, CREDENTIALS_SECRET.namespace, CREDENTIALS_SECRET.name, {
      token: SIM_TOKEN,
      deletePassword: SIM_DELETE_PASSWORD,
      projectId: SIM_PROJECT_ID,
    });
    await putSecret(kube, namespace, BOOTSTRAP_SECRET, { 'cloud-init': readFileSync(KUBEADM_TEMPLATE_FILE, 'utf8') }, { [BOOTSTRAP_TEMPLATE_LABEL]: 'true' });

    log('starting the VPSie simulator');
    simulator = await startVpsieSimulator({
      provisionMs: options.provisionMs ?? 1_500,
      ...(options.simClock ? { clock: options.simClock } : {}),
      kubeconfigPath: options.kubeconfigPath,
      clusterLog: (message) => note(`vpsie-sim: ${message}`),
    });
    note(`vpsie-sim listening on ${simulator.url}`);

    const [functionsPort, ...metricsPorts] = (await freePorts(1 + (options.forwarderReplicas ?? 1))) as [number, ...number[]];
    const functionsUrl = `http://127.0.0.1:${functionsPort}`;
    const policy = { ...SHORT_POLICY, ...options.policy };
    const functions = Object.assign(
      new CliPart(supervisor, {
        name: 'functions',
        args: [
          'functions',
          '--port', String(functionsPort),
          '--cluster-id', clusterId,
          '--signing-key', signingKey,
          '--trigger-token', triggerToken,
          '--status-token', statusToken,
          '--hostname-prefix', hostnamePrefix,
          '--policy', JSON.stringify(policy),
          ...(options.store ? ['--dynamo-endpoint', options.store.endpoint, '--table', options.store.tableName] : []),
          ...(options.functionsArgs ?? []),
        ],
        healthUrl: `${functionsUrl}/healthz`,
      }),
      { url: functionsUrl },
    );
    log('starting the functions');
    started.push(functions);
    await functions.start();

    let forwarderKubeconfig = options.kubeconfigPath;
    if (options.kubeProxy) {
      const server = new URL(kube.kc.getCurrentCluster()!.server);
      kubeProxy = await startTcpProxy({ host: server.hostname, port: Number(server.port) });
      forwarderKubeconfig = join(runDir, 'forwarder-kubeconfig.yaml');
      writeFileSync(forwarderKubeconfig, readFileSync(options.kubeconfigPath, 'utf8').replaceAll(server.host, kubeProxy.address));
      note(`forwarders reach the API server through ${kubeProxy.address}`);
    }
    const forwarders: ForwarderPart[] = metricsPorts.map((port, index) => {
      const identity = `forwarder-${index}`;
      const part = new CliPart(supervisor, {
        name: identity,
        args: [
          'forwarder',
          '--kubeconfig', forwarderKubeconfig,
          '--functions-url', functionsUrl,
          '--cluster-id', clusterId,
          '--signing-key', signingKey,
          '--namespace', namespace,
          '--vpsie-url', simulator!.url,
          '--identity', identity,
          '--listen', `127.0.0.1:${port}`,
          '--heartbeat-seconds', String((options.heartbeatMs ?? 2_000) / 1000),
          ...(options.dryRun ? ['--dry-run'] : []),
          ...(options.forwarderArgs ?? []),
        ],
        healthUrl: `http://127.0.0.1:${port}/healthz`,
        // One control plane hosts many stacks in a test run: other stacks' labelled Nodes would count
        // against this forwarder's cluster-wide caps (its own tests set the caps they test).
        env: { VPSIE_FWD_CAPS__MAX_CLUSTER_VMS: '100000', VPSIE_FWD_CAPS__MAX_MONTHLY_COST: '100000000', ...options.forwarderEnv },
      });
      return Object.assign(part, { identity, metricsUrl: `http://127.0.0.1:${port}/metrics` });
    });
    log(`starting ${forwarders.length} forwarder${forwarders.length > 1 ? 's' : ''}`);
    started.push(...forwarders);
    await Promise.all(forwarders.map((f) => f.start()));

    const sim = simulator;
    const ours = (vm: SimVm) => vm.hostname.startsWith(hostnamePrefix);
    const leader = async (): Promise<number | undefined> => {
      for (const [index, forwarder] of forwarders.entries()) {
        if (!forwarder.running) continue;
        try {
          if (metricValue(await fetchMetrics(forwarder.metricsUrl), 'vpsie_autoscaler_forwarder_leader') === 1) return index;
        } catch {
          // not answering: not the leader
        }
      }
      return undefined;
    };
    const metrics = async (replica?: number) => {
      const index = replica ?? (await leader()) ?? forwarders.findIndex((f) => f.running);
      const forwarder = forwarders[index];
      if (!forwarder) throw new Error('no forwarder is running');
      return fetchMetrics(forwarder.metricsUrl);
    };

    const stack: Stack = {
      clusterId,
      namespace,
      hostnamePrefix,
      signingKey,
      triggerToken,
      runDir,
      kube,
      kubeProxy,
      simulator: sim,
      functions,
      forwarders,
      vms: () => sim.sim.vms().filter(ours),
      liveVms: () => sim.sim.vms().filter((vm) => ours(vm) && (vm.phase === 'pending' || vm.phase === 'created' || vm.phase === 'running')),
      calls: (operation) => sim.sim.calls(operation),
      duplicateVms: () => sim.sim.duplicateHostnames().filter((h) => h.startsWith(hostnamePrefix)),
      metrics,
      metric: async (name, labels = {}, replica) => metricValue(await metrics(replica), name, labels),
      leader,
      waitForLeader: (timeoutMs = 30_000) =>
        waitFor(async () => (await leader()) ?? false, { timeoutMs, intervalMs: 250, description: 'a forwarder to report itself leader' }).then((i) => i as number),
      events: (ns) => listEvents(kube.core, ns ?? namespace),
      audit: () => parseAuditLines(functions.logText()),
      clusterStatus: async () => {
        const response = await fetch(`${functionsUrl}/v1/clusters/${clusterId}/status`, {
          headers: { authorization: `Bearer ${statusToken}` },
          signal: AbortSignal.timeout(5_000),
        });
        if (!response.ok) throw new Error(`GET /v1/clusters/${clusterId}/status: ${response.status} ${await response.text()}`);
        return (await response.json()) as ClusterStatus;
      },
      nodeGroupStatus: (name) => readNodeGroupStatus(kube, namespace, name),
      applyNodeGroup: (name, spec) => applyNodeGroup(kube, { name, namespace, spec: simNodeGroupSpec(spec) }),
      patchNodeGroup: (name, spec) => patchNodeGroupSpec(kube, namespace, name, spec),
      managedNodeNames: async (group) => {
        const selector = group ? `${NODEGROUP_LABEL}=${group}` : NODEGROUP_LABEL;
        const nodes = await kube.core.listNode({ labelSelector: selector });
        return nodes.items.map((n) => n.metadata?.name ?? '').filter((n) => n.startsWith(hostnamePrefix)).sort();
      },
      describe: () =>
        [functions, ...forwarders]
          .map((p) => `--- ${p.name} (${p.logPath}) ---\n${p.logTail(30)}`)
          .concat(`--- stack (${partsLog}) ---\n${safeTail(partsLog)}`)
          .join('\n'),
      stop: async () => {
        await stopAll();
        await cleanupCluster(kube, namespace, hostnamePrefix);
      },
    };
    return stack;
  } catch (error) {
    await stopAll();
    await cleanupCluster(kube, namespace, hostnamePrefix).catch(() => {});
    throw error;
  }
}

function safeTail(path: string, lines = 30): string {
  try {
    return readFileSync(path, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

/**
 * Leaves the shared cluster as it was: the stack's NodeGroups and namespace, and the Nodes its VMs
 * registered (the cluster hook never deletes Nodes: that is the autoscaler's job, and it is stopped).
 */
async function cleanupCluster(kube: KubeClients, namespace: string, hostnamePrefix: string): Promise<void> {
  await deleteNodeGroups(kube, namespace);
  const nodes = await kube.core.listNode();
  await Promise.all(
    nodes.items
      .map((n) => n.metadata?.name ?? '')
      .filter((name) => name.startsWith(hostnamePrefix))
      .map((name) => kube.core.deleteNode({ name }).catch(ignore404)),
  );
  await kube.core.deleteNamespace({ name: namespace }).catch(ignore404);
}
