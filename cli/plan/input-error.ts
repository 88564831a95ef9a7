/** Bad input to the plan command: exit status 2 and a one-line message naming the problem. */
export class PlanInputError extends Error {
  override name = 'PlanInputError';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message.replace(/\s*\n\s*/g, ' '), options);
  }
}
