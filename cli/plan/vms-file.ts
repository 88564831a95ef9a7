import { readFileSync, statSync } from 'node:fs';
import { z } from 'zod';
import { vmRow } from '../../forwarder/vpsie/schemas.ts';
import type { VpsieVm } from '../../forwarder/vpsie/index.ts';
import { PlanInputError } from './input-error.ts';

// `--vms`: the VPSie VM list as `GET /apps/v2/vm` returns it — `{"error":false,"data":[rows]}`
// (or `data: {rows}`), or a bare array of rows — read with the forwarder's own row schema, so the
// what-if judges exactly what the forwarder would.

/** Bigger than any VM list an account holds; the file is refused before it is read. */
export const MAX_VMS_FILE_BYTES = 32 * 1024 * 1024;
const MAX_ROWS = 100_000;

const rowsOf = (raw: unknown): unknown => {
  if (Array.isArray(raw)) return raw;
  const data = (raw as { data?: unknown } | null)?.data;
  if (Array.isArray(data)) return data;
  const rows = (data as { rows?: unknown } | null)?.rows;
  return Array.isArray(rows) ? rows : undefined;
};

export function parseVms(text: string, source: string): VpsieVm[] {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new PlanInputError(`${source}: invalid JSON: ${(error as Error).message}`, { cause: error });
  }
  if ((raw as { error?: unknown } | null)?.error === true) {
    throw new PlanInputError(`${source}: the VM list reports an error: ${JSON.stringify((raw as { message?: unknown }).message ?? raw).slice(0, 200)}`);
  }
  const rows = rowsOf(raw);
  if (rows === undefined) throw new PlanInputError(`${source}: not a VPSie VM list: expected {"error":false,"data":[…]} or an array of VM rows`);
  if ((rows as unknown[]).length > MAX_ROWS) throw new PlanInputError(`${source}: ${(rows as unknown[]).length} VM rows; at most ${MAX_ROWS}`);
  const parsed = z.array(vmRow).safeParse(rows);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new PlanInputError(`${source}: not a VPSie VM list (rows need identifier, hostname, is_active, power, …): row ${issue.path.join('.') || '(root)'}: ${issue.message}`);
  }
  return parsed.data;
}

export function readVms(path: string): VpsieVm[] {
  let text: string;
  try {
    const size = statSync(path).size;
    if (size > MAX_VMS_FILE_BYTES) throw new PlanInputError(`--vms ${path} is ${size} bytes; at most ${MAX_VMS_FILE_BYTES}`);
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if (error instanceof PlanInputError) throw error;
    throw new PlanInputError(`cannot read --vms ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`, { cause: error });
  }
  return parseVms(text, path);
}
