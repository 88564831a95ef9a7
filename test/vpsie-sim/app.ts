import { Hono, type Context } from 'hono';
import { plansFor, SIM_CATEGORIES, SIM_DATACENTERS } from './catalogue.ts';
import { faultMiddleware, type SimEnv } from './fault-middleware.ts';
import type { SimState } from './state.ts';
import { envelope, failure, list, pendingItem, planRow, timestamp, unknownRoute, vmRow } from './wire.ts';
import { adminRoutes } from './admin.ts';

// The simulated VPSie API: the same paths and shapes as VPSIE-API.md, quirks included.

async function jsonBody(c: Context<SimEnv>): Promise<Record<string, unknown>> {
  try {
    const body: unknown = await c.req.json();
    return typeof body === 'object' && body !== null && !Array.isArray(body) ? (body as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

/** Form fields only: the plans endpoint ignores a JSON body, as the real one expects form encoding. */
async function formBody(c: Context<SimEnv>): Promise<Record<string, string>> {
  const type = c.req.header('content-type') ?? '';
  if (!type.includes('application/x-www-form-urlencoded') && !type.includes('multipart/form-data')) return {};
  const body = await c.req.parseBody();
  return Object.fromEntries(Object.entries(body).filter((e): e is [string, string] => typeof e[1] === 'string'));
}

/** Login accepts JSON (the SDK) and form encoding (a later tool). */
async function anyBody(c: Context<SimEnv>): Promise<Record<string, unknown>> {
  const form = await formBody(c);
  return Object.keys(form).length > 0 ? form : jsonBody(c);
}

function tokenOf(c: Context<SimEnv>, mode: 'any' | 'bearer-only'): string | undefined {
  const header = c.req.header('vpsie-auth');
  if (header && mode === 'any') return header.trim();
  const bearer = c.req.header('authorization')?.match(/^Bearer\s+(.+)$/i)?.[1];
  return bearer?.trim();
}

export function createSimApp(state: SimState, shutdown: AbortSignal): Hono<SimEnv> {
  const app = new Hono<SimEnv>();
  app.route('/__sim', adminRoutes(state));

  const api = new Hono<SimEnv>();
  api.use('*', faultMiddleware(state, shutdown));

  api.post('/apps/v2/auth/from/api', async (c) => {
    const body = state.config.loginBody === 'form-only' ? await formBody(c) : await anyBody(c);
    if (state.config.loginBody === 'form-only' && !body['clientId']) return c.json(failure(400, 'clientId is required'), 400); // GUESS: the text
    const session = state.login(body['clientId'], body['clientSecret']);
    if (!session) return c.json(failure(401, 'Invalid clientId or clientSecret'), 401); // GUESS: the text and the 401
    const expires = new Date(session.expiresAtMs).toISOString();
    const refreshExpires = new Date(session.expiresAtMs + 23 * 3_600_000).toISOString();
    const access = { token: session.accessToken, expires };
    const refresh = { token: session.refreshToken, expires: refreshExpires };
    return c.json(state.config.loginShape === 'token' ? { token: { access, refresh } } : { accessToken: access, refreshToken: refresh });
  });

  api.use('*', async (c, next) => {
    if (!state.isAuthorised(tokenOf(c, state.config.authHeader))) return c.json(failure(401, 'Please authenticate'), 401);
    return next();
  });

  api.get('/apps/v2/vm', (c) => {
    // GUESS: the filter takes the numeric id or the UUID (the SDK's ListServer passes a free string).
    const wanted = c.req.query('projectId');
    const projectId = wanted ? state.projectIdOf(wanted) : undefined;
    const rows = state.listedVms().filter((vm) => !projectId || vm.projectId === projectId).map(vmRow);
    return c.json(list(rows, state.config.listStyle));
  });

  api.get('/apps/v2/vm/pending', (c) => c.json(list(state.pendingVms().map(pendingItem), state.config.listStyle)));

  api.get('/apps/v2/vm/:identifier', (c) => {
    const vm = state.findVm(c.req.param('identifier'));
    if (!vm) return state.config.notFoundStyle === 'data-false' ? c.json(envelope(false)) : c.json({ error: true, message: 'Not found', stack: '' });
    return c.json(envelope({ vmData: vmRow(vm), vmTags: vm.tags }));
  });

  api.post('/apps/v2/vm', async (c) => {
    const problem = state.createVm(await jsonBody(c), c.get('materialise'), c.get('visibilityDelayMs'));
    if (problem) return c.json(failure(problem.code, problem.message), 200);
    // No VM id in the answer: the caller must correlate by hostname / processId.
    return c.json({ error: false, data: true, message: 'VM creation has been started' });
  });

  api.delete('/apps/v2/vm', async (c) => {
    const problem = state.deleteVm(await jsonBody(c));
    if (problem) return c.json(failure(problem.code, problem.message), 200);
    return c.json(envelope(true));
  });

  api.get('/apps/v2/datacenter', (c) => {
    const offset = Math.max(0, Number(c.req.query('offset') ?? 0) || 0);
    const limit = Math.max(1, Number(c.req.query('limit') ?? 10) || 10);
    return c.json(list(SIM_DATACENTERS.slice(offset, offset + limit), state.config.listStyle, SIM_DATACENTERS.length));
  });

  api.get('/api/v2/plans/category', (c) => c.json(envelope(SIM_CATEGORIES, SIM_CATEGORIES.length)));

  api.post('/apps/v2/resources', async (c) => {
    const form = await formBody(c);
    // GUESS: the texts and that a missing field is an error inside HTTP 200.
    for (const key of ['dcIdentifier', 'osIdentifier', 'planCatIdentifier']) {
      if (!form[key]) return c.json(failure(400, `${key} is required`), 200);
    }
    if (state.config.plansForm === 'evidence' && (form['name'] !== 'query' || form['description'] !== 'query')) {
      return c.json(failure(400, 'name and description are required'), 200);
    }
    const dcIdentifier = form['dcIdentifier']!;
    const category = SIM_CATEGORIES.find((cat) => cat.identifier === form['planCatIdentifier']);
    if (!SIM_DATACENTERS.some((d) => d.identifier === dcIdentifier)) return c.json(failure(400, 'Invalid dcIdentifier'), 200);
    if (!state.config.osImages.includes(form['osIdentifier']!)) return c.json(failure(400, 'Invalid osIdentifier'), 200);
    if (!category) return c.json(failure(400, 'Invalid planCatIdentifier'), 200);
    const rows = plansFor(dcIdentifier, category.identifier, state.plans).map((p) => planRow(p, category.name));
    return c.json(envelope(rows, rows.length));
  });

  api.post('/apps/v2/tags/add', async (c) => {
    // The body as VPSIE-API.md gives it: {entity, identifier, tags}.
    const body = await jsonBody(c);
    const tags = Array.isArray(body['tags']) ? body['tags'].filter((t): t is string => typeof t === 'string') : [];
    const problem = state.addTags(typeof body['entity'] === 'string' ? body['entity'] : '', String(body['identifier'] ?? ''), tags);
    if (problem) return c.json(failure(problem.code, problem.message), 200);
    return c.json(envelope(true));
  });

  api.get('/apps/v2/tags', (c) => {
    // GET /apps/v2/tags?entity=&identifier= (VPSIE-API.md); GUESS: the answer is the names as a bare array.
    if (c.req.query('entity') !== 'vm') return c.json(failure(400, 'Invalid entity'), 200);
    const vm = state.findVm(c.req.query('identifier') ?? '');
    if (!vm) return c.json(failure(404, 'VM not found'), 200);
    return c.json(envelope(vm.tags, vm.tags.length));
  });

  api.post('/apps/v2/script/add', async (c) => {
    const problem = state.scripts.add(await jsonBody(c), state.clock.now());
    if (problem) return c.json(failure(problem.code, problem.message), 200);
    // As the SDK reads it: nothing in the answer (no identifier); find the script by name.
    return c.json(envelope(true));
  });

  api.get('/apps/v2/scripts', (c) =>
    c.json(envelope(state.scripts.all().map((s) => ({ identifier: s.identifier, script_name: s.name, script: s.content, type: s.type, created_on: timestamp(s.createdAtMs) })))),
  );

  api.delete('/apps/v2/script', async (c) => {
    const problem = state.scripts.remove((await jsonBody(c))['scriptIdentifier']);
    if (problem) return c.json(failure(problem.code, problem.message), 200);
    return c.json(envelope(true));
  });

  api.get('/apps/v2/projects', (c) => c.json(envelope({ rows: state.projects(), count: state.projects().length })));

  api.all('*', (c) => c.json(unknownRoute(), 404));

  app.route('/', api);
  return app;
}
