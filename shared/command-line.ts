import { readFileSync, statSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { flagsFromEnv, type FlagTypes } from './env-flags.ts';
import { ConfigError } from './errors.ts';

// The one way a command of this product reads its command line (cli/commands/*, the forwarder's
// own entry): typed options with their defaults, every problem listed at once, the environment as a
// fallback where the usage says so (shared/env-flags.ts), secrets from a file, `--help` on stdout
// with exit 0 and a usage error on stderr with exit 2. It lives in shared/ because the forwarder's
// image runs its command line without the cli/ folder.

export type OptionSpec =
  | { type: 'boolean'; short?: string }
  | { type: 'string'; short?: string; default?: string; choices?: readonly string[]; multiple?: boolean }
  | { type: 'number'; default?: number; integer?: boolean; min?: number; max?: number }
  /** `--<name> <value>` or `--<name>-file <path>` (a mounted Secret, at most 64 KiB, trimmed). */
  | { type: 'secret' };

export type OptionSpecs = Record<string, OptionSpec>;

type ValueOf<S> = S extends { type: 'boolean' }
  ? boolean
  : S extends { type: 'number'; default: number }
    ? number
    : S extends { type: 'number' }
      ? number | undefined
      : S extends { multiple: true }
        ? string[]
        : S extends { choices: readonly (infer C)[]; default: string }
          ? C
          : S extends { choices: readonly (infer C)[] }
            ? C | undefined
            : S extends { default: string }
              ? string
              : string | undefined;

export type OptionValues<O extends OptionSpecs> = { -readonly [K in keyof O]: ValueOf<O[K]> };

export interface CommandLine<O extends OptionSpecs> {
  /** The prefix of every message, e.g. "vpsie-autoscaler start". */
  name: string;
  usage: string;
  options: O;
  /** Every option also comes from `<envPrefix><OPTION_NAME>`; a flag on the command line wins. */
  envPrefix?: string;
  /** The command's own rules about the values (after the types); listed with the type problems. */
  check?: (values: OptionValues<O>) => string[];
  /** Whether a usage error is followed by the usage (default true; one-line tools such as plan say no). */
  usageOnError?: boolean;
}

/** Bad options: every problem, one a line. `help` is not one of these (parseCommandLine returns 'help'). */
export class UsageError extends Error {
  override name = 'UsageError';
  constructor(readonly problems: string[], options: { cause?: unknown } = {}) {
    super(problems.join('\n'), options.cause === undefined ? undefined : { cause: options.cause });
  }
}

/** Spells a command line's options with their literal types kept (choices, defaults). */
export function defineCommandLine<const O extends OptionSpecs>(line: CommandLine<O>): CommandLine<O> {
  return line;
}

/** Options that take plain text and have no default: `{ ...textOptions('trace', 'cluster'), … }`. */
export function textOptions<const N extends string>(...names: N[]): Record<N, { type: 'string' }> {
  return Object.fromEntries(names.map((name) => [name, { type: 'string' }])) as Record<N, { type: 'string' }>;
}

const SECRET_FILE_MAX_BYTES = 65_536;

/** The parser's flags of `options` (a secret is two: `--x` and `--x-file`), with `help`. */
export function commandLineFlags(options: OptionSpecs): FlagTypes & Record<string, { type: 'string' | 'boolean'; short?: string; multiple?: boolean }> {
  const flags: Record<string, { type: 'string' | 'boolean'; short?: string; multiple?: boolean }> = {};
  for (const [name, spec] of Object.entries(options)) {
    if (spec.type === 'boolean') flags[name] = { type: 'boolean', ...(spec.short ? { short: spec.short } : {}) };
    else if (spec.type === 'string') flags[name] = { type: 'string', ...(spec.short ? { short: spec.short } : {}), ...(spec.multiple ? { multiple: true } : {}) };
    else if (spec.type === 'secret') Object.assign(flags, { [name]: { type: 'string' }, [`${name}-file`]: { type: 'string' } });
    else flags[name] = { type: 'string' };
  }
  flags.help = { type: 'boolean', short: 'h' };
  return flags;
}

/** The typed values, or 'help'; throws a UsageError listing every problem. */
export function parseCommandLine<O extends OptionSpecs>(line: CommandLine<O>, args: readonly string[], env: Record<string, string | undefined> = process.env): OptionValues<O> | 'help' {
  const flags = commandLineFlags(line.options);
  const problems: string[] = [];
  let fromEnv: string[] = [];
  if (line.envPrefix !== undefined) {
    try {
      fromEnv = withoutSecretSiblings(line.options, args, flagsFromEnv(flags, line.envPrefix, env, args));
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      problems.push(...error.problems.map((p) => `${p.path}: ${p.message}`));
    }
  }
  let raw: Record<string, string | boolean | string[] | undefined>;
  try {
    raw = parseArgs({ args: [...fromEnv, ...args], strict: true, allowPositionals: false, options: flags }).values as typeof raw;
  } catch (error) {
    throw new UsageError([(error as Error).message], { cause: error });
  }
  if (raw.help === true) return 'help';

  const values: Record<string, unknown> = {};
  for (const [name, spec] of Object.entries(line.options)) values[name] = typedValue(name, spec, raw, problems);
  problems.push(...(line.check?.(values as OptionValues<O>) ?? []));
  if (problems.length > 0) throw new UsageError(problems);
  return values as OptionValues<O>;
}

function typedValue(name: string, spec: OptionSpec, raw: Record<string, string | boolean | string[] | undefined>, problems: string[]): unknown {
  const value = raw[name];
  switch (spec.type) {
    case 'boolean':
      return value === true;
    case 'string': {
      if (spec.multiple) return (value as string[] | undefined) ?? [];
      const text = (value as string | undefined) ?? spec.default;
      if (text !== undefined && spec.choices && !spec.choices.includes(text)) {
        problems.push(`--${name} must be ${spokenList(spec.choices)}, got "${text}"`);
        return undefined;
      }
      return text;
    }
    case 'number':
      return value === undefined ? spec.default : numberValue(name, spec, value as string, problems);
    case 'secret': {
      if (value !== undefined) return value;
      const path = raw[`${name}-file`] as string | undefined;
      if (path === undefined) return undefined;
      try {
        if (statSync(path).size > SECRET_FILE_MAX_BYTES) throw new Error(`larger than ${SECRET_FILE_MAX_BYTES / 1024} KiB`);
        return readFileSync(path, 'utf8').trim();
      } catch (error) {
        problems.push(`--${name}-file ${path}: ${(error as Error).message}`);
        return undefined;
      }
    }
  }
}

function numberValue(name: string, spec: Extract<OptionSpec, { type: 'number' }>, text: string, problems: string[]): number | undefined {
  const n = Number(text);
  const shape = spec.integer ? /^-?\d+$/ : /^-?(\d+(\.\d*)?|\.\d+)$/;
  const inRange = (spec.min === undefined || n >= spec.min) && (spec.max === undefined || n <= spec.max);
  if (shape.test(text.trim()) && Number.isFinite(n) && inRange) return n;
  const kind = spec.integer ? 'a whole number' : 'a number';
  const what = spec.integer && spec.min !== undefined && spec.max !== undefined ? `${spec.min}-${spec.max}`
    : spec.min !== undefined && spec.max !== undefined ? `${kind} from ${spec.min} to ${spec.max}`
      : spec.min !== undefined ? `${kind} of at least ${spec.min}` : spec.max !== undefined ? `${kind} of at most ${spec.max}` : kind;
  problems.push(`--${name} must be ${what}, got "${text}"`);
  return undefined;
}

function spokenList(items: readonly string[]): string {
  return items.length < 2 ? (items[0] ?? '') : `${items.slice(0, -1).join(', ')} or ${items.at(-1)}`;
}

/** A secret given on the command line (as the value or as its file) is not also taken from the environment. */
function withoutSecretSiblings(options: OptionSpecs, args: readonly string[], fromEnv: string[]): string[] {
  const given = (flag: string) => args.some((a) => a === `--${flag}` || a.startsWith(`--${flag}=`));
  const dropped = Object.entries(options)
    .filter(([name, spec]) => spec.type === 'secret' && (given(name) || given(`${name}-file`)))
    .flatMap(([name]) => [`--${name}=`, `--${name}-file=`]);
  return fromEnv.filter((a) => !dropped.some((prefix) => a.startsWith(prefix)));
}

export interface CommandIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  env: Record<string, string | undefined>;
}

