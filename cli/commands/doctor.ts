import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadKubeAuth, type KubeAuth } from '../../forwarder/kube/kube-auth.ts';
import { caCertHashFromPem } from '../../forwarder/kube/join-settings.ts';
import { BOOTSTRAP_DELIVERY_MODES, type BootstrapDeliveryMode } from '../../forwarder/vpsie/bootstrap-delivery.ts';
import { KubeHttp } from '../../forwarder/kube/kube-http.ts';
import { VpsieClient, VPSIE_DEFAULT_BASE_URL, type VpsieCredentials } from '../../forwarder/vpsie/index.ts';
import { defineCommandLine, runCommandLine, UsageError, type OptionValues } from '../../shared/command-line.ts';
import { API_GROUP, API_VERSION, NODEGROUP_PLURAL } from '../../shared/labels.ts';
import { resolveCredentials } from '../catalog/credentials.ts';
import { renderChecks, type CheckResult } from '../doctor/check.ts';
import { runLaunchTest } from '../doctor/launch-test.ts';
import { runDoctor } from '../doctor/run.ts';
import type { DoctorNodeGroup } from '../doctor/vpsie-checks.ts';

// `vpsie-autoscaler doctor`: what a user runs before trusting the autoscaler. Every check on its own
// line with ✓/✗ and a fix; exit 0 only when all pass, 1 when one fails, 2 on bad options.

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

export const USAGE = `usage: vpsie-autoscaler doctor [options]

Checks, each on its own line: VPSie credentials, the project, every NodeGroup's datacenter, OS image
and offerings (size, price), its bootstrap template and delivery mode, the join endpoint, the
forwarder's RBAC, and the functions (a signed read-only request). Exit 0 only when all pass.

  --vpsie-url <url>           VPSie API (default ${VPSIE_DEFAULT_BASE_URL})
  --token <t> | --client-id <id> --client-secret <s>
                              credentials (default: the Secret kube-system/vpsie-credentials, or VPSIE_TOKEN)
  --project <id|uuid|name>    the VPSie project
  --kubeconfig <path>         the cluster (default $KUBECONFIG, ~/.kube/config)
  --namespace <ns>            only the NodeGroups of this namespace (default: all)
  --join-endpoint <host:port> the API server endpoint new nodes join
  --functions-url <url>       --cluster-id <id>   --signing-key-file <path>
  --rbac-file <path>          default infra/forwarder/rbac.yaml
  --rbac-subject serviceaccount|self   whose permissions to review (default the file's ServiceAccount)
  --bootstrap-delivery auto|script|userData   the forwarder's vpsie.bootstrapDelivery (default auto)
  --output text|json

  --launch-test               also buy the smallest plan a NodeGroup allows, wait for its VM to join as
                              a Ready Node, delete it; prints the time to join and the cost. Runs only
                              when every other check passed; asks for confirmation on a terminal
  --yes                       confirm --launch-test without asking (needed without a terminal)
  --launch-nodegroup <ns/name>  which NodeGroup (default the first one listed)
  --launch-timeout-seconds <n>  how long to wait for the Node to be Ready (default 900)
  --delete-password <pw>      VPSie's delete password (default VPSIE_DELETE_PASSWORD, or the Secret's)
  --ca-cert-hash <sha256:…>   the join CA pin (default computed from the kubeconfig's CA)
`;

/** The terminal doctor asks on (tests give their own). */
export type DoctorTerminal = { isTTY: boolean; ask(question: string): Promise<string> };

const processTerminal: DoctorTerminal = {
  isTTY: process.stdin.isTTY === true,
  async ask(question) {
    const rl = createInterface({ input: process.stdin, output: process.stderr });
    try {
      return await rl.question(question);
    } finally {
      rl.close();
    }
  },
};

