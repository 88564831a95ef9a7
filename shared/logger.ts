import pino, { type DestinationStream, type Logger, type LevelWithSilent } from 'pino';

// The one logger factory: JSON lines (pino), secrets redacted wherever they sit in the logged object.
// pino's built-in `redact` needs every path spelled out; our secrets arrive nested in axios errors,
// header maps and configs, so fields are matched by what their name contains, at any depth.

export type { Logger } from 'pino';

export const REDACTED = '[redacted]';

/**
 * A field is secret when its name (lower-cased, '-' and '_' removed) CONTAINS one of these, so
 * `x-api-key`, `vpsieApiToken`, `dbPasswordOld` or `proxy-authorization` are caught without being
 * listed: matching exact names let every new spelling through.
 */
const SECRET_SUBSTRINGS = ['token', 'password', 'passwd', 'secret', 'key', 'authorization', 'cookie', 'vpsieauth', 'userdata'];

/**
 * Names that contain a secret word but hold no secret, and that an operator needs to read: the name
 * of a Secret object, a topology key, the public id half of a bootstrap token. Kept short on purpose.
 */
const NOT_SECRET = new Set(['secretname', 'secretnamespace', 'credentialssecret', 'credentialsnamespace', 'topologykey', 'groupkey', 'routekey', 'tokenid']);

const normalise = (name: string) => name.toLowerCase().replace(/[-_]/g, '');

/**
 * Numbers and booleans are never secret text (`fencingToken: 42`, `bootstrapTokenTtlMs`, `hasKey`).
 * `key` is also the name of a taint's, toleration's or selector requirement's key; those are not
 * secrets either (recognised by their sibling fields).
 */
function isSecret(name: string, value: unknown, holder: Record<string, unknown>): boolean {
  if (typeof value === 'number' || typeof value === 'boolean') return false;
  const n = normalise(name);
  if (NOT_SECRET.has(n) || !SECRET_SUBSTRINGS.some((word) => n.includes(word))) return false;
  return !(n === 'key' && ('effect' in holder || 'operator' in holder));
}

function serialiseError(error: Error): Record<string, unknown> {
  return pino.stdSerializers.err(error) as unknown as Record<string, unknown>;
}

/** A copy of `value` with secret fields replaced; errors become plain objects (with their causes). */
export function redactSecrets(value: unknown, depth = 0, seen = new WeakSet<object>()): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (depth > 12) return '[too deep]';
  if (seen.has(value)) return '[circular]';
  seen.add(value);
  if (value instanceof Error) return redactSecrets(serialiseError(value), depth + 1, seen);
  if (Array.isArray(value)) return value.map((v) => redactSecrets(v, depth + 1, seen));
  if (value instanceof Date || ArrayBuffer.isView(value)) return value;
  if (typeof (value as { forEach?: unknown }).forEach === 'function' && typeof (value as { get?: unknown }).get === 'function' && !(value instanceof Map)) {
    // fetch Headers and similar: log as a plain record.
    const record: Record<string, unknown> = {};
    (value as Headers).forEach((v, k) => { record[k] = v; });
    return redactSecrets(record, depth + 1, seen);
  }
  const out: Record<string, unknown> = {};
  const holder = value as Record<string, unknown>;
  for (const [name, v] of Object.entries(holder)) out[name] = isSecret(name, v, holder) && v !== undefined && v !== null && v !== '' ? REDACTED : redactSecrets(v, depth + 1, seen);
  return out;
}

export interface LoggerOptions {
  /** Component name, e.g. "forwarder" or "functions.reconcile". */
  name: string;
  level?: LevelWithSilent;
  /** Where the JSON lines go; stdout by default. Tests pass a stream to read them back. */
  destination?: DestinationStream;
}

export function createLogger({ name, level = 'info', destination }: LoggerOptions): Logger {
  const options: pino.LoggerOptions = {
    name,
    level,
    base: { name },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: {
      level: (label) => ({ level: label }),
      bindings: (bindings) => redactSecrets(bindings) as Record<string, unknown>,
      log: (object) => redactSecrets(object) as Record<string, unknown>,
    },
    // Errors are already serialised (and redacted) by the log formatter above.
    serializers: { err: (value: unknown) => value },
  };
  const logger = destination ? pino(options, destination) : pino(options);
  // pino applies the bindings formatter to the root only, not to child(...) bindings; children are
  // created with Object.create(parent), so overriding child here covers every descendant.
  const child = logger.child;
  logger.child = function redactedChild(this: Logger, bindings, childOptions) {
    return child.call(this, redactSecrets(bindings) as typeof bindings, childOptions);
  } as typeof logger.child;
  return logger;
}
