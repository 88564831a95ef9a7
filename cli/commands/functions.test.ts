import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it, vi } from 'vitest';
import { parseFunctionsConfig } from '../../functions/config.ts';
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

  describe('clusters whose hostname prefixes collide', () => {
    const BIN = fileURLToPath(new URL('../../bin/vpsie-autoscaler.mjs', import.meta.url));
    const cluster = (extra: Record<string, unknown> = {}) => ({ signingKey: KEY, triggerToken: 'trigger-token-0123456789', ...extra });

    it('are refused at start-up by the CLI (exit 2), naming both clusters and no secret', () => {
      const clusters = { c1: cluster(), 'c1-eu': cluster() };
      const cli = spawnSync(process.execPath, [BIN, 'functions', '--port', '0', '--log-level', 'silent'], {
        env: { ...process.env, VPSIE_AUTOSCALER_CLUSTERS: JSON.stringify(clusters) },
        encoding: 'utf8',
        timeout: 60_000,
      });
      expect(cli.status).toBe(2);
      expect(cli.stderr).toMatch(/clusters "c1" \(hostname prefix "c1-"\) and "c1-eu" \(hostname prefix "c1-eu-"\) collide/);
      expect(cli.stderr).not.toContain(KEY);
      expect(cli.stdout).not.toMatch(/listening/);
    });

    it('an explicit prefix that starts another cluster\'s is refused too; distinct prefixes are accepted', () => {
      const base = { tableName: 'state-table' };
      expect(() => parseFunctionsConfig({ ...base, clusters: { a: cluster({ hostnamePrefix: 'prod-' }), b: cluster({ hostnamePrefix: 'prod-eu-' }) } })).toThrow(/"a" \(hostname prefix "prod-"\) and "b" \(hostname prefix "prod-eu-"\)/);
      expect(() => parseFunctionsConfig({ ...base, clusters: { a: cluster({ hostnamePrefix: 'same-' }), b: cluster({ hostnamePrefix: 'same-' }) } })).toThrow(/collide/);
      const ok = parseFunctionsConfig({ ...base, clusters: { c1: cluster(), 'c1-eu': cluster({ hostnamePrefix: 'eu1-' }) } });
      expect(Object.keys(ok.clusters)).toEqual(['c1', 'c1-eu']);
    });
  });
});
