export interface WaitForOptions {
  timeoutMs?: number;
  intervalMs?: number;
  /** What is being waited for, in words: it is the first line of the timeout error. */
  description: string;
}

export class WaitTimeoutError extends Error {
  override name = 'WaitTimeoutError';
}

/**
 * Polls `fn` until it returns something other than undefined/false/null, and returns that.
 * A thrown error counts as "not yet"; the last one is reported on timeout, so a failing wait says why.
 */
export async function waitFor<T>(
  fn: () => T | undefined | null | false | Promise<T | undefined | null | false>,
  { timeoutMs = 30_000, intervalMs = 200, description }: WaitForOptions,
): Promise<T> {
  const deadlineMs = Date.now() + timeoutMs;
  let lastError: unknown;
  let attempts = 0;
  for (;;) {
    attempts += 1;
    try {
      const value = await fn();
      if (value !== undefined && value !== null && value !== false) return value;
      lastError = undefined;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() >= deadlineMs) {
      const why = lastError === undefined ? '' : `; last error: ${describeError(lastError)}`;
      throw new WaitTimeoutError(`timed out after ${timeoutMs} ms (${attempts} attempts) waiting for: ${description}${why}`, {
        cause: lastError,
      });
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

export function describeError(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    const body = (error as { body?: unknown }).body;
    const bodyText = typeof body === 'string' ? body.slice(0, 300) : '';
    return [error.name, code === undefined ? '' : `(${String(code)})`, error.message.slice(0, 500), bodyText]
      .filter(Boolean)
      .join(' ');
  }
  return String(error);
}
