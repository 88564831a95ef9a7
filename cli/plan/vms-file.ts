import { z } from 'zod';
import { vmRow } from '../../forwarder/vpsie/schemas.ts';
import type { VpsieVm } from '../../forwarder/vpsie/index.ts';
import { PlanInputError } from './input-error.ts';
import { parseVpsieListJson, readInputFile } from './input-file.ts';

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
  const raw = parseVpsieListJson(text, source, 'VM list', 200);
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
  return parseVms(readInputFile('vms', path, MAX_VMS_FILE_BYTES), path);
}
