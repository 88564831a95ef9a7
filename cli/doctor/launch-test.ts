import { randomBytes } from 'node:crypto';
import { BOOTSTRAP_TEMPLATE_LABEL } from '../../shared/labels.ts';
import { parseNodeGroupSpec } from '../../shared/nodegroup.ts';
import { createBootstrapToken, deleteBootstrapToken } from '../../forwarder/executor/bootstrap-token.ts';
import { ensureKubeletFlags, renderTemplate, type Placeholder } from '../../forwarder/executor/cloud-init.ts';
import { kubeletFlags } from '../../forwarder/executor/kubelet-flags.ts';
import { KubeApiError, type KubeHttp } from '../../forwarder/kube/kube-http.ts';
import { bootstrapScriptName, resolveDelivery, type BootstrapDeliveryMode } from '../../forwarder/vpsie/bootstrap-delivery.ts';
import type { VpsieClient, VpsiePlan } from '../../forwarder/vpsie/index.ts';
import { fail, pass, type CheckResult } from './check.ts';
import type { DoctorNodeGroup } from './vpsie-checks.ts';

// `doctor --launch-test`: the one check that proves a NodeGroup really works — the smallest plan it
// allows is bought, its VM must join as a Ready Node, and then everything is removed again (the VM,
// the Node, the stored script, the join token). Time to join and the cost are printed.

export type LaunchTestInput = {
  client: VpsieClient;
  kube: KubeHttp;
  group: DoctorNodeGroup;
  projectId: string;
  join: { apiServerEndpoint: string; caCertHash: string };
  clusterId: string;
  /** The forwarder's vpsie.bootstrapDelivery (a NodeGroup's own setting wins). */
  bootstrapDelivery: BootstrapDeliveryMode | undefined;
  joinTimeoutMs: number;
  /** Asked once the plan and its price are known; false = nothing is bought. */
  confirm: (question: string) => Promise<boolean>;
  progress: (line: string) => void;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
  hostname?: string;
};

const POLL_MS = 1_000;
const message = (error: unknown) => (error instanceof Error ? error.message : String(error));

/** The cheapest of the NodeGroup's offerings in its datacenter (ties: fewer CPUs, less memory). */
export async function smallestOffering(client: VpsieClient, spec: { datacenterID: string; osImageID: string; offeringIDs: string[] }): Promise<VpsiePlan | undefined> {
  const found: VpsiePlan[] = [];
  for (const category of await client.listPlanCategories()) {
    const plans = await client.listPlans({ dcIdentifier: spec.datacenterID, osIdentifier: spec.osImageID, categoryIdentifier: category.identifier });
    found.push(...plans.filter((p) => spec.offeringIDs.includes(p.identifier)));
  }
  return found.sort((a, b) => a.priceMonthly - b.priceMonthly || a.cpu - b.cpu || a.ramMb - b.ramMb)[0];
}

/**
 * What the test VM cost: VPSie prices are monthly (720 hours); GUESS: a VM is billed by the started
 * hour (no source gives the granularity), so a launch test costs at least one hour of its plan.
 */
export function launchTestCost(plan: VpsiePlan, elapsedMs: number): { hours: number; cost: number } {
  const hours = Math.max(1, Math.ceil(elapsedMs / 3_600_000));
  return { hours, cost: plan.priceHourly * hours };
}

