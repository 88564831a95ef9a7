import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { commandLineFlags, defineCommandLine, parseCommandLine, runCommandLine, UsageError } from './command-line.ts';

// The command lines' one parser (issue 20): what a user who mistypes a flag, forgets a value or keeps
// a secret in a file or the environment meets, for every command alike.

const line = defineCommandLine({
  name: 'vpsie-autoscaler thing',
  usage: 'usage: vpsie-autoscaler thing [options]\n',
  envPrefix: 'THING_',
  options: {
    port: { type: 'number', integer: true, min: 0, max: 65535, default: 8090 },
    'hold-seconds': { type: 'number', min: 0 },
    output: { type: 'string', choices: ['table', 'json'], default: 'table' },
    name: { type: 'string' },
    live: { type: 'boolean' },
    tag: { type: 'string', multiple: true },
    'signing-key': { type: 'secret' },
  },
  check: (v) => (v.live && v.name === undefined ? ['--live needs --name'] : []),
});

function problems(args: string[], env: Record<string, string | undefined> = {}): string[] {
  try {
    parseCommandLine(line, args, env);
  } catch (error) {
    if (error instanceof UsageError) return error.problems;
    throw error;
  }
  throw new Error(`expected a usage error for ${args.join(' ')}`);
}

async function run(args: string[], env: Record<string, string | undefined> = {}) {
  let stdout = '';
  let stderr = '';
  const seen: unknown[] = [];
  const code = await runCommandLine(line, args, (values) => (seen.push(values), 0), { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t), env });
  return { code, stdout, stderr, seen };
}

describe('parseCommandLine', () => {
  it('gives typed values with their defaults', () => {
    expect(parseCommandLine(line, [], {})).toEqual({ port: 8090, 'hold-seconds': undefined, output: 'table', name: undefined, live: false, tag: [], 'signing-key': undefined });
    expect(parseCommandLine(line, ['--port', '0', '--hold-seconds=2.5'], {})).toMatchObject({ port: 0, 'hold-seconds': 2.5 });
    expect(parseCommandLine(line, ['--tag', 'a', '--tag', 'b', '--live', '--name', 'n'], {})).toMatchObject({ tag: ['a', 'b'], live: true, name: 'n' });
  });

  it('an unknown flag is a usage error naming it', () => {
    expect(problems(['--frobnicate'])).toEqual([expect.stringContaining("Unknown option '--frobnicate'")]);
  });

  it('a missing value is a usage error naming the flag', () => {
    expect(problems(['--name'])).toEqual([expect.stringContaining("Option '--name <value>' argument missing")]);
  });

  it('bad numbers and choices are all listed, with the command\'s own rules', () => {
    expect(problems(['--port', '8080x', '--hold-seconds=-1', '--output', 'xml', '--live'])).toEqual([
      '--port must be 0-65535, got "8080x"',
      '--hold-seconds must be a number of at least 0, got "-1"',
      '--output must be table or json, got "xml"',
      '--live needs --name',
    ]);
    expect(problems(['--port', '1.5'])).toEqual(['--port must be 0-65535, got "1.5"']);
    expect(problems(['--port', ''])).toEqual(['--port must be 0-65535, got ""']);
  });

  it('takes an option from the environment when the flag is absent; the flag wins', () => {
    const env = { THING_PORT: '9000', THING_NAME: 'from-env', THING_LIVE: 'true' };
    expect(parseCommandLine(line, [], env)).toMatchObject({ port: 9000, name: 'from-env', live: true });
    expect(parseCommandLine(line, ['--name', 'flag'], env)).toMatchObject({ port: 9000, name: 'flag' });
    // A bad value from the environment is refused like the flag's; a bad boolean names the variable.
    expect(problems([], { THING_PORT: 'eighty' })).toEqual(['--port must be 0-65535, got "eighty"']);
    expect(problems([], { THING_LIVE: 'yes' })).toEqual(['THING_LIVE: must be true or false, got "yes"']);
  });

  it('reads a secret from the flag, its file or the environment; the command line wins over the environment', () => {
    const dir = mkdtempSync(join(tmpdir(), 'command-line-'));
    const file = join(dir, 'key');
    writeFileSync(file, '  from-file\n');
    const key = (args: string[], env: Record<string, string> = {}) => (parseCommandLine(line, args, env) as { 'signing-key'?: string })['signing-key'];
    expect(key(['--signing-key', 'from-flag'])).toBe('from-flag');
    expect(key(['--signing-key-file', file])).toBe('from-file');
    expect(key([], { THING_SIGNING_KEY: 'from-env' })).toBe('from-env');
    expect(key([], { THING_SIGNING_KEY_FILE: file })).toBe('from-file');
    // The file named on the command line beats a key in the environment, and the other way round.
    expect(key(['--signing-key-file', file], { THING_SIGNING_KEY: 'from-env' })).toBe('from-file');
    expect(key(['--signing-key', 'from-flag'], { THING_SIGNING_KEY_FILE: file })).toBe('from-flag');
    expect(problems(['--signing-key-file', join(dir, 'absent')])).toEqual([expect.stringMatching(/^--signing-key-file .*absent: ENOENT/)]);
    writeFileSync(join(dir, 'big'), 'x'.repeat(65_537));
    expect(problems(['--signing-key-file', join(dir, 'big')])).toEqual([expect.stringMatching(/big: larger than 64 KiB$/)]);
  });

  it('returns help for --help and -h, before any problem of the environment', () => {
    expect(parseCommandLine(line, ['--help'], {})).toBe('help');
    expect(parseCommandLine(line, ['-h'], { THING_LIVE: 'yes' })).toBe('help');
  });

  it('lists a secret as two flags (value and file) for the environment rule and the usage checks', () => {
    expect(Object.keys(commandLineFlags(line.options))).toEqual(['port', 'hold-seconds', 'output', 'name', 'live', 'tag', 'signing-key', 'signing-key-file', 'help']);
  });
});

