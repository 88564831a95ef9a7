import { ConfigError } from './errors.ts';

// The command lines' rule "every option can also come from the environment": the variable of
// `--some-flag` is `<PREFIX>SOME_FLAG` (e.g. VPSIE_FWD_HEARTBEAT_SECONDS for --heartbeat-seconds).
// A flag on the command line wins. Secrets can so stay out of the process list (`ps`).

export type FlagTypes = Record<string, { type: 'string' | 'boolean' }>;

export function flagEnvName(prefix: string, flag: string): string {
  return `${prefix}${flag.toUpperCase().replace(/-/g, '_')}`;
}

/** Whether `args` sets `--flag` (as `--flag`, `--flag=v`, or `--no-flag`-style names are their own flags). */
function given(args: readonly string[], flag: string): boolean {
  return args.some((a) => a === `--${flag}` || a.startsWith(`--${flag}=`));
}

/**
 * Arguments for the flags set only in the environment, to put before `args` (which then win).
 * Booleans take "true" or "false" (false: as if absent). `help` never comes from the environment.
 */
export function flagsFromEnv(options: FlagTypes, prefix: string, env: Record<string, string | undefined>, args: readonly string[]): string[] {
  const out: string[] = [];
  const problems: { path: string; message: string }[] = [];
  for (const [flag, { type }] of Object.entries(options)) {
    if (flag === 'help' || given(args, flag)) continue;
    const name = flagEnvName(prefix, flag);
    const value = env[name];
    if (value === undefined || value === '') continue;
    if (type === 'boolean') {
      if (value === 'true') out.push(`--${flag}`);
      else if (value !== 'false') problems.push({ path: name, message: `must be true or false, got "${value.slice(0, 20)}"` });
    } else {
      out.push(`--${flag}=${value}`);
    }
  }
  if (problems.length > 0) throw new ConfigError('the environment', problems);
  return out;
}

/** The environment without the variables flagsFromEnv reads (for a strict schema read from the rest). */
export function withoutFlagEnv(options: FlagTypes, prefix: string, env: Record<string, string | undefined>): Record<string, string | undefined> {
  const names = new Set(Object.keys(options).map((f) => flagEnvName(prefix, f)));
  return Object.fromEntries(Object.entries(env).filter(([name]) => !names.has(name)));
}
