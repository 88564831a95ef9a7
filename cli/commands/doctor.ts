import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadKubeAuth } from '../../forwarder/kube/kube-auth.ts';
import { KubeHttp } from '../../forwarder/kube/kube-http.ts';
import { VpsieClient, VPSIE_DEFAULT_BASE_URL, type VpsieCredentials } from '../../forwarder/vpsie/index.ts';
import { defineCommandLine, runCommandLine, UsageError, type OptionValues } from '../../shared/command-line.ts';
import { API_GROUP, API_VERSION, NODEGROUP_PLURAL } from '../../shared/labels.ts';
import { resolveCredentials } from '../catalog/credentials.ts';
import { renderChecks } from '../doctor/check.ts';
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
  --output text|json
`;

const DOCTOR_LINE = defineCommandLine({
  name: 'vpsie-autoscaler doctor',
  usage: USAGE,
  options: {
    'vpsie-url': { type: 'string' }, token: { type: 'string' }, 'client-id': { type: 'string' }, 'client-secret': { type: 'string' },
    project: { type: 'string' }, kubeconfig: { type: 'string' }, namespace: { type: 'string' }, 'join-endpoint': { type: 'string' },
    'functions-url': { type: 'string' }, 'cluster-id': { type: 'string' }, 'signing-key': { type: 'secret' },
    'rbac-file': { type: 'string' }, 'rbac-subject': { type: 'string', choices: ['serviceaccount', 'self'], default: 'serviceaccount' },
    output: { type: 'string', short: 'o', choices: ['text', 'json'], default: 'text' },
  },
  check: (v) => [
    ...((v['client-id'] === undefined) !== (v['client-secret'] === undefined) ? ['--client-id and --client-secret go together'] : []),
    ...(v.token && v['client-id'] ? ['give --token or --client-id/--client-secret, not both'] : []),
  ],
});

export async function run(args: string[], env: Record<string, string | undefined> = process.env): Promise<number> {
  return runCommandLine(DOCTOR_LINE, args, (values) => doctor(values, env), { env });
}

async function doctor(values: OptionValues<typeof DOCTOR_LINE.options>, env: Record<string, string | undefined>): Promise<number> {
  const output = values.output;
  const subject = values['rbac-subject'];
  const signingKey = values['signing-key'];
  let rbacYaml: string;
  try {
    rbacYaml = readFileSync(values['rbac-file'] ?? join(ROOT, 'infra/forwarder/rbac.yaml'), 'utf8');
  } catch (error) {
    throw new UsageError([(error as Error).message]);
  }

  const vpsieUrl = values['vpsie-url'] ?? VPSIE_DEFAULT_BASE_URL;
  let kube: KubeHttp | undefined;
  try {
    kube = new KubeHttp(await loadKubeAuth(values.kubeconfig, env));
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
  const nodeGroups = kube ? await listNodeGroups(kube, values.namespace) : { error: 'no kubeconfig' };
  try {
    const checks = await runDoctor({
      client: new VpsieClient({ credentials, baseUrl: vpsieUrl, retry: { maxAttempts: 2 } }),
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
    });
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
