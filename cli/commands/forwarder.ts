import { runForwarderCommand } from '../../forwarder/command.ts';

// `vpsie-autoscaler forwarder`: runs the forwarder against the current kubeconfig (development, demo).
// The command line itself lives in forwarder/command.ts, which the image's bundle runs too.
export { forwarderConfigFromArgs, USAGE, UsageError } from '../../forwarder/command.ts';

export function run(args: string[]): Promise<number> {
  return runForwarderCommand(args);
}