const DOCTOR_LINE = defineCommandLine({
  name: 'vpsie-autoscaler doctor',
  usage: USAGE,
  options: {
    'vpsie-url': { type: 'string' }, token: { type: 'string' }, 'client-id': { type: 'string' }, 'client-secret': { type: 'string' },
    project: { type: 'string' }, kubeconfig: { type: 'string' }, namespace: { type: 'string' }, 'join-endpoint': { type: 'string' },
    'functions-url': { type: 'string' }, 'cluster-id': { type: 'string' }, 'signing-key': { type: 'secret' },
    'rbac-file': { type: 'string' }, 'rbac-subject': { type: 'string', choices: ['serviceaccount', 'self'], default: 'serviceaccount' },
    output: { type: 'string', short: 'o', choices: ['text', 'json'], default: 'text' },
    'bootstrap-delivery': { type: 'string', choices: BOOTSTRAP_DELIVERY_MODES },
    'launch-test': { type: 'boolean' }, yes: { type: 'boolean', short: 'y' }, 'launch-nodegroup': { type: 'string' },
    'launch-timeout-seconds': { type: 'number', integer: true, min: 1, default: 900 }, 'delete-password': { type: 'secret' }, 'ca-cert-hash': { type: 'string' },
  },
  check: (v) => [
    ...((v['client-id'] === undefined) !== (v['client-secret'] === undefined) ? ['--client-id and --client-secret go together'] : []),
    ...(v.token && v['client-id'] ? ['give --token or --client-id/--client-secret, not both'] : []),
  ],
});

export async function run(args: string[], env: Record<string, string | undefined> = process.env, terminal: DoctorTerminal = processTerminal): Promise<number> {
  return runCommandLine(DOCTOR_LINE, args, (values) => doctor(values, env, terminal), { env });
}

async function doctor(values: OptionValues<typeof DOCTOR_LINE.options>, env: Record<string, string | undefined>, terminal: DoctorTerminal): Promise<number> {
  const output = values.output;
  const subject = values['rbac-subject'];
  const signingKey = values['signing-key'];
  if (values['launch-test'] && !values.yes && !terminal.isTTY) {
    // Before anything is read or checked: a run that cannot ask must not buy a VM unasked.
    throw new UsageError(['--launch-test buys a VM: without a terminal to confirm on, pass --yes (nothing was checked or bought)']);
  }
  let rbacYaml: string;
  try {
    rbacYaml = readFileSync(values['rbac-file'] ?? join(ROOT, 'infra/forwarder/rbac.yaml'), 'utf8');
  } catch (error) {
    throw new UsageError([(error as Error).message]);
  }

  const vpsieUrl = values['vpsie-url'] ?? VPSIE_DEFAULT_BASE_URL;
  let kube: KubeHttp | undefined;
  let auth: KubeAuth | undefined;
  try {
    auth = await loadKubeAuth(values.kubeconfig, env);
    kube = new KubeHttp(auth);
  } catch {
    kube = undefined;
  }
  let credentials: VpsieCredentials;
  let mode: string;
  if (values.token) [credentials, mode] = [{ kind: 'token', token: values.token, deletePassword: '' }, 'API token (--token)'];
  else if (values['client-id']) [credentials, mode] = [{ kind: 'client', clientId: values['client-id'], clientSecret: values['client-secret']!, deletePassword: '' }, 'client credentials (--client-id)'];
  else {
    try {
      const resolved = await resolveCredentials({ ...(values.kubeconfig ? { kubeconfig: values.kubeconfig } : {}), env });
      credentials = resolved.credentials;
      mode = `${credentials.kind === 'token' ? 'API token' : 'client credentials'} from ${resolved.from}`;
    } catch (error) {
      process.stdout.write(renderChecks([{ name: 'VPSie credentials', ok: false, detail: (error as Error).message, fix: 'pass --token or --client-id/--client-secret' }], output as 'text' | 'json'));
      kube?.close();
      return 1;
    }
  }
  const deletePassword = values['delete-password'] ?? (credentials.deletePassword || env['VPSIE_DELETE_PASSWORD'] || '');
  if (values['launch-test'] && !deletePassword) {
    kube?.close();
    throw new UsageError(['--launch-test must delete the VM it buys: give --delete-password (or VPSIE_DELETE_PASSWORD, or deletePassword in the credentials Secret)']);
  }
  const client = new VpsieClient({ credentials: { ...credentials, deletePassword }, baseUrl: vpsieUrl, retry: { maxAttempts: 2 } });
  const delivery = values['bootstrap-delivery'];
  const nodeGroups = kube ? await listNodeGroups(kube, values.namespace) : { error: 'no kubeconfig' };
  try {
    const checks = await runDoctor({
      client,
      credentialMode: mode,
      vpsieUrl,
      project: values.project ?? env['VPSIE_PROJECT'],
      nodeGroups,
      kube,
      rbacYaml,
      rbacSubject: subject as 'serviceaccount' | 'self',
      joinEndpoint: values['join-endpoint'],
      functions: { url: values['functions-url'], clusterId: values['cluster-id'], signingKey },
      nowMs: Date.now(),
      ...(delivery ? { bootstrapDelivery: delivery } : {}),
    });
    if (values['launch-test']) {
      checks.push(await launchTestCheck(checks, {
        client, kube, auth, nodeGroups, project: values.project ?? env['VPSIE_PROJECT'], joinEndpoint: values['join-endpoint'], caCertHash: values['ca-cert-hash'],
        clusterId: values['cluster-id'] ?? 'doctor', bootstrapDelivery: delivery, joinTimeoutMs: values['launch-timeout-seconds'] * 1000, nodeGroup: values['launch-nodegroup'],
        confirm: values.yes ? async () => true : async (question) => /^y(es)?$/i.test((await terminal.ask(question)).trim()),
      }));
    }
    process.stdout.write(renderChecks(checks, output as 'text' | 'json'));
    return checks.every((c) => c.ok) ? 0 : 1;
  } finally {
    kube?.close();
  }
}

