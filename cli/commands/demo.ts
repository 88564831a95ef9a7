import { AppsV1Api, KubernetesObjectApi, type KubernetesObject } from '@kubernetes/client-node';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse, parseAllDocuments } from 'yaml';
import { defineCommandLine, runCommandLine } from '../../shared/command-line.ts';
import { NODEGROUP_LABEL } from '../../shared/labels.ts';
import type { NodeGroupSpecInput } from '../../shared/nodegroup.ts';
import { onStopSignal } from '../../shared/wait-for-stop.ts';
import { startControlPlane, type ControlPlane } from '../../test/harness/control-plane.ts';
import { scaleDeployment } from '../../test/e2e/e2e-helpers.ts';
import { ensureNamespace } from '../../test/e2e/stack-cluster.ts';
import { startStack, type Stack } from '../../test/e2e/stack.ts';
import { ensureBinaries, MissingToolError } from '../demo/binaries.ts';
import { keepLogs } from '../demo/keep-logs.ts';
import { decisionKey, decisionLine, describeState, renderScreen, scaleDownPhase, stateKey, stateLine, summaryLine, type DemoState, type DemoSummary } from '../demo/view.ts';

// `npm run demo`: the whole product on this machine — a real control plane with kwok nodes, the
// VPSie simulator whose VMs join as Nodes, the functions with their embedded store and the forwarder
// as their own processes — then the sample NodeGroup and a bursty workload from examples/. It shows
// the scale-up live, lets the load go, shows the scale-down, and prints a `summary:` line.
// In a terminal the view redraws; otherwise it prints plain progress lines. Ctrl-C stops everything.

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '../..');
const NODEGROUP_FILE = join(ROOT, 'examples/nodegroup.yaml');
const WORKLOAD_FILE = join(ROOT, 'examples/bursty-workload.yaml');
const STACK_NAMESPACE = 'vpsie-autoscaler';

const USAGE = `usage: vpsie-autoscaler demo [options]

  --plain                  plain progress lines even in a terminal
  --window-seconds <n>     scale-down stabilization window of the sample NodeGroup (default 10; the example says 600)
  --hold-seconds <n>       how long the burst runs once every pod is Running (default 5)
  --timeout-seconds <n>    give up on a phase after this long (default 300)
`;

interface DemoOptions {
  plain: boolean;
  windowSeconds: number;
  holdMs: number;
  timeoutMs: number;
}

const DEMO_LINE = defineCommandLine({
  name: 'vpsie-autoscaler demo',
  usage: USAGE,
  options: {
    plain: { type: 'boolean' },
    'window-seconds': { type: 'number', min: 0, default: 10 },
    'hold-seconds': { type: 'number', min: 0, default: 5 },
    'timeout-seconds': { type: 'number', min: 0, default: 300 },
  },
});

export async function run(args: string[]): Promise<number> {
  return runCommandLine(DEMO_LINE, args, (values) => demo({
    plain: values.plain || !process.stdout.isTTY,
    windowSeconds: values['window-seconds'],
    holdMs: values['hold-seconds'] * 1000,
    timeoutMs: values['timeout-seconds'] * 1000,
  }));
}