describe('runCommandLine', () => {
  it('--help: the usage on stdout, exit 0, the command does not run', async () => {
    expect(await run(['--help'])).toEqual({ code: 0, stdout: line.usage, stderr: '', seen: [] });
  });

  it('a usage error: the problem and the usage on stderr, exit 2, the command does not run', async () => {
    expect(await run(['--bogus'])).toMatchObject({ code: 2, stdout: '', seen: [] });
    expect((await run(['--port', 'x'])).stderr).toBe(`vpsie-autoscaler thing: --port must be 0-65535, got "x"\n\n${line.usage}`);
    expect((await run(['--port', 'x', '--output', 'xml'])).stderr).toBe(
      `vpsie-autoscaler thing: invalid options:\n  - --port must be 0-65535, got "x"\n  - --output must be table or json, got "xml"\n\n${line.usage}`,
    );
  });

  it('one-line tools print the problem alone', async () => {
    let stderr = '';
    const code = await runCommandLine({ ...line, usageOnError: false }, ['--bogus'], () => 0, { stderr: (t) => (stderr += t), env: {} });
    expect(code).toBe(2);
    expect(stderr.trimEnd().split('\n')).toHaveLength(1);
  });

  it('a UsageError thrown by the command is a usage error too; other errors pass through', async () => {
    let stderr = '';
    const io = { stderr: (t: string) => (stderr += t), env: {} };
    expect(await runCommandLine(line, [], () => { throw new UsageError(['--name does not exist']); }, io)).toBe(2);
    expect(stderr).toContain('vpsie-autoscaler thing: --name does not exist');
    await expect(runCommandLine(line, [], () => { throw new Error('boom'); }, io)).rejects.toThrow('boom');
  });

  it('runs the command with the values and returns its exit code', async () => {
    const result = await run(['--name', 'n'], { THING_PORT: '1' });
    expect(result).toMatchObject({ code: 0, stderr: '', seen: [{ name: 'n', port: 1 }] });
  });
});
