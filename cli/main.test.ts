import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// The CLI's conventions, as a user meets them: --version, `help <command>` (on stdout, exit 0) for
// every command the overview lists.

const root = fileURLToPath(new URL('../', import.meta.url));
const bin = `${root}bin/vpsie-autoscaler.mjs`;
function cli(args: string[]) {
  const result = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', cwd: root, timeout: 60_000 });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}
const version = (JSON.parse(readFileSync(`${root}package.json`, 'utf8')) as { version: string }).version;

describe('vpsie-autoscaler CLI conventions', () => {
  it('--version prints the package version', () => {
    expect(cli(['--version'])).toMatchObject({ status: 0, stdout: `vpsie-autoscaler ${version}\n` });
  });

  it('help <command> prints that command\'s usage on stdout for every listed command', () => {
    const overview = cli(['help']);
    expect(overview.status).toBe(0);
    const names = [...overview.stdout.matchAll(/^ {2}([a-z-]+) /gm)].map((m) => m[1]!);
    expect(names).toEqual(expect.arrayContaining(['plan', 'catalog', 'functions', 'forwarder', 'demo', 'start']));
    for (const name of names) {
      const help = cli(['help', name]);
      expect({ name, status: help.status, usage: help.stdout.startsWith(`usage: vpsie-autoscaler ${name}`) }).toEqual({ name, status: 0, usage: true });
    }
  }, 180_000);

  it('help of an unknown command is a usage error', () => {
    const result = cli(['help', 'frobnicate']);
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('unknown command "frobnicate"');
  });
});
