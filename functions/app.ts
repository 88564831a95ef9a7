import { Hono } from 'hono';
import { describeError } from '../shared/errors.ts';
import { errorResponse } from './http/error-response.ts';
import { reconcileMetricLines } from './metrics.ts';
import type { AppDeps } from './routes/deps.ts';
import type { AppEnv } from './routes/env.ts';
import { reconcileRoute } from './routes/reconcile-route.ts';
import { statusRoute } from './routes/status-route.ts';
import { triggerRoute } from './routes/trigger-route.ts';

export type { AppDeps } from './routes/deps.ts';

/**
 * The functions as one hono app — the same on Lambda (lambda.ts) and on Node (local.ts).
 * Errors become HTTP answers here and only here (app.onError).
 */
export function createApp(deps: AppDeps): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  const log = deps.logger.child({ component: 'http' });

  app.use(async (c, next) => {
    const startedMs = performance.now();
    c.set('requestId', deps.newId());
    await next();
    c.header('x-request-id', c.get('requestId'));
    const status = c.res.status;
    const fields = { requestId: c.get('requestId'), method: c.req.method, path: c.req.path, status, durationMs: Math.round(performance.now() - startedMs), cluster: c.get('clusterId'), ...c.get('logFields') };
    if (status >= 500) log.error(fields, 'request failed');
    else log.info(fields, 'request');
    if (deps.metrics && c.req.method === 'POST' && c.req.path === '/v1/reconcile') {
      const refused = c.get('logFields')?.refused;
      for (const line of reconcileMetricLines({ nowMs: deps.clock(), cluster: c.get('clusterId'), status, durationMs: fields.durationMs, refused: typeof refused === 'string' ? refused : undefined, plan: c.get('plan') })) deps.metrics(line);
    }
  });

  app.get('/healthz', (c) => c.json({ status: 'ok' }));
  reconcileRoute(app, deps);
  triggerRoute(app, deps);
  statusRoute(app, deps);

  app.notFound((c) => c.json({ error: 'not-found', message: `no route for ${c.req.method} ${c.req.path}` }, 404));
  app.onError((error, c) => {
    const requestId = c.get('requestId') ?? 'unknown';
    const { status, body, headers } = errorResponse(error, requestId);
    if (status >= 500) log.error({ requestId, err: error, error: describeError(error) }, 'internal error');
    else c.set('logFields', { ...c.get('logFields'), refused: body.error, reason: describeError(error) });
    return c.json(body, status, headers);
  });
  return app;
}
