// The one CLI: `npx vpsie-autoscaler <command> …`. Each command lives in cli/commands/<name>.ts
// and is imported only when used, so `plan` does not load the forwarder or the simulator.
import packageJson from '../package.json' with { type: 'json' };

export const CLI_VERSION: string = packageJson.version;

type Command = { run(args: string[]): Promise<number> };

const commands: Record<string, { summary: string; load: () => Promise<Command> }> = {
  doctor: { summary: 'preflight: credentials, project, NodeGroups, bootstrap, join endpoint, RBAC, functions (exit 0 = ready)', load: () => import('./commands/doctor.ts') },
  catalog: { summary: 'VPSie datacenters, plan categories and plans (size, price); a NodeGroup skeleton', load: () => import('./commands/catalog.ts') },
  plan: { summary: 'what-if: plan scale-up/scale-down for a cluster dump (kubectl get -o yaml)', load: () => import('./commands/plan.ts') },
  simulate: { summary: 'replay a workload trace through the planner; cost against static and CA-like', load: () => import('./commands/simulate.ts') },
  functions: { summary: 'serve the functions locally with an embedded DynamoDB-compatible store', load: () => import('./commands/functions.ts') },
  forwarder: { summary: 'run the forwarder against the current kubeconfig', load: () => import('./commands/forwarder.ts') },
  'vpsie-sim': { summary: 'serve the VPSie API simulator', load: () => import('./commands/vpsie-sim.ts') },
  demo: { summary: 'start the whole local stack and show a scale-up and a scale-down', load: () => import('./commands/demo.ts') },
  start: { summary: 'functions (embedded store) and forwarder against the current kubeconfig', load: () => import('./commands/start.ts') },
};

function usage(): string {
  const lines = Object.entries(commands).map(([name, c]) => `  ${name.padEnd(11)} ${c.summary}`);
  return [
    'usage: vpsie-autoscaler <command> [options]', '', 'commands:', ...lines, '',
    'vpsie-autoscaler help <command> (or <command> --help) shows a command\'s options; --version its version.',
  ].join('\n');
}

export async function run(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === '--version' || name === '-V' || name === 'version') {
    process.stdout.write(`vpsie-autoscaler ${CLI_VERSION}\n`);
    return 0;
  }
  if (name === 'help' && rest[0] !== undefined) {
    const target = commands[rest[0]];
    if (!target) {
      process.stderr.write(`vpsie-autoscaler: unknown command "${rest[0]}"\n${usage()}\n`);
      return 2;
    }
    return (await target.load()).run(['--help']);
  }
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(usage() + '\n');
    return name ? 0 : 2;
  }
  const command = commands[name];
  if (!command) {
    process.stderr.write(`vpsie-autoscaler: unknown command "${name}"\n${usage()}\n`);
    return 2;
  }
  return (await command.load()).run(rest);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  run(process.argv.slice(2)).then((code) => { process.exitCode = code; });
}
