import { isVpsieError, VpsieClient, VPSIE_DEFAULT_BASE_URL } from '../../forwarder/vpsie/index.ts';
import { defineCommandLine, textOptions, runCommandLine, type OptionValues } from '../../shared/command-line.ts';
import { resolveCredentials } from '../catalog/credentials.ts';
import { CatalogInputError } from '../catalog/input-error.ts';
import { readCatalogue } from '../catalog/read.ts';
import { renderCatalogueJson, renderCatalogueTable } from '../catalog/render.ts';
import { renderNodeGroupSkeleton } from '../catalog/skeleton.ts';

// `vpsie-autoscaler catalog`: the VPSie identifiers a NodeGroup needs (datacenters, plan categories,
// plans with size and price), read with the forwarder's credentials, and a NodeGroup skeleton.

export const USAGE = `usage: vpsie-autoscaler catalog [options]

Lists the VPSie datacenters, plan categories and plans (name, CPU, memory, disk, price per month and
hour, per datacenter) a NodeGroup is written with; --output yaml prints a NodeGroup with them filled in.

Credentials (as the forwarder reads them; the catalogue is only read):
  --kubeconfig <path>             read the Secret below through this kubeconfig (default $KUBECONFIG, ~/.kube/config)
  --credentials-secret <ns/name>  the VPSie credentials Secret (default kube-system/vpsie-credentials)
  --vpsie-token-file <path>       an API token from a file instead (or the environment variable VPSIE_TOKEN)
  --vpsie-url <url>               VPSie API base URL (default ${VPSIE_DEFAULT_BASE_URL})

What to list:
  --datacenter <id|name>          one datacenter (default: every active one)
  --category <id|name>            one plan category (default: all)
  --os-image <id>                 the OS image the nodes boot: plans depend on it (VPSie has no public OS-image list)
  --output table|json|yaml        yaml: a NodeGroup skeleton (needs --datacenter, --os-image, --plan)
  --plan <id|name>[,...]          the skeleton's spec.offeringIDs
  --name <name>                   the skeleton's name (default workers)
  --namespace <ns>                the skeleton's namespace, the forwarder's (default vpsie-autoscaler)
`;

interface CatalogArgs {
  kubeconfig?: string;
  secret?: string;
  tokenFile?: string;
  vpsieUrl: string;
  datacenter?: string;
  category?: string;
  osImageID?: string;
  output: 'table' | 'json' | 'yaml';
  plans: string[];
  name: string;
  namespace: string;
}

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

const CATALOG_LINE = defineCommandLine({
  name: 'vpsie-autoscaler catalog',
  usage: USAGE,
  options: {
    ...textOptions('kubeconfig', 'credentials-secret', 'vpsie-token-file', 'datacenter', 'category', 'os-image'),
    'vpsie-url': { type: 'string', default: VPSIE_DEFAULT_BASE_URL },
    output: { type: 'string', short: 'o', choices: ['table', 'json', 'yaml'], default: 'table' },
    plan: { type: 'string', multiple: true },
    name: { type: 'string', default: 'workers' },
    namespace: { type: 'string', default: 'vpsie-autoscaler' },
  },
  check: (v) => [
    ...(['name', 'namespace'] as const)
      .filter((flag) => !DNS_LABEL.test(v[flag]))
      .map((flag) => `--${flag} must be a DNS label (lowercase letters, digits, dashes), got "${v[flag]}"`),
    ...(/^https?:\/\/[^\s/]+/.test(v['vpsie-url']) ? [] : [`--vpsie-url must be an http(s) URL, got "${v['vpsie-url']}"`]),
  ],
});

function catalogArgs(values: OptionValues<typeof CATALOG_LINE.options>): CatalogArgs {
  return {
    ...(values.kubeconfig !== undefined ? { kubeconfig: values.kubeconfig } : {}),
    ...(values['credentials-secret'] !== undefined ? { secret: values['credentials-secret'] } : {}),
    ...(values['vpsie-token-file'] !== undefined ? { tokenFile: values['vpsie-token-file'] } : {}),
    vpsieUrl: values['vpsie-url'],
    ...(values.datacenter !== undefined ? { datacenter: values.datacenter } : {}),
    ...(values.category !== undefined ? { category: values.category } : {}),
    ...(values['os-image'] !== undefined ? { osImageID: values['os-image'] } : {}),
    output: values.output,
    plans: values.plan.flatMap((p) => p.split(',')).map((p) => p.trim()).filter(Boolean),
    name: values.name,
    namespace: values.namespace,
  };
}

export async function runCatalog(args: string[], io: { stdout: (text: string) => void; stderr: (text: string) => void; env: Record<string, string | undefined> }): Promise<number> {
  return runCommandLine(CATALOG_LINE, args, (values) => catalog(catalogArgs(values), io), io);
}

async function catalog(parsed: CatalogArgs, io: { stdout: (text: string) => void; stderr: (text: string) => void; env: Record<string, string | undefined> }): Promise<number> {
  if (parsed.output === 'yaml') {
    // Checked before any call: the skeleton needs one datacenter, an OS image and plans.
    const missing = [parsed.datacenter === undefined && '--datacenter', parsed.osImageID === undefined && '--os-image', parsed.plans.length === 0 && '--plan'].filter(Boolean);
    if (missing.length > 0) {
      io.stderr(`vpsie-autoscaler catalog: --output yaml needs ${missing.join(', ')}\n`);
      return 2;
    }
  }
  try {
    const { credentials } = await resolveCredentials({ ...parsed, env: io.env });
    const vpsie = new VpsieClient({ credentials, baseUrl: parsed.vpsieUrl, retry: { maxAttempts: 3 } });
    const catalogue = await readCatalogue(vpsie, parsed);
    if (parsed.output === 'json') io.stdout(`${renderCatalogueJson(catalogue)}\n`);
    else if (parsed.output === 'yaml') io.stdout(renderNodeGroupSkeleton(catalogue, parsed));
    else io.stdout(`${renderCatalogueTable(catalogue)}\n`);
    return 0;
  } catch (error) {
    if (error instanceof CatalogInputError) {
      io.stderr(`vpsie-autoscaler catalog: ${error.message}\n`);
      return 2;
    }
    if (isVpsieError(error)) {
      io.stderr(`vpsie-autoscaler catalog: VPSie API (${parsed.vpsieUrl}): ${error.message}\n`);
      return 1;
    }
    throw error;
  }
}

export async function run(args: string[]): Promise<number> {
  return runCatalog(args, { stdout: (t) => process.stdout.write(t), stderr: (t) => process.stderr.write(t), env: process.env });
}
