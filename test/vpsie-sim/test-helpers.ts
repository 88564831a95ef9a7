import { afterEach } from 'vitest';
import { SIM_CATEGORY, SIM_DC, SIM_OS_IMAGES, SIM_PLANS } from './catalogue.ts';
import { ManualClock } from './clock.ts';
import { startVpsieSimulator, type VpsieSimulator, type VpsieSimulatorOptions } from './server.ts';

// Raw-HTTP helpers for the simulator's own tests: they check the wire, not the client.

const running: VpsieSimulator[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((s) => s.stop()));
});

export type RawSim = VpsieSimulator & {
  clock: ManualClock;
  call(method: string, path: string, options?: { json?: unknown; form?: Record<string, string>; headers?: Record<string, string>; auth?: string | null }): Promise<{ status: number; headers: Headers; text: string; body: any }>;
};

export async function rawSim(options: VpsieSimulatorOptions = {}): Promise<RawSim> {
  const clock = new ManualClock(Date.UTC(2025, 5, 1));
  const sim = await startVpsieSimulator({ clock, provisionMs: 10_000, ...options });
  running.push(sim);
  return {
    ...sim,
    clock,
    async call(method, path, { json, form, headers = {}, auth = 'sim-token' } = {}) {
      const h: Record<string, string> = { ...headers };
      if (auth !== null) h['Vpsie-Auth'] = auth;
      let body: string | undefined;
      if (json !== undefined) {
        h['Content-Type'] = 'application/json';
        body = JSON.stringify(json);
      } else if (form) {
        h['Content-Type'] = 'application/x-www-form-urlencoded';
        body = new URLSearchParams(form).toString();
      }
      const response = await fetch(sim.url + path, { method, headers: h, ...(body !== undefined ? { body } : {}) });
      const text = await response.text();
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch {
        parsed = undefined;
      }
      return { status: response.status, headers: response.headers, text, body: parsed };
    },
  };
}

export const generalPlan = SIM_PLANS.find((p) => p.categoryIdentifier === SIM_CATEGORY.general)!;

export function createBody(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    resourceIdentifier: generalPlan.identifier,
    osIdentifier: SIM_OS_IMAGES['ubuntu-22.04'],
    dcIdentifier: SIM_DC.newYork,
    hostname: 'w-1',
    projectId: 'proj',
    processId: 'proc-1',
    addPublicIpV4: '1',
    addPrivateIp: '1',
    ...overrides,
  };
}
