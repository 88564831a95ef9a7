import { z } from 'zod';
import { apiTimeMs, flag, idString, listOf, money, numeric, optionalNumeric, optionalString } from './wire-types.ts';
import type { VpsieCategory, VpsieDatacenter, VpsiePendingVm, VpsiePlan, VpsieVm } from './types.ts';

// Schemas of the payloads (the `data` of the envelope), mapped to the client's camelCase types
// with units in the names.

export const vmRow = z
  .looseObject({
    id: optionalNumeric,
    identifier: z.string().min(1),
    hostname: z.string().min(1),
    cpu: optionalNumeric,
    ram: optionalNumeric,
    ssd: optionalNumeric,
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

const tagEntry = z.union([
  z.string(),
  z.looseObject({ name: z.string() }).transform((t) => t.name),
  z.looseObject({ tag: z.string() }).transform((t) => t.tag),
  z.looseObject({ tagName: z.string() }).transform((t) => t.tagName),
]);

/** `GET /apps/v2/vm/{identifier}` → `{ vmData, vmTags }`; `false` means not found. */
export const vmDetail = z.union([
  z.literal(false),
  z.null(),
  z
    .looseObject({ vmData: vmRow, vmTags: z.array(tagEntry).nullish() })
    .transform((d): VpsieVm => ({ ...d.vmData, tags: d.vmTags ?? [] })),
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

/** A pending creation: `data` echoes the create request; seen as an object, tolerated as a JSON string. */
export const pendingItem = z
  .looseObject({
    id: optionalString,
    created_on: optionalString,
    data: z.union([
      pendingEcho,
      z.string().transform((s, ctx) => {
        try {
          return pendingEcho.parse(JSON.parse(s));
        } catch {
          ctx.addIssue({ code: 'custom', message: 'pending item data is a string but not the JSON of a create request' });
          return z.NEVER;
        }
      }),
    ]),
  })
  .transform((p): VpsiePendingVm => ({
    id: p.id,
    hostname: p.data.hostname,
    processId: p.data.processId,
    resourceIdentifier: p.data.resourceIdentifier,
    osIdentifier: p.data.osIdentifier,
    dcIdentifier: p.data.dcIdentifier,
    projectId: p.data.projectId,
    notes: p.data.notes,
    createdOn: p.created_on,
    createdAtMs: apiTimeMs(p.created_on),
  }));

export const pendingList = listOf(pendingItem);

export const datacenterList = listOf(
  z
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
    })),
);

export const categoryList = listOf(
  z.looseObject({ identifier: idString, name: z.string() }).transform((c): VpsieCategory => ({ identifier: c.identifier, name: c.name })),
);

/** Hours in VPSie's billing month: hourly price = monthly / 720. */
export const HOURS_PER_MONTH = 720;

export const planList = listOf(
  z
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
    })),
);

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