export async function runLaunchTest(input: LaunchTestInput): Promise<CheckResult> {
  const now = input.now ?? Date.now;
  const sleep = input.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const { client, kube, group } = input;
  const name = `launch test NodeGroup ${group.namespace}/${group.name}`;
  const spec = parseNodeGroupSpec(group.spec, `${group.namespace}/${group.name}`);
  if (!spec.bootstrap) return fail(name, 'no spec.bootstrap.secretName', 'set spec.bootstrap.secretName (see the bootstrap check)');
  const plan = await smallestOffering(client, spec);
  if (!plan) return fail(name, `none of spec.offeringIDs is offered in ${spec.datacenterID} for OS ${spec.osImageID}`, 'see the offering checks above');
  const hostname = input.hostname ?? `vpsie-doctor-${randomBytes(3).toString('hex')}`;
  const what = `a ${plan.nickname} VM (${plan.cpu} CPU, ${Math.round(plan.ramMb / 1024)} GiB; ${plan.priceMonthly.toFixed(2)}/month, ${plan.priceHourly.toFixed(4)}/hour) named ${hostname}`;
  if (!(await input.confirm(`--launch-test buys ${what} in project ${input.projectId}, waits up to ${Math.round(input.joinTimeoutMs / 1000)} s for it to join, then deletes it. Continue? [y/N] `))) {
    return fail(name, 'not confirmed: nothing was bought', 'answer y, or pass --yes');
  }

  const secret = await kube.request<{ metadata?: { labels?: Record<string, string> }; data?: Record<string, string> }>({ method: 'GET', path: `/api/v1/namespaces/${encodeURIComponent(group.namespace)}/secrets/${encodeURIComponent(spec.bootstrap.secretName)}` });
  if (secret.metadata?.labels?.[BOOTSTRAP_TEMPLATE_LABEL] !== 'true' || !secret.data?.[spec.bootstrap.key]) return fail(name, 'the bootstrap template cannot be used', 'see the bootstrap check above');
  const template = Buffer.from(secret.data[spec.bootstrap.key]!, 'base64').toString('utf8');
  const flags = kubeletFlags(group.name, spec, plan.identifier);
  const token = await createBootstrapToken(kube, { nowMs: now(), ttlMs: input.joinTimeoutMs + 10 * 60_000, hostname, nodeGroup: group.name, clusterId: input.clusterId });
  const values: Record<Placeholder, string> = {
    hostname, nodeName: hostname, token: token.token, tokenId: token.id, apiServer: input.join.apiServerEndpoint, apiServerEndpoint: input.join.apiServerEndpoint,
    caCertHash: input.join.caCertHash, nodeLabels: flags.nodeLabels, registerWithTaints: flags.registerWithTaints, kubeletArgs: flags.args, kubeReserved: flags.kubeReserved,
    systemReserved: flags.systemReserved, evictionHard: flags.evictionHard, maxPods: String(flags.maxPods), nodeGroup: group.name, offering: plan.identifier, clusterId: input.clusterId,
  };
  let scriptIdentifier: string | undefined;
  let createdAtMs: number | undefined;
  let joinedAfterMs: number | undefined;
  let failure: string | undefined;
  try {
    const rendered = ensureKubeletFlags(renderTemplate(template, values), flags.args).userData;
    const delivery = resolveDelivery(spec.bootstrap.delivery ?? input.bootstrapDelivery, rendered);
    if (delivery.mode === 'unsupported') throw new Error(delivery.why);
    if (delivery.mode === 'script') scriptIdentifier = await client.createScript({ name: bootstrapScriptName(hostname), content: rendered });
    input.progress(`launching ${what} (${delivery.mode === 'script' ? 'bootstrap as a stored script' : 'bootstrap as userData'})`);
    createdAtMs = now();
    const launch = await client.launchVm({
      hostname, resourceIdentifier: plan.identifier, osIdentifier: spec.osImageID, dcIdentifier: spec.datacenterID, projectId: input.projectId,
      ...(scriptIdentifier ? { scriptIdentifier } : { userData: rendered }),
      notes: 'vpsie-autoscaler doctor --launch-test (deleted when the test ends)',
    });
    if (launch.outcome === 'existing') throw new Error(`a VM named ${hostname} exists already; it is not ours to test with`);
    while (joinedAfterMs === undefined) {
      if (now() - createdAtMs > input.joinTimeoutMs) throw new Error(`no Ready Node ${hostname} after ${Math.round(input.joinTimeoutMs / 1000)} s`);
      if (await nodeReady(kube, hostname)) joinedAfterMs = now() - createdAtMs;
      else await sleep(POLL_MS);
    }
    input.progress(`${hostname} joined as a Ready Node after ${(joinedAfterMs / 1000).toFixed(1)} s`);
  } catch (error) {
    failure = message(error);
  }
  const cleanup = await removeEverything(input, hostname, token.id, scriptIdentifier, now, sleep);
  const elapsedMs = createdAtMs === undefined ? 0 : now() - createdAtMs;
  const { hours, cost } = launchTestCost(plan, elapsedMs);
  const costText = createdAtMs === undefined ? 'nothing was bought' : `cost about ${cost.toFixed(4)} (${hours} started hour${hours > 1 ? 's' : ''} of ${plan.nickname} at ${plan.priceHourly.toFixed(4)}/hour; billing by the started hour is a guess)`;
  if (cleanup.length > 0) return fail(name, `${failure ? `${failure}; ` : ''}clean-up incomplete: ${cleanup.join('; ')}; ${costText}`, `delete what is left by hand (VM ${hostname} in the VPSie panel)`);
  if (failure) return fail(name, `${failure}; the VM and its Node were removed; ${costText}`, 'check the bootstrap template, the join endpoint and that the VM can reach it (the VM console shows cloud-init\'s output)');
  return pass(name, `${plan.nickname} VM ${hostname} joined as a Ready Node in ${(joinedAfterMs! / 1000).toFixed(1)} s and was deleted; ${costText}`);
}

async function nodeReady(kube: KubeHttp, name: string): Promise<boolean> {
  try {
    const node = await kube.request<{ status?: { conditions?: Array<{ type: string; status: string }> } }>({ method: 'GET', path: `/api/v1/nodes/${encodeURIComponent(name)}` });
    return node.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
  } catch (error) {
    if (error instanceof KubeApiError && error.status === 404) return false;
    throw error;
  }
}

/**
 * Deletes the VM (waiting while it is still pending: a pending create has no identifier to delete),
 * checks that VPSie no longer lists it, then the Node, the script and the join token. Returns what
 * could not be removed.
 */
async function removeEverything(input: LaunchTestInput, hostname: string, tokenId: string, scriptIdentifier: string | undefined, now: () => number, sleep: (ms: number) => Promise<void>): Promise<string[]> {
  const left: string[] = [];
  const scope = { projectId: input.projectId };
  const deadline = now() + input.joinTimeoutMs;
  try {
    for (;;) {
      const found = await input.client.findVmByHostname(hostname, scope);
      if (!found) break;
      if (found.where === 'created') await input.client.deleteVm({ identifier: found.vm.identifier, reason: 'vpsie-autoscaler doctor --launch-test', note: 'test VM' });
      else if (now() > deadline) throw new Error('still pending at VPSie');
      else await sleep(POLL_MS);
    }
    input.progress(`VM ${hostname} deleted; VPSie no longer lists it`);
  } catch (error) {
    left.push(`VM ${hostname}: ${message(error)}`);
  }
  await input.kube.request({ method: 'DELETE', path: `/api/v1/nodes/${encodeURIComponent(hostname)}` }).catch((error: unknown) => {
    if (!(error instanceof KubeApiError && error.status === 404)) left.push(`Node ${hostname}: ${message(error)}`);
  });
  if (scriptIdentifier) await input.client.deleteScript(scriptIdentifier).catch((error: unknown) => left.push(`script ${bootstrapScriptName(hostname)}: ${message(error)}`));
  await deleteBootstrapToken(input.kube, tokenId).catch((error: unknown) => left.push(`join token ${tokenId}: ${message(error)}`));
  return left;
}
