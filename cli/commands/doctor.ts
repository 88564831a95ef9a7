import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { loadKubeAuth } from '../../forwarder/kube/kube-auth.ts';
import { KubeHttp } from '../../forwarder/kube/kube-http.ts';
import { VpsieClient, VPSIE_DEFAULT_BASE_URL, type VpsieCredentials } from '../../forwarder/vpsie/index.ts';
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

export async function run(args: string[], env: Record<string, string | undefined> = process.env): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args,
      strict: true,
      allowPositionals: false,
      options: {
        'vpsie-url': { type: 'string' }, token: { type: 'string' }, 'client-id': { type: 'string' }, 'client-secret': { type: 'string' },
        project: { type: 'string' }, kubeconfig: { type: 'string' }, namespace: { type: 'string' }, 'join-endpoint': { type: 'string' },
        'functions-url': { type: 'string' }, 'cluster-id': { type: 'string' }, 'signing-key-file': { type: 'string' },
        'rbac-file': { type: 'string' }, 'rbac-subject': { type: 'string' }, output: { type: 'string', short: 'o' }, help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (error) {
    process.stderr.write(`doctor: ${(error as Error).message}\n${USAGE}`);
    return 2;
  }
  if (values.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  const output = values.output ?? 'text';
  const subject = values['rbac-subject'] ?? 'serviceaccount';
  const problems: string[] = [];
  if (output !== 'text' && output !== 'json') problems.push(`--output must be text or json, got "${output}"`);
  if (subject !== 'serviceaccount' && subject !== 'self') problems.push(`--rbac-subject must be serviceaccount or self, got "${subject}"`);
  if ((values['client-id'] === undefined) !== (values['client-secret'] === undefined)) problems.push('--client-id and --client-secret go together');
  if (values.token && values['client-id']) problems.push('give --token or --client-id/--client-secret, not both');
  let signingKey: string | undefined;
  let rbacYaml = '';
  try {
    if (values['signing-key-file']) signingKey = readFileSync(values['signing-key-file'], 'utf8').trim();
    rbacYaml = readFileSync(values['rbac-file'] ?? join(ROOT, 'infra/forwarder/rbac.yaml'), 'utf8');
  } catch (error) {
    problems.push((error as Error).message);
  }
  if (problems.length > 0) {
    process.stderr.write(`doctor: ${problems.join('; ')}\n`);
    return 2;
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