async function demo(options: DemoOptions): Promise<number> {
  const startedMs = Date.now();
  const say = (line: string) => process.stdout.write(`${line}\n`);
  let controlPlane: ControlPlane | undefined;
  let stack: Stack | undefined;
  let stopping = false;

  // The harness's process supervisors kill the children synchronously on SIGINT; this only says so
  // and exits (their handlers run first: they were registered first).
  // Where the logs stay after the demo (the harness deletes its run folders when it stops).
  const logsDir = join(tmpdir(), `vpsie-autoscaler-demo-${new Date(startedMs).toISOString().replace(/[:.]/g, '-')}`);
  const saveLogs = () => {
    const sources = [...(controlPlane ? [{ prefix: 'control-plane', dir: controlPlane.tmpDir }] : []), ...(stack ? [{ prefix: 'stack', dir: stack.runDir }] : [])];
    try {
      keepLogs(sources, logsDir);
    } catch (error) {
      process.stderr.write(`vpsie-autoscaler demo: could not keep the logs in ${logsDir}: ${(error as Error).message}\n`);
    }
  };
  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    process.stdout.write(`\n${signal}: stopped the local stack (control plane, functions, forwarder, simulator); nothing is left running\n`);
    process.exit(130);
  };
  const unsubscribe: Array<() => void> = [];

  try {
    await ensureBinaries(say);
    say('starting a local Kubernetes control plane (etcd, kube-apiserver, kube-scheduler, kube-controller-manager, kwok for the nodes)…');
    controlPlane = await startControlPlane();
    say(`control plane ready: ${controlPlane.apiServerUrl} (kubeconfig ${controlPlane.kubeconfigPath})`);
    say('starting the VPSie simulator, the functions (embedded store) and the forwarder…');
    stack = await startStack({
      kubeconfigPath: controlPlane.kubeconfigPath,
      clusterId: 'demo',
      namespace: STACK_NAMESPACE,
      provisionMs: 3_000,
      log: (line) => say(`  ${line}`),
    });
    unsubscribe.push(onStopSignal(onSignal));
    // Runs before the harness's own signal hooks (which kill the children and delete their folders).
    unsubscribe.push(onStopSignal(() => saveLogs(), { first: true }));
    say(`stack ready: functions ${stack.functions.url}, forwarder ${stack.forwarders[0]!.metricsUrl}, VPSie simulator ${stack.simulator.url}; logs in ${stack.runDir} (kept in ${logsDir} when the demo ends)`);

    const summary = await runScenario(stack, options, startedMs, say);
    say(summaryLine(summary));
    return summary.completed ? 0 : 1;
  } catch (error) {
    if (error instanceof MissingToolError) {
      process.stderr.write(`vpsie-autoscaler demo: ${error.message}\n`);
      return 1;
    }
    process.stderr.write(`vpsie-autoscaler demo failed: ${error instanceof Error ? error.message : String(error)}\n`);
    if (stack) process.stderr.write(`${stack.describe()}\n`);
    say(summaryLine({ launched: stack?.vms().length ?? 0, removed: stack?.vms().filter((v) => v.phase === 'deleted').length ?? 0, timeToScheduleMs: undefined, peakCostPerHour: 0, peakPlans: {}, totalMs: Date.now() - startedMs, completed: false }));
    return 1;
  } finally {
    for (const off of unsubscribe) off();
    saveLogs();
    process.stdout.write(`logs kept in ${logsDir}\n`);
    await stack?.stop().catch(() => {});
    await controlPlane?.stop().catch(() => {});
  }
}

async function runScenario(stack: Stack, options: DemoOptions, startedMs: number, say: (line: string) => void): Promise<DemoSummary> {
  const objects = KubernetesObjectApi.makeApiClient(stack.kube.kc);
  const apps = stack.kube.kc.makeApiClient(AppsV1Api);

  // The sample NodeGroup, with the scale-down window shortened for the demo.
  const sample = parse(readFileSync(NODEGROUP_FILE, 'utf8')) as { metadata: { name: string }; spec: NodeGroupSpecInput };
  const groupName = sample.metadata.name;
  await stack.applyNodeGroup(groupName, {
    ...sample.spec,
    scaleDownPolicy: { ...sample.spec.scaleDownPolicy, stabilizationWindowSeconds: options.windowSeconds },
  });
  say(`applied NodeGroup ${STACK_NAMESPACE}/${groupName} from examples/nodegroup.yaml (scale-down window shortened to ${options.windowSeconds}s)`);

  const workload = parseAllDocuments(readFileSync(WORKLOAD_FILE, 'utf8')).map((d) => d.toJS() as KubernetesObject);
  const namespace = workload[0]?.metadata?.namespace ?? 'demo';
  const deployment = workload.find((o) => o.kind === 'Deployment')!;
  const replicas = (deployment as { spec?: { replicas?: number } }).spec?.replicas ?? 0;
  await ensureNamespace(stack.kube, namespace);
  const workloadAppliedMs = Date.now();
  for (const object of workload) await objects.create(object);
  say(`applied the bursty workload from examples/bursty-workload.yaml: ${replicas} pods of ${namespace}/${deployment.metadata!.name}`);

  const view = new LiveView(stack, options, startedMs, namespace, [groupName], say);
  const summary: DemoSummary = { launched: 0, removed: 0, timeToScheduleMs: undefined, peakCostPerHour: 0, peakPlans: {}, totalMs: 0, completed: false };
  const track = (state: DemoState) => {
    if (state.costPerHour > summary.peakCostPerHour) {
      summary.peakCostPerHour = state.costPerHour;
      summary.peakPlans = { ...state.vmsByPlan };
    }
  };

  try {
    // Scale-up: until every pod of the burst runs.
    const scheduled = await view.until('scale-up: pods pending, nodes launching', options.timeoutMs, (state) => {
      track(state);
      return state.pods.running === replicas && state.pods.pending === 0;
    });
    if (!scheduled) return finish(summary, stack, startedMs, false, say, 'the burst did not get scheduled in time');
    summary.timeToScheduleMs = Date.now() - workloadAppliedMs;
    say(`all ${replicas} pods Running ${(summary.timeToScheduleMs / 1000).toFixed(1)}s after the workload was applied`);
    await view.until(`burst running (holding ${options.holdMs / 1000}s)`, options.holdMs, (state) => {
      track(state);
      return false;
    });

    // The load goes; after the window the empty nodes are drained and removed.
    await scaleDeployment(apps, namespace, deployment.metadata!.name!, 0);
    say(`load gone: ${namespace}/${deployment.metadata!.name} scaled to 0; nodes go after ${options.windowSeconds}s below the thresholds`);
    const windowEndsMs = Date.now() + options.windowSeconds * 1000;
    const drained = await view.until(() => scaleDownPhase(Date.now(), windowEndsMs), options.timeoutMs, (state) => {
      track(state);
      return state.groups.every((g) => g.ready + g.draining + g.notReady + g.launching === 0) && stack.liveVms().length === 0;
    });
    return finish(summary, stack, startedMs, drained, say, drained ? undefined : 'the nodes were not all removed in time');
  } finally {
    view.close();
  }
}

