import { parseArgs } from 'node:util';
import { startVpsieSimulator, type VpsieSimulatorOptions } from '../../test/vpsie-sim/index.ts';
import { waitForStop } from '../wait-for-stop.ts';

// `vpsie-autoscaler vpsie-sim`: serves the VPSie API simulator until stopped, so the autoscaler can be
// tried without a VPSie account. Faults and settings can be driven through /__sim/… while it runs.

const USAGE = `usage: vpsie-autoscaler vpsie-sim [options]

  --port <p>               port (default 8787; 0 = any free port)
  --host <h>               address to bind (default 127.0.0.1)
  --token <t>              API token accepted in Vpsie-Auth (default sim-token)
  --client-id <id>         client id for POST /apps/v2/auth/from/api (default sim-client)
  --client-secret <s>      client secret (default sim-secret)
  --delete-password <pw>   password DELETE /apps/v2/vm requires (default sim-delete-password)
  --provision-seconds <n>  time a new VM stays pending (default 5)
  --boot-seconds <n>       time a listed VM stays inactive before running (default 0)
  --kubeconfig <path>      register a kwok Node for every active VM in that cluster
  --login-shape <s>        token | accessToken (which documented login answer to give)
  --list-style <s>         rows | array (how lists are wrapped)
  --quota <n>              maximum live VMs
`;

export function parseSimArgs(args: string[]): VpsieSimulatorOptions {
  const { values } = parseArgs({
    args,
    strict: true,
    allowPositionals: false,
    options: {
      port: { type: 'string' },
      host: { type: 'string' },
      token: { type: 'string' },
      'client-id': { type: 'string' },
      'client-secret': { type: 'string' },
      'delete-password': { type: 'string' },
      'provision-seconds': { type: 'string' },
      'boot-seconds': { type: 'string' },
      kubeconfig: { type: 'string' },
      'login-shape': { type: 'string' },
      'list-style': { type: 'string' },
      quota: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) throw new UsageRequested();
  const problems: string[] = [];
  const number = (name: string, raw: string | undefined, { integer = false } = {}): number | undefined => {
    if (raw === undefined) return undefined;
    const n = Number(raw);
    if (raw.trim() === '' || !Number.isFinite(n) || n < 0 || (integer && !Number.isInteger(n))) {
      problems.push(`--${name} must be a non-negative ${integer ? 'integer' : 'number'}, got "${raw}"`);
      return undefined;
    }
    return n;
  };
  const port = number('port', values.port, { integer: true });
  const provisionSeconds = number('provision-seconds', values['provision-seconds']);
  const bootSeconds = number('boot-seconds', values['boot-seconds']);
  const quota = number('quota', values.quota, { integer: true });
  const loginShape = values['login-shape'];
  if (loginShape !== undefined && loginShape !== 'token' && loginShape !== 'accessToken') problems.push(`--login-shape must be token or accessToken, got "${loginShape}"`);
  const listStyle = values['list-style'];
  if (listStyle !== undefined && listStyle !== 'rows' && listStyle !== 'array') problems.push(`--list-style must be rows or array, got "${listStyle}"`);
  if ((values['client-id'] === undefined) !== (values['client-secret'] === undefined)) problems.push('--client-id and --client-secret go together');
  if (problems.length > 0) throw new Error(problems.join('\n'));

  return {
    port: port ?? 8787,
    hostname: values.host ?? '127.0.0.1',
    ...(values.token !== undefined ? { token: values.token } : {}),
    ...(values['client-id'] !== undefined ? { clientId: values['client-id'], clientSecret: values['client-secret'] } : {}),
    ...(values['delete-password'] !== undefined ? { deletePassword: values['delete-password'] } : {}),
    provisionMs: Math.round((provisionSeconds ?? 5) * 1000),
    bootMs: Math.round((bootSeconds ?? 0) * 1000),
    ...(values.kubeconfig !== undefined ? { kubeconfigPath: values.kubeconfig } : {}),
    ...(loginShape ? { loginShape: loginShape as 'token' | 'accessToken' } : {}),
    ...(listStyle ? { listStyle: listStyle as 'rows' | 'array' } : {}),
    ...(quota !== undefined ? { quota } : {}),
  };
}

class UsageRequested extends Error {
  override name = 'UsageRequested';
}

export async function run(args: string[], options: { signal?: AbortSignal; out?: (line: string) => void } = {}): Promise<number> {
  const out = options.out ?? ((line: string) => process.stdout.write(`${line}\n`));
  let simOptions: VpsieSimulatorOptions;
  try {
    simOptions = parseSimArgs(args);
  } catch (error) {
    if (error instanceof UsageRequested) {
      process.stdout.write(USAGE);
      return 0;
    }
    process.stderr.write(`vpsie-autoscaler vpsie-sim: ${error instanceof Error ? error.message : String(error)}\n${USAGE}`);
    return 2;
  }
  const sim = await startVpsieSimulator(simOptions);
  const config = sim.sim.config;
  out(`VPSie API simulator listening on ${sim.url}`);
  out(`  token (Vpsie-Auth): ${config.token ?? '(disabled)'}; client id: ${config.clientId ?? '(disabled)'}; delete password: ${config.deletePassword}`);
  out(`  VMs stay pending ${config.provisionMs / 1000} s${simOptions.kubeconfigPath ? `; active VMs register kwok Nodes in ${simOptions.kubeconfigPath}` : ''}`);
  out(`  control: ${sim.url}/__sim/state, POST ${sim.url}/__sim/faults, POST ${sim.url}/__sim/config`);

  await waitForStop(options.signal);
  await sim.stop();
  out('VPSie API simulator stopped');
  return 0;
}
