import { afterEach } from 'vitest';
import { VpsieClient, type RequestEvent, type VpsieClientOptions, type VpsieCredentials, type LaunchRequest } from '../../forwarder/vpsie/index.ts';
import { ManualClock, SIM_CATEGORY, SIM_DC, SIM_OS_IMAGES, SIM_PLANS, startVpsieSimulator, type VpsieSimulator, type VpsieSimulatorOptions } from '../vpsie-sim/index.ts';

// Client against simulator, sharing one ManualClock: the client's injected sleep advances it, so
// backoff, breaker cool-offs, token expiry and provisioning all move together, with no real waiting.
// Only the per-call timeout is wall time (it guards a real socket): healthy calls get a generous one
// (no flakes on a loaded machine); tests that inject a hang pass SHORT_TIMEOUT_MS.

export type ContractEnv = {
  sim: VpsieSimulator['sim'];
  url: string;
  clock: ManualClock;
  client: VpsieClient;
  /** Every wait the client asked for, in ms. */
  sleeps: number[];
  events: RequestEvent[];
  /** Operations received by the simulator, in order. */
  ops(): string[];
  newClient(options?: Partial<VpsieClientOptions>): VpsieClient;
};

/** For tests that inject a hang (the simulator hangs 2 s): the client gives up well before. */
export const SHORT_TIMEOUT_MS = 300;

const running: VpsieSimulator[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((s) => s.stop()));
});

export const TOKEN_CREDENTIALS: VpsieCredentials = { kind: 'token', token: 'sim-token', deletePassword: 'sim-delete-password' };
export const CLIENT_CREDENTIALS: Extract<VpsieCredentials, { kind: 'client' }> = { kind: 'client', clientId: 'sim-client', clientSecret: 'sim-secret', deletePassword: 'sim-delete-password' };

export async function contractEnv(options: { sim?: VpsieSimulatorOptions; client?: Partial<VpsieClientOptions> } = {}): Promise<ContractEnv> {
  const clock = new ManualClock(Date.UTC(2025, 0, 1));
  const simulator = await startVpsieSimulator({ clock, provisionMs: 20_000, ...options.sim });
  running.push(simulator);
  const sleeps: number[] = [];
  const events: RequestEvent[] = [];
  const newClient = (overrides: Partial<VpsieClientOptions> = {}) =>
    new VpsieClient({
      baseUrl: simulator.url,
      credentials: TOKEN_CREDENTIALS,
      timeoutMs: 5_000,
      now: clock.now,
      sleep: async (ms) => {
        sleeps.push(ms);
        clock.advance(ms);
      },
      random: () => 0.5,
      onRequest: (event) => events.push(event),
      launch: { settleMs: 1_000 },
      ...options.client,
      ...overrides,
    });
  const client = newClient();
  const defaultAccount = options.sim?.projects === undefined && options.sim?.authHeader !== 'bearer-only';
  if (defaultAccount && (options.client?.credentials ?? TOKEN_CREDENTIALS).kind === 'token') {
    // As a forwarder does once: the default project is resolved before the calls a test counts.
    await client.resolveProject(SIM_PROJECT);
    simulator.sim.clearCalls();
    events.splice(0);
  }
  return {
    sim: simulator.sim,
    url: simulator.url,
    clock,
    client,
    sleeps,
    events,
    ops: () => simulator.sim.calls().map((c) => c.operation),
    newClient,
  };
}

/** The simulator's default project, by name (the client resolves it to id 7 through /apps/v2/projects). */
export const SIM_PROJECT = 'sim-project';

/** A valid launch request against the simulator's catalogue. */
export function launchRequest(overrides: Partial<LaunchRequest> = {}): LaunchRequest {
  const plan = SIM_PLANS.find((p) => p.categoryIdentifier === SIM_CATEGORY.general)!;
  return {
    hostname: 'c1-workers-abc12',
    resourceIdentifier: plan.identifier,
    osIdentifier: SIM_OS_IMAGES['ubuntu-22.04'],
    dcIdentifier: SIM_DC.newYork,
    projectId: SIM_PROJECT,
    userData: '#cloud-config\nruncmd: [echo hello]\n',
    tags: ['autoscaler', 'cluster-c1'],
    ...overrides,
  };
}

export async function caught(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected the call to fail');
}
