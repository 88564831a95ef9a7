import { UsageError } from '../../shared/command-line.ts';

/** Bad input to the simulate command (trace, cluster, offerings, flags): exit status 2 and one line naming the problem. */
// A usage error of the command line (shared/command-line.ts): runCommandLine prints it and exits 2.
export class SimulateInputError extends UsageError {
  override name = 'SimulateInputError';
  constructor(message: string, options: { cause?: unknown } = {}) {
    super([message.replace(/\s*\n\s*/g, ' ')], options);
  }
}
