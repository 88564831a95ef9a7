import { runForwarderCli } from '../../forwarder/cli.ts';

// `vpsie-autoscaler forwarder`: runs the forwarder against the current kubeconfig (development, demo).
// The command line itself lives in forwarder/cli.ts, which the image's bundle runs too.
export { forwarderConfigFromArgs, USAGE, UsageError } from '../../forwarder/cli.ts';

export function run(args: string[]): Promise<number> {
  return runForwarderCli(args);
}
