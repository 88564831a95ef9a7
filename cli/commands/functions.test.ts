import { describe, expect, it, vi } from 'vitest';
import { signMessage } from '../../shared/signing.ts';
import { snapshot } from '../../test/fixtures/snapshot-builders.ts';
import { run } from './functions.ts';

// `vpsie-autoscaler functions` end to end: flags → embedded store → a server that answers a signed reconcile.

const KEY = 'a-signing-key-for-the-cli-test-0123456789';

describe('vpsie-autoscaler functions', () => {
  it('serves the functions with an embedded store and prints where it listens', async () => {
    const lines: string[] = [];
    const controller = new AbortController();
    const done = run(['--port', '0', '--cluster-id', 'test', '--signing-key', KEY, '--trigger-token', 'trigger-token-0123456789', '--log-level', 'silent'], {
      signal: controller.signal,
      out: (line) => lines.push(line),
    });
    await vi.waitFor(() => expect(lines[0]).toMatch(/^functions listening on http:\/\/127\.0\.0\.1:\d+$/), { timeout: 20_000 });
    const url = lines[0]!.replace('functions listening on ', '');
    expect(lines.join('\n')).toMatch(/store: embedded dynalite at http:\/\/127\.0\.0\.1:\d+, table vpsie-autoscaler-state/);

    expect((await fetch(`${url}/healthz`)).status).toBe(200);
    const body = JSON.stringify(snapshot({ takenAtMs: Date.now() }));
    const headers = signMessage({ key: KEY, clusterId: 'test', method: 'POST', path: '/v1/reconcile', body, nowMs: Date.now() });
    const response = await fetch(`${url}/v1/reconcile`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ clusterId: 'test', fencingToken: 1 });

    controller.abort();
    expect(await done).toBe(0);
    expect(lines.at(-1)).toBe('functions stopped');
  });

  it('lists every configuration problem and starts nothing', async () => {
    const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      const code = await run(['--port', '0', '--cluster-id', 'Bad_Id', '--signing-key', 'short', '--trigger-token', 'x']);
      expect(code).toBe(2);
      const text = stderr.mock.calls.map((c) => String(c[0])).join('');
      expect(text).toMatch(/clusters\.Bad_Id/);
      expect(text).not.toContain('short');
    } finally {
      stderr.mockRestore();
    }
  });

  it('refuses cluster flags without --cluster-id', async () => {
    const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      expect(await run(['--signing-key', KEY])).toBe(2);
      expect(stderr.mock.calls.map((c) => String(c[0])).join('')).toMatch(/need --cluster-id/);
    } finally {
      stderr.mockRestore();
    }
  });
});
