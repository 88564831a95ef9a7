import { serve, type ServerType } from '@hono/node-server';
import type { AddressInfo } from 'node:net';
import type { Logger } from '../shared/logger.ts';
import { createApp } from './app.ts';
import { composeDeps } from './compose.ts';
import { parseFunctionsConfig, type FunctionsConfig } from './config.ts';
import { startEmbeddedStore, type EmbeddedStore } from './embedded-store.ts';
import { runHousekeeping } from './housekeeping.ts';
import type { AppDeps } from './routes/deps.ts';

// The functions on a plain Node HTTP server (local runs, e2e, benchmarks).

export interface LocalServer {
  url: string;
  port: number;
  close(): Promise<void>;
}

export async function startLocalServer(deps: AppDeps, options: { port?: number; host?: string } = {}): Promise<LocalServer> {
  const app = createApp(deps);
  const host = options.host ?? '127.0.0.1';
  const server: ServerType = await new Promise((resolve, reject) => {
    const s = serve({ fetch: app.fetch, port: options.port ?? 0, hostname: host }, () => resolve(s));
    s.once('error', reject);
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${host}:${port}`,
    port,
    close: () => new Promise<void>((resolve) => {
      if ('closeAllConnections' in server) server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}

export interface LocalFunctionsOptions {
  port?: number;
  host?: string;
  /** Configuration input (see config.ts); tableName defaults to the embedded store's table. */
  config: Record<string, unknown>;
  /** Use this DynamoDB endpoint instead of starting the embedded store. */
  dynamoEndpoint?: string;
  /** Keep the embedded store's data in this folder. */
  dataDir?: string;
  housekeepingEveryMs?: number;
  logger?: Logger;
}

export interface LocalFunctions extends LocalServer {
  config: FunctionsConfig;
  deps: AppDeps;
  /** The embedded store, when one was started. */
  store?: EmbeddedStore;
}

/**
 * The functions as a local service: the embedded DynamoDB-compatible store (unless an endpoint is
 * given), the HTTP server and a housekeeping timer. Used by `vpsie-autoscaler functions`, `start` and `demo`.
 * Throws ConfigError (every problem listed) before starting anything when the configuration is bad.
 */
export async function startLocalFunctions(options: LocalFunctionsOptions): Promise<LocalFunctions> {
  const external = options.dynamoEndpoint ?? (options.config.dynamoEndpoint as string | undefined);
  // Validate first (with a placeholder table) so a bad configuration starts nothing.
  parseFunctionsConfig({ tableName: 'vpsie-autoscaler-state', ...options.config });
  const store = external ? undefined : await startEmbeddedStore({ ...(typeof options.config.tableName === 'string' ? { tableName: options.config.tableName } : {}), ...(options.dataDir ? { dataDir: options.dataDir } : {}) });
  try {
    const config = parseFunctionsConfig({ ...options.config, tableName: options.config.tableName ?? store?.tableName, dynamoEndpoint: external ?? store?.endpoint });
    const deps = composeDeps(config, { ...(store ? { client: store.client } : {}), ...(options.logger ? { logger: options.logger } : {}) });
    const server = await startLocalServer(deps, { ...(options.port !== undefined ? { port: options.port } : {}), ...(options.host ? { host: options.host } : {}) });
    const timer = setInterval(() => void runHousekeeping(deps).catch(() => undefined), options.housekeepingEveryMs ?? 5 * 60_000);
    timer.unref();
    return {
      ...server,
      config,
      deps,
      ...(store ? { store } : {}),
      close: async () => {
        clearInterval(timer);
        await server.close();
        await store?.stop();
      },
    };
  } catch (error) {
    await store?.stop();
    throw error;
  }
}
