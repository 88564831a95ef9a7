import { readFileSync } from 'node:fs';
import { z } from 'zod';
import type { Offering } from '../../shared/snapshot.ts';
import { PlanInputError } from './input-error.ts';

// `--offerings`: the VPSie plan list as the API returns it,
// {"error":false,"data":[{"identifier","nickname","cpu","ram","ssd","traffic","price"}]} — ram in MiB,
// ssd in GiB, price per month (numbers or numeric strings, as VPSie sends either).

const numeric = z.union([z.number(), z.string().trim().regex(/^\d+(\.\d+)?$/, 'not a number')]).transform(Number);

const planSchema = z.object({
  identifier: z.string().min(1),
  nickname: z.string().nullish(),
  cpu: numeric.pipe(z.number().int().min(1)),
  ram: numeric.pipe(z.number().int().min(1)),
  ssd: numeric.pipe(z.number().min(0)).optional(),
  traffic: z.unknown().optional(),
  price: numeric.pipe(z.number().min(0)),
  datacenterID: z.string().optional(),
  dcIdentifier: z.string().optional(),
}).loose();

const listSchema = z.object({ error: z.boolean().optional(), data: z.array(planSchema) }).loose();

export function parseOfferings(text: string, source: string): Offering[] {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new PlanInputError(`${source}: invalid JSON: ${(error as Error).message}`, { cause: error });
  }
  if ((raw as { error?: unknown } | null)?.error === true) {
    throw new PlanInputError(`${source}: the plan list reports an error: ${JSON.stringify((raw as { message?: unknown }).message ?? raw)}`);
  }
  const parsed = listSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new PlanInputError(`${source}: not a VPSie plan list ({"data":[{identifier, cpu, ram, ssd, price}]}): ${issue.path.join('.') || '(root)'}: ${issue.message}`);
  }
  return parsed.data.data.map((plan) => ({
    identifier: plan.identifier,
    nickname: plan.nickname ?? plan.identifier,
    datacenterID: plan.datacenterID ?? plan.dcIdentifier ?? '',
    cpu: plan.cpu,
    ramMiB: plan.ram,
    ssdGiB: Math.floor(plan.ssd ?? 0),
    priceMonthly: plan.price,
  }));
}

export function readOfferings(path: string): Offering[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new PlanInputError(`cannot read --offerings ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`, { cause: error });
  }
  return parseOfferings(text, path);
}
