import { z } from 'zod';
import type { Offering } from '../../shared/snapshot.ts';
import { PlanInputError } from './input-error.ts';
import { parseVpsieListJson, readInputFile } from './input-file.ts';

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
  const raw = parseVpsieListJson(text, source, 'plan list');
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
  return parseOfferings(readInputFile('offerings', path), path);
}
