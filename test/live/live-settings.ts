import { join } from 'node:path';

// What `npm run test:live` needs, from the environment. Without VPSIE_LIVE_TOKEN the run FAILS with
// this message (a live suite that passes without touching VPSie would prove nothing).

export type LiveSettings = {
  token: string;
  baseUrl: string;
  /** The project to list (numeric id, UUID or name); default: the account's default project. */
  project: string | undefined;
  /** For the plans listing: a datacenter (default the first active one) and an OS image (no public list). */
  datacenter: string | undefined;
  osImage: string | undefined;
  shapesFile: string;
  launch: boolean;
};

export const LIVE_USAGE = `npm run test:live runs read-only checks against a real VPSie account. It needs:
  VPSIE_LIVE_TOKEN      an API token of the account (required)
  VPSIE_LIVE_URL        the API host (default https://api.vpsie.com; a staging host here)
  VPSIE_LIVE_PROJECT    the project (numeric id, UUID or name; default the account's default project)
  VPSIE_LIVE_OS         an OS image identifier, for the plans listing (required by that check)
  VPSIE_LIVE_DC         a datacenter identifier (default the first active one)
  VPSIE_LIVE_SHAPES     where the answers' shapes are written (default test/live/recorded-shapes.json)
  VPSIE_LIVE_LAUNCH=1   also run doctor --launch-test --yes (buys and deletes one VM), with
                        VPSIE_LIVE_KUBECONFIG, VPSIE_LIVE_JOIN_ENDPOINT, VPSIE_LIVE_DELETE_PASSWORD and the
                        rest of doctor's options in VPSIE_LIVE_DOCTOR_ARGS (--functions-url ... --signing-key-file ...)`;

export class LiveSetupError extends Error {
  override name = 'LiveSetupError';
}

export function liveSettings(env: Record<string, string | undefined>): LiveSettings {
  const token = env['VPSIE_LIVE_TOKEN']?.trim();
  if (!token) throw new LiveSetupError(`VPSIE_LIVE_TOKEN is not set: nothing was checked against VPSie.\n${LIVE_USAGE}`);
  const launch = env['VPSIE_LIVE_LAUNCH'] === '1';
  if (launch) {
    const missing = ['VPSIE_LIVE_KUBECONFIG', 'VPSIE_LIVE_JOIN_ENDPOINT', 'VPSIE_LIVE_DELETE_PASSWORD'].filter((k) => !env[k]);
    if (missing.length > 0) throw new LiveSetupError(`VPSIE_LIVE_LAUNCH=1 needs ${missing.join(', ')}.\n${LIVE_USAGE}`);
  }
  return {
    token,
    baseUrl: env['VPSIE_LIVE_URL'] || 'https://api.vpsie.com',
    project: env['VPSIE_LIVE_PROJECT'] || undefined,
    datacenter: env['VPSIE_LIVE_DC'] || undefined,
    osImage: env['VPSIE_LIVE_OS'] || undefined,
    shapesFile: env['VPSIE_LIVE_SHAPES'] || join(import.meta.dirname, 'recorded-shapes.json'),
    launch,
  };
}