async function listNodeGroups(kube: KubeHttp, namespace: string | undefined): Promise<DoctorNodeGroup[] | { error: string }> {
  const scope = namespace ? `/namespaces/${encodeURIComponent(namespace)}` : '';
  try {
    const list = await kube.request<{ items?: Array<{ metadata: { namespace: string; name: string }; spec: unknown }> }>({ method: 'GET', path: `/apis/${API_GROUP}/${API_VERSION}${scope}/${NODEGROUP_PLURAL}` });
    return (list.items ?? []).map((i) => ({ namespace: i.metadata.namespace, name: i.metadata.name, spec: i.spec }));
  } catch (error) {
    return { error: (error as Error).message };
  }
}

type LaunchTestOptions = {
  client: VpsieClient;
  kube: KubeHttp | undefined;
  auth: KubeAuth | undefined;
  nodeGroups: DoctorNodeGroup[] | { error: string };
  project: string | undefined;
  joinEndpoint: string | undefined;
  caCertHash: string | undefined;
  clusterId: string;
  bootstrapDelivery: BootstrapDeliveryMode | undefined;
  joinTimeoutMs: number;
  nodeGroup: string | undefined;
  confirm: (question: string) => Promise<boolean>;
};

/** The launch test runs only on a setup every other check passed: a failing one would only buy a VM that cannot join. */
async function launchTestCheck(checks: readonly CheckResult[], o: LaunchTestOptions): Promise<CheckResult> {
  const name = 'launch test';
  const failed = checks.filter((c) => !c.ok);
  if (failed.length > 0) return { name, ok: false, detail: `not run: ${failed.length} check(s) above failed (${failed[0]!.name})`, fix: 'fix those first; nothing was bought' };
  const groups = Array.isArray(o.nodeGroups) ? o.nodeGroups : [];
  const group = o.nodeGroup ? groups.find((g) => `${g.namespace}/${g.name}` === o.nodeGroup) : groups[0];
  if (!group || !o.kube || !o.project || !o.joinEndpoint) return { name, ok: false, detail: `no NodeGroup ${o.nodeGroup ?? ''} to test`.replace('  ', ' '), fix: 'give --launch-nodegroup <namespace>/<name> of a listed NodeGroup' };
  const caCertHash = o.caCertHash ?? (o.auth?.caPem ? caCertHashFromPem(o.auth.caPem) : '');
  try {
    return await runLaunchTest({
      client: o.client, kube: o.kube, group, projectId: o.project, join: { apiServerEndpoint: o.joinEndpoint, caCertHash }, clusterId: o.clusterId,
      bootstrapDelivery: o.bootstrapDelivery, joinTimeoutMs: o.joinTimeoutMs, confirm: o.confirm, progress: (line) => process.stderr.write(`doctor: ${line}\n`),
    });
  } catch (error) {
    return { name: `${name} NodeGroup ${group.namespace}/${group.name}`, ok: false, detail: (error as Error).message, fix: 'see the message; check in the VPSie panel that no test VM is left' };
  }
}
