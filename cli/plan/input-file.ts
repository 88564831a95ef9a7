import { readFileSync, statSync } from 'node:fs';
import { PlanInputError } from './input-error.ts';

// How the plan command reads its input files (--cluster, --offerings, --vms): one message for a file
// that cannot be read, and for a VPSie answer saved as JSON, one for invalid JSON and for a list
// that reports an error.

/** The file's text; `maxBytes` refuses a file too large to be what the flag names. */
export function readInputFile(flag: string, path: string, maxBytes?: number): string {
  try {
    const size = maxBytes === undefined ? 0 : statSync(path).size;
    if (maxBytes !== undefined && size > maxBytes) throw new PlanInputError(`--${flag} ${path} is ${size} bytes; at most ${maxBytes}`);
    return readFileSync(path, 'utf8');
  } catch (error) {
    if (error instanceof PlanInputError) throw error;
    throw new PlanInputError(`cannot read --${flag} ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`, { cause: error });
  }
}

/** A VPSie list answer (`{"error":false,"data":…}`) as saved by the user; `what` names it in messages. */
export function parseVpsieListJson(text: string, source: string, what: string, maxMessageChars = Infinity): unknown {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new PlanInputError(`${source}: invalid JSON: ${(error as Error).message}`, { cause: error });
  }
  if ((raw as { error?: unknown } | null)?.error === true) {
    throw new PlanInputError(`${source}: the ${what} reports an error: ${JSON.stringify((raw as { message?: unknown }).message ?? raw).slice(0, maxMessageChars)}`);
  }
  return raw;
}
