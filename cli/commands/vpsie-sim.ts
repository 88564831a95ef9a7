import { defineCommandLine, textOptions, parseCommandLine, runCommandLine, UsageError, type OptionValues } from '../../shared/command-line.ts';
import { waitForStop } from '../../shared/wait-for-stop.ts';
import { startVpsieSimulator, type VpsieSimulatorOptions } from '../../test/vpsie-sim/index.ts';

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

const SIM_LINE = defineCommandLine({
  name: 'vpsie-autoscaler vpsie-sim',
  usage: USAGE,
  options: {
    ...textOptions('token', 'client-id', 'client-secret', 'delete-password', 'kubeconfig'),
    port: { type: 'number', integer: true, min: 0, max: 65535, default: 8787 },
    host: { type: 'string', default: '127.0.0.1' },
    'provision-seconds': { type: 'number', min: 0, default: 5 },
    'boot-seconds': { type: 'number', min: 0, default: 0 },
    'login-shape': { type: 'string', choices: ['token', 'accessToken'] },
    'list-style': { type: 'string', choices: ['rows', 'array'] },
    quota: { type: 'number', integer: true, min: 0 },
  },
  check: (v) => ((v['client-id'] === undefined) !== (v['client-secret'] === undefined) ? ['--client-id and --client-secret go together'] : []),
});

function simulatorOptions(values: OptionValues<typeof SIM_LINE.options>): VpsieSimulatorOptions {
  return {
    port: values.port,
    hostname: values.host,
    ...(values.token !== undefined ? { token: values.token } : {}),
    ...(values['client-id'] !== undefined ? { clientId: values['client-id'], clientSecret: values['client-secret'] } : {}),
    ...(values['delete-password'] !== undefined ? { deletePassword: values['delete-password'] } : {}),
    provisionMs: Math.round(values['provision-seconds'] * 1000),
    bootMs: Math.round(values['boot-seconds'] * 1000),
    ...(values.kubeconfig !== undefined ? { kubeconfigPath: values.kubeconfig } : {}),
    ...(values['login-shape'] ? { loginShape: values['login-shape'] } : {}),
    ...(values['list-style'] ? { listStyle: values['list-style'] } : {}),
    ...(values.quota !== undefined ? { quota: values.quota } : {}),
  };
}

/** The simulator's options; throws a UsageError listing every problem (an empty list for --help). */
export function parseSimArgs(args: string[]): VpsieSimulatorOptions {
  const values = parseCommandLine(SIM_LINE, args);
  if (values === 'help') throw new UsageError([]);
  return simulatorOptions(values);
}

export async function run(args: string[], options: { signal?: AbortSignal; out?: (line: string) => void } = {}): Promise<number> {
  const out = options.out ?? ((line: string) => process.stdout.write(`${line}\n`));
  return runCommandLine(SIM_LINE, args, async (values) => {
    const simOptions = simulatorOptions(values);
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
  });
}
