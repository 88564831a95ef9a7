import { serve } from '@hono/node-server';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { createSimApp } from './app.ts';
import { ManualClock, realClock, type SimClock } from './clock.ts';
import { SimState, type SimConfig, type SimHook } from './state.ts';

export type VpsieSimulatorOptions = Partial<SimConfig> & {
  /** 0 (default) picks a free port. */
  port?: number;
  /** Default 127.0.0.1. */
  hostname?: string;
  /** Default: the real clock. A ManualClock makes provisioning advance only when the test says so. */
  clock?: SimClock;
  /** How often the server applies due transitions on its own. Default 100 ms on the real clock, off on a manual one. */
  tickIntervalMs?: number;
  /** Registers kwok Nodes for active VMs in the cluster of this kubeconfig (see cluster-hook.ts). */
  kubeconfigPath?: string;
  /** Where the cluster hook reports what it did and what failed. Default: stderr. */
  clusterLog?: (message: string) => void;
  hooks?: SimHook[];
};

export type VpsieSimulator = {
  /** Base URL to give the client, e.g. http://127.0.0.1:41234 */
  url: string;
  port: number;
  /** Controls and observations: inject, configure, calls, vms, tick, advance, settled, … */
  sim: SimState;
  stop(): Promise<void>;
};

export async function startVpsieSimulator(options: VpsieSimulatorOptions = {}): Promise<VpsieSimulator> {
  const { port = 0, hostname = '127.0.0.1', clock = realClock, tickIntervalMs, kubeconfigPath, clusterLog, hooks = [], ...config } = options;
  const state = new SimState(clock, config);
  for (const hook of hooks) state.addHook(hook);
  let closeHook: (() => Promise<void>) | undefined;
  if (kubeconfigPath) {
    const { createClusterHook } = await import('./cluster-hook.ts');
    const hook = createClusterHook({ kubeconfigPath, ...(clusterLog ? { log: clusterLog } : {}) });
    state.addHook(hook);
    closeHook = () => hook.close();
  }
  const shutdown = new AbortController();
  const app = createSimApp(state, shutdown.signal);

  const server = await new Promise<Server>((resolve, reject) => {
    const s = serve({ fetch: app.fetch, port, hostname }, () => resolve(s as Server)) as Server;
    s.once('error', reject);
  });
  const address = server.address() as AddressInfo;
  // A ManualClock moves only when told; any other clock (real, skippable) flows, so tick on a timer.
  const interval = tickIntervalMs ?? (clock instanceof ManualClock ? 0 : 100);
  const ticker = interval > 0 ? setInterval(() => state.tick(), interval) : undefined;
  ticker?.unref();

  return {
    url: `http://${hostname}:${address.port}`,
    port: address.port,
    sim: state,
    async stop() {
      if (ticker) clearInterval(ticker);
      shutdown.abort();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await state.settled();
      await closeHook?.();
    },
  };
}
