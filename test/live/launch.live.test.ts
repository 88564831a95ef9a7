import { describe, expect, it, vi } from 'vitest';
import { run } from '../../cli/commands/doctor.ts';
import { liveSettings } from './live-settings.ts';

// VPSIE_LIVE_LAUNCH=1 only (test/live/vitest.config.ts includes this file then): doctor --launch-test
// against the real account and a real cluster — buys the cheapest plan of the first NodeGroup, waits
// for its Node to be Ready, deletes it. It costs money (at least an hour of that plan).

const settings = liveSettings(process.env);

describe('VPSie live: doctor --launch-test', () => {
  it('a VM joins as a Ready Node and is deleted again', async () => {
    let out = '';
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      out += String(chunk);
      return true;
    });
    const env = process.env;
    const code = await run([
      '--vpsie-url', settings.baseUrl, '--token', settings.token, '--project', settings.project ?? '', '--kubeconfig', env['VPSIE_LIVE_KUBECONFIG']!,
      '--join-endpoint', env['VPSIE_LIVE_JOIN_ENDPOINT']!, '--delete-password', env['VPSIE_LIVE_DELETE_PASSWORD']!, '--launch-test', '--yes',
      // The other checks must pass too (the launch runs only then): --functions-url, --cluster-id, --signing-key-file, ...
      ...(env['VPSIE_LIVE_DOCTOR_ARGS']?.split(/\s+/).filter(Boolean) ?? []),
    ], env, { isTTY: false, ask: () => Promise.reject(new Error('--yes was given')) });
    vi.restoreAllMocks();
    process.stdout.write(out);
    expect(out).toMatch(/✓ launch test NodeGroup .* joined as a Ready Node in [\d.]+ s and was deleted/);
    expect(code).toBe(0);
  }, 20 * 60_000);
});
