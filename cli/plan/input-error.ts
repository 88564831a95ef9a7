import { UsageError } from '../../shared/command-line.ts';

/** Bad input to the plan command: exit status 2 and a one-line message naming the problem. */
// A usage error of the command line (shared/command-line.ts): runCommandLine prints it and exits 2.
export class PlanInputError extends UsageError {
  override name = 'PlanInputError';
  constructor(message: string, options: { cause?: unknown } = {}) {
    super([message.replace(/\s*\n\s*/g, ' ')], options);
  }
}
