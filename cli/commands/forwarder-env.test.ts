import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FORWARDER_FLAGS, forwarderConfigFromArgs, USAGE } from '../../forwarder/cli.ts';
import { flagEnvName } from '../../shared/env-flags.ts';

// The help's rule, "every option can also come from the environment: --some-option as
// VPSIE_FWD_SOME_OPTION; flags win", checked for every flag the forwarder has.

const key = 'k'.repeat(32);
const dir = mkdtempSync(join(tmpdir(), 'fwd-env-'));
const keyFile = join(dir, 'signing-key');
writeFileSync(keyFile, `${'f'.repeat(40)}\n`);
const tokenFile = join(dir, 'trigger-token');
writeFileSync(tokenFile, 'file-trigger-token-0123456789\n');
const kubeconfig = join(dir, 'kubeconfig');

/** A value for each flag that differs from its default (a boolean: set). */
const SAMPLES: Record<string, string | true> = {
  kubeconfig,
  'functions-url': 'https://functions.example.org',
  'cluster-id': 'env-rule',
  'signing-key': 'e'.repeat(36),
  'signing-key-file': keyFile,
  namespace: 'ops',
  'dry-run': true,
  listen: '0.0.0.0:9191',
  'trigger-token': 'flag-trigger-token-0123456789',
  'trigger-token-file': tokenFile,
  'heartbeat-seconds': '12',
  'hostname-prefix': 'er-',
  'adopt-vms': 'vm-1,vm-2',
  'max-deletions': '4',
  'vpsie-url': 'https://vpsie.example.org',
  'vpsie-project-id': 'project-7',
  'bootstrap-delivery': 'script',
  'vpsie-login-body': 'form',
  'vpsie-token-header': 'bearer',
  'join-endpoint': '10.1.2.3:6443',
  'no-leader-election': true,
  'no-startup-taint': true,
  'startup-taint-max-seconds': '90',
  identity: 'replica-9',
  'log-level': 'debug',
};
/** The minimum to be valid, given as flags unless the flag under test is one of them. */
const BASE: Record<string, string> = { 'functions-url': 'https://f.example.com', 'cluster-id': 'base', 'signing-key': key };
const CONFLICTS: Record<string, string> = { 'signing-key-file': 'signing-key', 'trigger-token-file': 'trigger-token' };

function baseArgs(except: string): string[] {
  const skip = new Set([except, CONFLICTS[except]]);
  return Object.entries(BASE).filter(([flag]) => !skip.has(flag)).flatMap(([flag, value]) => [`--${flag}`, value]);
}

const flags = Object.keys(FORWARDER_FLAGS).filter((f) => f !== 'help');

describe('forwarder: every flag from the environment', () => {
  it('has a sample for every flag, and the help lists every flag', () => {
    expect(Object.keys(SAMPLES).sort()).toEqual([...flags].sort());
    for (const flag of flags) expect(USAGE).toContain(`--${flag}`);
    const listed = [...USAGE.matchAll(/^ {2}--([a-z-]+)/gm)].map((m) => m[1]);
    expect(listed.sort()).toEqual([...flags].sort());
  });

  it.each(flags)('--%s and its variable give the same configuration', (flag) => {
    const sample = SAMPLES[flag]!;
    const byFlag = forwarderConfigFromArgs([...baseArgs(flag), ...(sample === true ? [`--${flag}`] : [`--${flag}`, sample])], {});
    const byEnv = forwarderConfigFromArgs(baseArgs(flag), { [flagEnvName('VPSIE_FWD_', flag)]: sample === true ? 'true' : sample });
    const defaults = forwarderConfigFromArgs(baseArgs(''), {});
    expect(byEnv).toEqual(byFlag);
    // The sample changes something (the rule is not true by doing nothing).
    expect(byFlag).not.toEqual(defaults);
  });

  it('a flag wins over its variable; a boolean variable "false" is no flag', () => {
    const config = forwarderConfigFromArgs([...baseArgs(''), '--heartbeat-seconds', '7'], { VPSIE_FWD_HEARTBEAT_SECONDS: '12', VPSIE_FWD_DRY_RUN: 'false' });
    expect(config.heartbeatMs).toBe(7_000);
    expect(config.dryRun).toBe(false);
    expect(() => forwarderConfigFromArgs(baseArgs(''), { VPSIE_FWD_DRY_RUN: 'yes' })).toThrow(/VPSIE_FWD_DRY_RUN: must be true or false/);
  });

  it('secrets come from files: --signing-key-file, --trigger-token-file (trimmed), a missing file is a clear error', () => {
    const config = forwarderConfigFromArgs([...baseArgs('signing-key'), '--signing-key-file', keyFile, '--trigger-token-file', tokenFile], {});
    expect(config.signingKey).toBe('f'.repeat(40));
    expect(config.triggerToken).toBe('file-trigger-token-0123456789');
    expect(() => forwarderConfigFromArgs([...baseArgs('signing-key'), '--signing-key-file', join(dir, 'absent')], {})).toThrow(/--signing-key-file .*absent: ENOENT/);
  });
});