export const processIo: CommandIo = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  env: process.env,
};

/** What a usage error prints: one problem on the command's line, several as a list; then the usage. */
export function formatUsageError(line: Pick<CommandLine<OptionSpecs>, 'name' | 'usage' | 'usageOnError'>, error: UsageError): string {
  const problems = error.problems.length === 1 ? error.problems[0] : `invalid options:\n${error.problems.map((p) => `  - ${p}`).join('\n')}`;
  return `${line.name}: ${problems}\n${line.usageOnError === false ? '' : `\n${line.usage}`}`;
}

/**
 * Parses `args` and runs `body` with the values: `--help` prints the usage on stdout (exit 0), a
 * UsageError — from the parse or thrown by `body` — prints the problems on stderr (exit 2).
 */
export async function runCommandLine<O extends OptionSpecs>(
  line: CommandLine<O>,
  args: readonly string[],
  body: (values: OptionValues<O>) => number | Promise<number>,
  io: Partial<CommandIo> = {},
): Promise<number> {
  const { stdout, stderr, env } = { ...processIo, ...io };
  try {
    const values = parseCommandLine(line, args, env);
    if (values === 'help') {
      stdout(line.usage);
      return 0;
    }
    return await body(values);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    stderr(formatUsageError(line, error));
    return 2;
  }
}
