import { z } from 'zod';
import { apiTimeMs, flag, idString, lenientNumeric, listOf, money, numeric, optionalNumeric, optionalString } from './wire-types.ts';
import type { VpsieCategory, VpsieDatacenter, VpsiePendingVm, VpsiePlan, VpsieProject, VpsieScript, VpsieVm } from './types.ts';

// Schemas of the payloads (the `data` of the envelope), mapped to the client's camelCase types
// with units in the names.

export const vmRow = z
  .looseObject({
    id: lenientNumeric,
    identifier: z.string().min(1),
    hostname: z.string().min(1),
    cpu: lenientNumeric,
    ram: lenientNumeric,
    ssd: lenientNumeric,
    default_ip: optionalString,
    default_ipv6: optionalString,
    private_ip: optionalString,
    publicIp: optionalString,
    dcIdentifier: optionalString,
    is_active: flag,
    power: flag,
    is_suspended: flag,
    is_locked: flag,
    is_terminated: flag,
    is_deleted: flag,
    created_on: optionalString,
    notes: optionalString,
    project_id: optionalString,
    projectId: optionalString,
  })
  .transform((r): VpsieVm => ({
    id: r.id,
    identifier: r.identifier,
    hostname: r.hostname,
    cpu: r.cpu,
    ramMb: r.ram,
    ssdGb: r.ssd,
    defaultIp: r.default_ip,
    defaultIpv6: r.default_ipv6,
    privateIp: r.private_ip,
    publicIp: r.publicIp,
    dcIdentifier: r.dcIdentifier,
    projectId: r.project_id ?? r.projectId,
    isActive: r.is_active,
    power: r.power,
    isSuspended: r.is_suspended,
    isLocked: r.is_locked,
    isTerminated: r.is_terminated,
    isDeleted: r.is_deleted,
    createdOn: r.created_on,
    createdAtMs: apiTimeMs(r.created_on),
    notes: r.notes,
    tags: [],
    state: r.is_deleted || r.is_terminated ? 'gone' : r.is_active && r.power ? 'running' : 'created',
  }));

export const vmList = listOf(vmRow);

/** One `vmTags` element, whose shape no source shows: a string, or an object naming the tag. */
function tagName(entry: unknown): string | undefined {
  if (typeof entry === 'string') return entry;
  const record = typeof entry === 'object' && entry !== null ? (entry as Record<string, unknown>) : {};
  for (const key of ['name', 'tag', 'tagName', 'tag_name']) if (typeof record[key] === 'string') return record[key] as string;
  return undefined;
}

/**
 * `GET /apps/v2/vm/{identifier}` → `{ vmData, vmTags }`; `false` means not found. Tags are read
 * best-effort (elements of an unknown shape are dropped): nothing destructive depends on them.
 */
export const vmDetail = z.union([
  z.literal(false),
  z.null(),
  z
    .looseObject({ vmData: vmRow, vmTags: z.unknown().optional() })
    .transform((d): VpsieVm => ({
      ...d.vmData,
      tags: Array.isArray(d.vmTags) ? d.vmTags.map(tagName).filter((t): t is string => t !== undefined) : [],
    })),
]);

const pendingEcho = z.looseObject({
  hostname: z.string().min(1),
  processId: optionalString,
  resourceIdentifier: optionalString,
  osIdentifier: optionalString,
  dcIdentifier: optionalString,
  projectId: optionalString,
  /** The create's notes, where the ownership marker is. */
  notes: optionalString,
});

function echoOf(data: unknown): unknown {
  if (typeof data !== 'string') return data;
  try {
    return JSON.parse(data);
  } catch {
    return undefined;
  }
}

/**
 * A pending creation: `data` echoes the create request; seen as an object, tolerated as a JSON string.
 * The hostname is also looked for at the top level of the item (a GUESS at a variant, harmless).
 */
export const pendingItem = z
  .looseObject({
    id: optionalString,
    created_on: optionalString,
    hostname: optionalString,
    data: z.unknown(),
  })
  .transform((p, ctx): VpsiePendingVm => {
    const echo = pendingEcho.safeParse({ ...(p.hostname ? { hostname: p.hostname } : {}), ...(asObject(echoOf(p.data)) ?? {}) });
    if (!echo.success) {
      ctx.addIssue({ code: 'custom', message: typeof p.data === 'string' ? 'pending item data is a string but not the JSON of a create request' : `pending item data: ${echo.error.issues[0]?.message ?? 'unreadable'}` });
      return z.NEVER;
    }
    const d = echo.data;
    return {
      id: p.id,
      hostname: d.hostname,
      processId: d.processId,
      resourceIdentifier: d.resourceIdentifier,
      osIdentifier: d.osIdentifier,
      dcIdentifier: d.dcIdentifier,
      projectId: d.projectId,
      notes: d.notes,
      createdOn: p.created_on,
      createdAtMs: apiTimeMs(p.created_on),
    };
  });

