import type { HttpBindings } from '@hono/node-server';
import type { Context, Next } from 'hono';
import { setTimeout as sleep } from 'node:timers/promises';
import { operationOf } from './operations.ts';
import type { SimState } from './state.ts';
import { failure, HTML_502, unknownRoute } from './wire.ts';

// Records every API call and applies the next matching injected fault. Wire-level faults (hang, drop)
// act on the real socket, so the client sees what it would see from a real network.

export type SimEnv = { Bindings: HttpBindings; Variables: { materialise: 'normal' | 'vanish' | 'stuck' | 'never-ready'; visibilityDelayMs: number | undefined } };

const DEFAULT_HANG_MS = 30_000;

export function faultMiddleware(state: SimState, shutdown: AbortSignal) {
  return async (c: Context<SimEnv>, next: Next): Promise<Response | void> => {
    const method = c.req.method;
    const path = c.req.path;
    const operation = operationOf(method, path);
    state.tick();
    const fault = state.faults.take({ operation, method, path });
    const query = new URL(c.req.url).search.slice(1);
    state.recordCall({ method, path, operation, ...(query ? { query } : {}), ...(fault ? { fault: fault.kind } : {}) });
    c.set('materialise', 'normal');
    c.set('visibilityDelayMs', undefined);
    if (state.config.latencyMs > 0) await sleepUnlessShutdown(state.config.latencyMs, shutdown);
    if (!fault) return next();

    const drop = () => {
      c.env.outgoing.socket?.destroy();
      c.env.incoming.socket?.destroy();
    };
    const hang = (ms: number) => sleepUnlessShutdown(ms, shutdown);

    switch (fault.kind) {
      case 'status':
      case 'html502':
      case 'errorOn200': {
        const answer = () =>
          fault.kind === 'html502'
            ? c.html(HTML_502, 502)
            : fault.kind === 'status'
              ? c.json(failure(fault.status ?? 500, fault.message ?? 'Internal Server Error'), (fault.status ?? 500) as 500)
              : c.json(failure(fault.code ?? 500, fault.message ?? 'Something went wrong, please try again'), 200);
        if (!fault.afterHandling) return answer();
        await next();
        // the request took effect; the caller gets the failure instead of the real answer
        c.res = undefined;
        c.res = answer();
        return;
      }
      case 'rateLimit':
        c.header('Retry-After', String(fault.retryAfterSeconds ?? 1));
        return c.json(failure(429, 'Too Many Requests'), 429);
      case 'respond':
        for (const [name, value] of Object.entries(fault.headers ?? {})) c.header(name, value);
        c.header('Content-Type', fault.contentType ?? 'application/json');
        return c.body(fault.body, (fault.status ?? 200) as 200);
      case 'slow':
        await hang(fault.delayMs);
        return next();
      case 'createNeverMaterialises':
        c.set('materialise', fault.mode ?? 'vanish');
        return next();
      case 'kubeletNeverReady':
        c.set('materialise', 'never-ready');
        return next();
      case 'delayVisibility':
        c.set('visibilityDelayMs', fault.delayMs);
        return next();
      case 'wrongRoute':
        return c.json(unknownRoute(), 404);
      case 'emptyAnswer':
      case 'noData':
        await next();
        c.res = undefined;
        c.res = fault.kind === 'emptyAnswer' ? c.body(null, 204) : c.json({ error: false, message: 'done' });
        return;
      case 'unreadableRows': {
        await next();
        const answer = (await c.res.clone().json()) as { data?: unknown };
        const extra = fault.rows ?? [{ id: 'x', status: 'odd', hostname: null }];
        const data = answer.data;
        if (Array.isArray(data)) data.push(...extra);
        else if (typeof data === 'object' && data !== null && Array.isArray((data as { rows?: unknown[] }).rows)) (data as { rows: unknown[] }).rows.push(...extra);
        c.res = undefined;
        c.res = c.json(answer);
        return;
      }
      case 'lostAnswer':
        if (fault.visibilityDelayMs !== undefined) c.set('visibilityDelayMs', fault.visibilityDelayMs);
        await next();
        if (fault.hangMs) await hang(fault.hangMs);
        drop();
        return c.body(null, 500);
      case 'timeout':
        if (fault.afterHandling) await next();
        await hang(fault.hangMs ?? DEFAULT_HANG_MS);
        drop();
        return c.body(null, 500);
      case 'reset':
        if (fault.afterHandling) await next();
        drop();
        return c.body(null, 500);
    }
  };
}

async function sleepUnlessShutdown(ms: number, shutdown: AbortSignal): Promise<void> {
  try {
    await sleep(ms, undefined, { signal: shutdown });
  } catch {
    // shutting down: stop waiting
  }
}