function finish(summary: DemoSummary, stack: Stack, startedMs: number, completed: boolean, say: (line: string) => void, problem?: string): DemoSummary {
  if (problem) say(`demo: ${problem}`);
  const vms = stack.vms().filter((vm) => vm.phase !== 'vanished');
  return { ...summary, launched: vms.length, removed: vms.filter((vm) => vm.phase === 'deleted').length, totalMs: Date.now() - startedMs, completed };
}

/** Polls the cluster, the simulator and the audit trail; redraws (terminal) or prints changes (plain). */
class LiveView {
  private readonly decisions: string[] = [];
  private readonly seen = new Set<string>();
  private auditIndex = 0;
  private lastKey = '';
  private closed = false;

  constructor(
    private readonly stack: Stack,
    private readonly options: DemoOptions,
    private readonly startedMs: number,
    private readonly namespace: string,
    private readonly groupNames: string[],
    private readonly say: (line: string) => void,
  ) {}

  /** Refreshes every 500 ms until `done(state)` or the timeout; true when done. */
  async until(phase: string | (() => string), timeoutMs: number, done: (state: DemoState) => boolean): Promise<boolean> {
    const deadlineMs = Date.now() + timeoutMs;
    const label = typeof phase === 'string' ? () => phase : phase;
    if (this.options.plain) this.say(`— ${label()}`);
    for (;;) {
      const state = await this.collect(label());
      this.show(state);
      if (done(state)) return true;
      if (Date.now() >= deadlineMs || this.closed) return false;
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  }

  close(): void {
    this.closed = true;
  }

  private async collect(phase: string): Promise<DemoState> {
    const [pods, nodes] = await Promise.all([
      this.stack.kube.core.listNamespacedPod({ namespace: this.namespace }),
      this.stack.kube.core.listNode({ labelSelector: NODEGROUP_LABEL }),
    ]);
    return describeState({
      elapsedMs: Date.now() - this.startedMs,
      phase,
      pods: pods.items,
      nodes: nodes.items,
      liveVms: this.stack.liveVms(),
      hostnamePrefix: this.stack.hostnamePrefix,
      groupNames: this.groupNames,
    });
  }

  private show(state: DemoState): void {
    const audit = this.stack.audit();
    const fresh: string[] = [];
    for (const line of audit.slice(this.auditIndex)) {
      const text = decisionLine(line);
      if (!text) continue;
      const key = decisionKey(line);
      if (this.seen.has(key)) continue;
      this.seen.add(key);
      fresh.push(text);
    }
    this.auditIndex = audit.length;
    this.decisions.push(...fresh);
    if (this.options.plain) {
      const clock = `[${(state.elapsedMs / 1000).toFixed(1).padStart(6)}s]`;
      for (const text of fresh) this.say(`${clock} ${text}`);
      const key = stateKey(state);
      if (key !== this.lastKey) this.say(`${clock} ${stateLine(state)}`);
      this.lastKey = key;
      return;
    }
    // Terminal: redraw in place (home, clear below: no full-screen clear that tmux would keep in its
    // scrollback), within the terminal's size so the header never scrolls away.
    const size = { columns: process.stdout.columns ?? 80, rows: process.stdout.rows ?? 24 };
    const screen = renderScreen(state, this.decisions, 'Ctrl-C stops the demo and everything it started.', size);
    process.stdout.write(`\x1b[H${screen.split('\n').join('\x1b[K\n')}\x1b[K\x1b[J`);
  }
}