function asObject(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

/**
 * A pending item that is certainly not a VM create: an object whose `data` is an object (or absent)
 * with no hostname anywhere. /vm/pending may list other pending work; such an item can never be one
 * of our launches (every launch sends a hostname), so skipping it is safe. Anything else that fails
 * `pendingItem` is unreadable, and may be a launch.
 */
export function isNonVmPendingItem(value: unknown): boolean {
  const item = asObject(value);
  if (!item || (typeof item['hostname'] === 'string' && item['hostname'] !== '')) return false;
  const data = item['data'];
  if (data === undefined || data === null) return true;
  const echo = asObject(data);
  return echo !== undefined && (echo['hostname'] === undefined || echo['hostname'] === null || echo['hostname'] === '');
}

export const pendingList = listOf(pendingItem);

export const datacenterRow = z
    .looseObject({
      identifier: z.string().min(1),
      dc_name: z.string().nullish(),
      dcName: z.string().nullish(),
      country: optionalString,
      state: optionalString,
      is_active: flag,
    })
    .transform((d): VpsieDatacenter => ({
      identifier: d.identifier,
      name: d.dc_name ?? d.dcName ?? d.identifier,
      country: d.country,
      state: d.state,
      isActive: d.is_active,
    }));

export const datacenterList = listOf(datacenterRow);

export const categoryRow = z.looseObject({ identifier: idString, name: z.string() }).transform((c): VpsieCategory => ({ identifier: c.identifier, name: c.name }));

export const categoryList = listOf(categoryRow);

/** Hours in VPSie's billing month: hourly price = monthly / 720. */
export const HOURS_PER_MONTH = 720;

export const planRow = z
    .looseObject({
      identifier: z.string().min(1),
      nickname: optionalString,
      cpu: numeric,
      ram: numeric,
      ssd: optionalNumeric,
      traffic: optionalNumeric,
      price: money,
    })
    .transform((p): VpsiePlan => ({
      identifier: p.identifier,
      nickname: p.nickname ?? p.identifier,
      cpu: p.cpu,
      ramMb: p.ram,
      ssdGb: p.ssd,
      trafficGb: p.traffic,
      priceMonthly: p.price,
      priceHourly: p.price / HOURS_PER_MONTH,
    }));

export const planList = listOf(planRow);

const expiry = z.union([z.string(), z.number()]).transform((v, ctx) => {
  // RFC 3339 per the sources; epoch seconds or milliseconds tolerated.
  const ms = typeof v === 'number' ? (v < 1e12 ? v * 1000 : v) : Date.parse(v);
  if (!Number.isFinite(ms)) {
    ctx.addIssue({ code: 'custom', message: `unreadable token expiry ${JSON.stringify(v)}` });
    return z.NEVER;
  }
  return ms;
});

const tokenPart = z.looseObject({ token: z.string().min(1), expires: expiry });

export type LoginResult = { accessToken: string; accessExpiresAtMs: number; refreshToken: string | null };

/**
 * Both shapes seen for `POST /apps/v2/auth/from/api`:
 * `{ token: { access, refresh } }` and `{ accessToken, refreshToken }`, each part `{ token, expires }`,
 * at the top level or inside the envelope's `data`.
 */
export const loginShape = z.union([
  z
    .looseObject({ token: z.looseObject({ access: tokenPart, refresh: tokenPart.nullish() }) })
    .transform((b): LoginResult => ({
      accessToken: b.token.access.token,
      accessExpiresAtMs: b.token.access.expires,
      refreshToken: b.token.refresh?.token ?? null,
    })),
  z
    .looseObject({ accessToken: tokenPart, refreshToken: tokenPart.nullish() })
    .transform((b): LoginResult => ({
      accessToken: b.accessToken.token,
      accessExpiresAtMs: b.accessToken.expires,
      refreshToken: b.refreshToken?.token ?? null,
    })),
]);

/** `GET /apps/v2/scripts` rows (the SDK's Script: identifier, script_name, created_on). */
export const scriptRow = z
  .looseObject({ identifier: z.string().min(1), script_name: optionalString, name: optionalString, created_on: optionalString })
  .transform((r): VpsieScript => ({ identifier: r.identifier, name: r.script_name ?? r.name ?? '', createdAtMs: apiTimeMs(r.created_on) }));

/** `GET /apps/v2/projects` rows (`data: {rows, count}`): the numeric id and the UUID of each project. */
export const projectRow = z
  .looseObject({ id: idString, identifier: z.string().min(1), name: optionalString, is_default: flag })
  .transform((r): VpsieProject => ({ id: r.id, identifier: r.identifier, name: r.name ?? '', isDefault: r.is_default }));
