import { describe, expect, it } from 'vitest';
import { parseSimArgs, run } from './vpsie-sim.ts';

describe('vpsie-sim command', () => {
  it('parses the documented options', () => {
    expect(
      parseSimArgs(['--port', '0', '--token', 't', '--client-id', 'id', '--client-secret', 's', '--delete-password', 'pw', '--provision-seconds', '2.5', '--kubeconfig', '/k', '--login-shape', 'accessToken', '--quota', '3']),
    ).toEqual({ port: 0, hostname: '127.0.0.1', token: 't', clientId: 'id', clientSecret: 's', deletePassword: 'pw', provisionMs: 2500, bootMs: 0, kubeconfigPath: '/k', loginShape: 'accessToken', quota: 3 });
  });

  it('lists every problem', () => {
    expect(() => parseSimArgs(['--port', 'x', '--provision-seconds=-1', '--client-id', 'a'])).toThrow(/--port.*\n--provision-seconds.*\n--client-id and --client-secret go together/s);
    expect(() => parseSimArgs(['--bogus'])).toThrow();
  });

  it('serves until stopped and prints where it listens', async () => {
    const lines: string[] = [];
    const controller = new AbortController();
    const done = run(['--port', '0', '--token', 'tok'], { signal: controller.signal, out: (l) => lines.push(l) });
    for (let i = 0; i < 100 && lines.length < 4; i++) await new Promise((r) => setTimeout(r, 10));
    const url = lines[0]?.match(/listening on (http:\/\/\S+)/)?.[1];
    expect(url).toBeDefined();
    const response = await fetch(`${url}/apps/v2/vm`, { headers: { 'Vpsie-Auth': 'tok' } });
    expect(await response.json()).toMatchObject({ error: false });
    controller.abort();
    expect(await done).toBe(0);
    expect(lines.at(-1)).toBe('VPSie API simulator stopped');
  });
});
