import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { signMessage } from '../../shared/signing.ts';
import { snapshot } from '../../test/fixtures/snapshot-builders.ts';
import { FUNCTIONS_DEFAULT_PORT, FUNCTIONS_FLAGS, FUNCTIONS_USAGE, run } from './functions.ts';
import { FORWARDER_FLAGS } from '../../forwarder/cli.ts';
import { forwarderConfigFromArgs } from '../../forwarder/cli.ts';

// `functions`: every option from the environment (VPSIE_AUTOSCALER_<OPTION>), secrets from files, and
// a default port of its own (the forwarder's is 8080: both on one machine must not collide).

const KEY = 'an-env-signing-key-for-the-cli-test-0123456789';

describe('vpsie-autoscaler functions: environment, secret files, port', () => {
  it('the help lists every flag and states the rule', () => {
    const listed = [...FUNCTIONS_USAGE.matchAll(/^ {2}--([a-z-]+)/gm)].map((m) => m[1]);
    expect(listed.sort()).toEqual(Object.keys(FUNCTIONS_FLAGS).filter((f) => f !== 'help').sort());
    expect(FUNCTIONS_USAGE).toContain('--some-option as VPSIE_AUTOSCALER_SOME_OPTION');
  });

  it('does not share its default port with the forwarder', () => {
    expect(Object.keys(FORWARDER_FLAGS)).toContain('listen');
    const forwarder = forwarderConfigFromArgs(['--functions-url', 'https://f.example.com', '--cluster-id', 'p', '--signing-key', KEY], {});
    expect(FUNCTIONS_DEFAULT_PORT).not.toBe(forwarder.listenPort);
    expect(FUNCTIONS_USAGE).toContain(`default ${FUNCTIONS_DEFAULT_PORT}`);
  });

  it('starts from the environment alone, the signing key read from a file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fn-env-'));
    writeFileSync(join(dir, 'key'), `${KEY}\n`);
    const lines: string[] = [];
    const controller = new AbortController();
    const done = run([], {
      signal: controller.signal,
      out: (line) => lines.push(line),
      env: {
        VPSIE_AUTOSCALER_PORT: '0', VPSIE_AUTOSCALER_CLUSTER_ID: 'envc', VPSIE_AUTOSCALER_SIGNING_KEY_FILE: join(dir, 'key'),
        VPSIE_AUTOSCALER_TRIGGER_TOKEN: 'trigger-token-0123456789', VPSIE_AUTOSCALER_LOG_LEVEL: 'silent',
      },
    });
    await vi.waitFor(() => expect(lines[0]).toMatch(/^functions listening on http:\/\/127\.0\.0\.1:\d+$/), { timeout: 20_000 });
    const url = lines[0]!.replace('functions listening on ', '');
    expect(lines.join('\n')).toContain('clusters: envc');
    // The key from the file signs: a reconcile signed with it is answered.
    const body = JSON.stringify(snapshot({ clusterId: 'envc', takenAtMs: Date.now() }));
    const headers = signMessage({ key: KEY, clusterId: 'envc', method: 'POST', path: '/v1/reconcile', body, nowMs: Date.now() });
    const response = await fetch(`${url}/v1/reconcile`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
    expect(response.status).toBe(200);
    controller.abort();
    expect(await done).toBe(0);
  });

  it('a bad value from the environment is refused like the flag, naming it', async () => {
    const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      expect(await run([], { env: { VPSIE_AUTOSCALER_PORT: 'eighty', VPSIE_AUTOSCALER_CLUSTER_ID: 'envc', VPSIE_AUTOSCALER_SIGNING_KEY: KEY, VPSIE_AUTOSCALER_TRIGGER_TOKEN: 'trigger-token-0123456789' } })).toBe(2);
      expect(stderr.mock.calls.map((c) => String(c[0])).join('')).toContain('--port must be 0-65535, got "eighty"');
    } finally {
      stderr.mockRestore();
    }
  });
});
