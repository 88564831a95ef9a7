import { z } from 'zod';
import { ConfigError, type Problem } from './errors.ts';

// Configuration is parsed once at start-up with a zod schema; a bad configuration fails with every
// problem listed (zod collects all field issues of an object in one pass), never just the first.
// Sources are merged (later wins) and environment variables are read with a prefix:
//
//   VPSIE_FWD_CLUSTER_ID=prod-1            → { clusterId: 'prod-1' }
//   VPSIE_FWD_VPSIE__BASE_URL=https://…    → { vpsie: { baseUrl: 'https://…' } }   ("__" nests)

/**
 * Why `JSON.parse` failed, without any of the text: V8's messages quote the input around the error
 * ('Unexpected token s, ..."gningKey":supersecre"... is not valid JSON'), and configuration JSON holds
 * signing keys and tokens. Only the position survives, when the message names one.
 */
export function jsonSyntaxProblem(error: unknown): string {
  const position = /position (\d+)/.exec(error instanceof Error ? error.message : '')?.[1];
  return position === undefined ? 'is not valid JSON' : `is not valid JSON (error at character ${position})`;
}

/** zod issues as { path, message }, one per problem; unknown keys get one problem each. */
export function zodProblems(error: z.ZodError, describePath: (path: PropertyKey[]) => string = dotted): Problem[] {
  return error.issues.flatMap((issue): Problem[] => {
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((key) => ({ path: describePath([...issue.path, key]), message: 'unknown field' }));
    }
    return [{ path: describePath(issue.path), message: issue.message }];
  });
}

function dotted(path: PropertyKey[]): string {
  return path.map(String).join('.');
}

export interface LoadConfigOptions {
  /** What is being configured, for the error message ("forwarder configuration"). */
  subject?: string;
  /** When the input came from envSection(prefix), problems also name the variable to set. */
  envPrefix?: string;
}

/** Parses `input` or throws one ConfigError listing every problem. */
export function loadConfig<S extends z.ZodType>(schema: S, input: unknown, options: LoadConfigOptions = {}): z.output<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const describe = (path: PropertyKey[]) => {
    const field = dotted(path);
    return options.envPrefix && path.length > 0 ? `${field} (${envName(options.envPrefix, path.map(String))})` : field;
  };
  throw new ConfigError(options.subject ?? 'configuration', zodProblems(result.error, describe), { cause: result.error });
}

const camel = (snake: string) => snake.toLowerCase().replace(/_([a-z0-9])/g, (_m, c: string) => c.toUpperCase());
const snake = (camelCase: string) => camelCase.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase();

/** The variable that feeds `path` under `prefix`: envName('VPSIE_FWD_', ['vpsie','baseUrl']) = 'VPSIE_FWD_VPSIE__BASE_URL'. */
export function envName(prefix: string, path: string[]): string {
  return prefix + path.map(snake).join('__');
}

/** The variables starting with `prefix` as a nested object of strings (camelCase keys). Empty values are skipped. */
export function envSection(prefix: string, env: Record<string, string | undefined> = process.env): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(env)) {
    if (!name.startsWith(prefix) || value === undefined || value === '') continue;
    const path = name.slice(prefix.length).split('__').map(camel);
    let node = out;
    for (const part of path.slice(0, -1)) {
      const next = node[part];
      node = (typeof next === 'object' && next !== null ? next : (node[part] = {})) as Record<string, unknown>;
    }
    node[path[path.length - 1]!] = value;
  }
  return out;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && Object.getPrototypeOf(value) === Object.prototype;
}

/** Deep merge of plain objects, later sources win; arrays and other values are replaced, undefined is ignored. */
export function mergeConfig(...sources: unknown[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const source of sources) {
    if (!isPlainObject(source)) continue;
    for (const [key, value] of Object.entries(source)) {
      if (value === undefined) continue;
      out[key] = isPlainObject(value) && isPlainObject(out[key]) ? mergeConfig(out[key], value) : value;
    }
  }
  return out;
}

// Values from the environment are strings; these read them into typed values inside a schema,
// e.g. `dryRun: envBoolean.default(false)`, `heartbeatMs: envInteger.default(30_000)`.
const TRUE = new Set(['true', '1', 'yes', 'on']);
const FALSE = new Set(['false', '0', 'no', 'off']);

export const envBoolean = z.union([
  z.boolean(),
  z.string().transform((text, ctx) => {
    const t = text.trim().toLowerCase();
    if (TRUE.has(t)) return true;
    if (FALSE.has(t)) return false;
    ctx.addIssue({ code: 'custom', message: `expected true/false (or 1/0, yes/no), got "${text}"` });
    return z.NEVER;
  }),
]);

export const envInteger = z.union([
  z.number().int(),
  z.string().regex(/^-?\d+$/, 'expected an integer').transform(Number),
]);

/** "a, b ,c" → ['a','b','c']; an array is taken as is. */
export const envList = z.union([
  z.array(z.string()),
  z.string().transform((text) => text.split(',').map((s) => s.trim()).filter(Boolean)),
]);
