/** Bad input to the simulate command (trace, cluster, offerings, flags): exit status 2 and one line naming the problem. */
export class SimulateInputError extends Error {
  override name = 'SimulateInputError';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message.replace(/\s*\n\s*/g, ' '), options);
  }
}
