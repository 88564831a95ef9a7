import { clusterVmRows } from '../../forwarder/vpsie/snapshot-view.ts';
import { ORPHAN_CONFIRM_MS } from '../../functions/planning/orphan-vms.ts';
import { plan } from '../../functions/planning/plan.ts';
import { DEFAULT_POLICY, EMPTY_STATE, type PlanningState } from '../../functions/planning/types.ts';
import { defineCommandLine, textOptions, runCommandLine, type OptionValues } from '../../shared/command-line.ts';
import { isDnsLabel } from '../../shared/ownership.ts';
import { readClusterFile, toSnapshot } from '../plan/cluster-file.ts';
import { PlanInputError } from '../plan/input-error.ts';
import { readOfferings } from '../plan/offerings.ts';
import { groupReports } from '../plan/group-report.ts';
import { renderTable, toReport } from '../plan/render.ts';
import { vmReport } from '../plan/vm-report.ts';
import { readVms } from '../plan/vms-file.ts';

// `vpsie-autoscaler plan`: what-if analysis of a cluster dump with the real planning core.
// Exit 0 with the plan; exit 2 and one line on stderr for bad input.

const USAGE = `usage: vpsie-autoscaler plan --cluster <file.yaml> --offerings <file.json> [--vms <file.json>] [--now <ISO-8601>] [--assume-windows-elapsed] [--balance-similar-node-groups] [--output json|table]

  --cluster <file>          kubectl get nodes,pods,pdb,ds,ng -A -o yaml (multi-document YAML or kind: List)
  --offerings <file>        the VPSie plan list: {"error":false,"data":[{identifier,nickname,cpu,ram,ssd,traffic,price}]}
  --vms <file>              the VPSie VM list (GET /apps/v2/vm): {"error":false,"data":[rows]} or an array of rows;
                            shows which VMs the plan deletes and why (VMs seen unaccounted for are taken as
                            confirmed already), and which it never touches (other clusters', unmarked)
  --cluster-id <id>         the cluster whose VMs are judged (default what-if)
  --hostname-prefix <p>     its VM hostname prefix (default "<cluster-id>-")
  --now <ISO-8601>          the planning time (default: now)
  --assume-windows-elapsed  treat stabilization windows and cooldowns as elapsed
  --balance-similar-node-groups
                            similar NodeGroups share the scale-up evenly (the functions' policy
                            balanceSimilarNodeGroups; default off)
  --output json|table       default table
`;

export interface PlanIo { stdout: (text: string) => void; stderr: (text: string) => void; nowMs: () => number }

const processIo: PlanIo = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  nowMs: () => Date.now(),
};

const PLAN_LINE = defineCommandLine({
  name: 'vpsie-autoscaler plan',
  usage: USAGE,
  usageOnError: false,
  options: {
    ...textOptions('cluster', 'offerings', 'vms', 'hostname-prefix', 'now'),
    'cluster-id': { type: 'string', default: 'what-if' },
    'assume-windows-elapsed': { type: 'boolean' },
    'balance-similar-node-groups': { type: 'boolean' },
    output: { type: 'string', choices: ['json', 'table'], default: 'table' },
  },
  check: (v) => [
    ...(v.cluster ? [] : ['--cluster <file.yaml> is required']),
    ...(v.offerings ? [] : ['--offerings <file.json> is required']),
  ],
});

export async function runPlan(args: string[], io: PlanIo): Promise<number> {
  return runCommandLine(PLAN_LINE, args, (options) => planDump(options as PlanOptions, io), io);
}

type PlanOptions = OptionValues<typeof PLAN_LINE.options> & { cluster: string; offerings: string };

async function planDump(options: PlanOptions, io: PlanIo): Promise<number> {
  let nowMs = io.nowMs();
  if (options.now !== undefined) {
    nowMs = Date.parse(options.now);
    if (!/^\d{4}-\d{2}-\d{2}/.test(options.now) || Number.isNaN(nowMs)) throw new PlanInputError(`--now: "${options.now}" is not an ISO-8601 time`);
  }
  const clusterId = options['cluster-id'];
  if (!isDnsLabel(clusterId)) throw new PlanInputError(`--cluster-id: "${clusterId}" is not a cluster id (lowercase letters, digits and dashes)`);
  const hostnamePrefix = options['hostname-prefix'] ?? `${clusterId}-`;
  if (!/^[a-z0-9][a-z0-9-]{0,29}$/.test(hostnamePrefix)) throw new PlanInputError(`--hostname-prefix: "${hostnamePrefix}" is not a hostname prefix (lowercase letters, digits and dashes, at most 30)`);
  const cluster = { clusterId, hostnamePrefix };
  const offerings = readOfferings(options.offerings);
  const objects = readClusterFile(options.cluster);
  const vpsieVms = options.vms === undefined ? undefined : readVms(options.vms);
  // The forwarder's own judgement: only this cluster's and unmarked VMs enter the snapshot.
  const vms = vpsieVms === undefined ? null : clusterVmRows(vpsieVms, [], { cluster, projectId: undefined });
  const snapshot = toSnapshot(objects, offerings, nowMs, { clusterId, vms });
  const balance = options['balance-similar-node-groups'] === true;
  const policy = { ...DEFAULT_POLICY, clusterId, hostnamePrefix, assumeWindowsElapsed: options['assume-windows-elapsed'], balanceSimilarNodeGroups: balance };
  const state: PlanningState = structuredClone(EMPTY_STATE);
  // One what-if is one reconcile; the sweep deletes only VMs seen unaccounted for a while already.
  for (const vm of vms ?? []) state.nodes[vm.hostname] = { vmUnaccountedSinceMs: nowMs - ORPHAN_CONFIRM_MS };
  const result = plan(snapshot, state, policy, nowMs);
  const report = {
    ...toReport(result, snapshot.offerings),
    ...(vpsieVms ? { vms: vmReport(result, vpsieVms, cluster) } : {}),
    groups: groupReports(snapshot, result, hostnamePrefix),
    ...(balance ? { balanceSimilarNodeGroups: true } : {}),
  };
  if (objects.ignoredKinds.length > 0) io.stderr(`note: ignored objects of kind ${objects.ignoredKinds.join(', ')}\n`);
  io.stdout(options.output === 'json' ? JSON.stringify(report, null, 2) + '\n' : renderTable(report));
  return 0;
}

export async function run(args: string[]): Promise<number> {
  return runPlan(args, processIo);
}
