// Error classes shared by both halves. Every class sets `name` (so logs and `instanceof`-free checks
// can tell them apart across bundles) and carries the underlying `cause`.

export interface ErrorOptions { cause?: unknown }

/** Base of every error this product throws on purpose. `code` is stable and machine-readable. */
export class AppError extends Error {
  override name = 'AppError';
  readonly code: string;
  constructor(message: string, options: ErrorOptions & { code?: string } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = options.code ?? 'internal';
  }
}

export interface Problem {
  /** Dotted path of the offending field, e.g. "spec.scaleDownPolicy.cpuThreshold"; "" for the root. */
  path: string;
  message: string;
}

/** Input that does not satisfy a schema; lists every problem, not only the first. */
export class ValidationError extends AppError {
  override name = 'ValidationError';
  constructor(readonly subject: string, readonly problems: Problem[], options: ErrorOptions = {}) {
    super(`${subject} is invalid:\n${problems.map((p) => `  - ${p.path || '(root)'}: ${p.message}`).join('\n')}`,
      { ...options, code: 'validation' });
  }
}

/** Configuration could not be loaded; raised once at start-up. */
export class ConfigError extends ValidationError {
  override name = 'ConfigError';
}

/** A request or plan signature was missing, wrong, stale or replayed. */
export class AuthenticationError extends AppError {
  override name = 'AuthenticationError';
  constructor(message: string, options: ErrorOptions = {}) {
    super(message, { ...options, code: 'unauthenticated' });
  }
}

/** Somebody else holds what we need (lease, conditional write lost); retrying later may work. */
export class ConflictError extends AppError {
  override name = 'ConflictError';
  constructor(message: string, options: ErrorOptions = {}) {
    super(message, { ...options, code: 'conflict' });
  }
}

export class NotFoundError extends AppError {
  override name = 'NotFoundError';
  constructor(message: string, options: ErrorOptions = {}) {
    super(message, { ...options, code: 'not-found' });
  }
}

/** A Kubernetes object could not be turned into snapshot facts (e.g. an unparsable quantity). */
export class CompactError extends AppError {
  override name = 'CompactError';
  constructor(readonly object: string, message: string, options: ErrorOptions = {}) {
    super(`${object}: ${message}`, { ...options, code: 'compact' });
  }
}

/** The message of any thrown value, with its causes, for logs. */
export function describeError(error: unknown): string {
  const parts: string[] = [];
  let current: unknown = error;
  for (let depth = 0; current !== undefined && current !== null && depth < 5; depth++) {
    parts.push(current instanceof Error ? `${current.name}: ${current.message}` : String(current));
    current = current instanceof Error ? current.cause : undefined;
  }
  return parts.join(' <- caused by ');
}
