import { describe, expect, it } from 'vitest';
import { rawSim } from './test-helpers.ts';

// VPSIE-API.md "Base and authentication".

describe('token mode', () => {
  it('accepts Vpsie-Auth: <token> (no "Bearer"), and 401 "Please authenticate" otherwise', async () => {
    const s = await rawSim();
    expect((await s.call('GET', '/apps/v2/vm')).status).toBe(200);
    for (const auth of [null, 'wrong', 'Bearer sim-token']) {
      expect(await s.call('GET', '/apps/v2/vm', { auth })).toMatchObject({ status: 401, body: { error: true, code: 401, message: 'Please authenticate' } });
    }
  });

  it('also accepts Authorization: Bearer', async () => {
    const s = await rawSim();
    expect((await s.call('GET', '/apps/v2/vm', { auth: null, headers: { Authorization: 'Bearer sim-token' } })).status).toBe(200);
  });
});

describe('client credentials', () => {
  it('answers {token:{access,refresh}} with RFC 3339 expiry about an hour ahead', async () => {
    const s = await rawSim({ loginShape: 'token' });
    const { body } = await s.call('POST', '/apps/v2/auth/from/api', { auth: null, json: { clientId: 'sim-client', clientSecret: 'sim-secret' } });
    expect(body).toEqual({ token: { access: { token: expect.any(String), expires: expect.any(String) }, refresh: { token: expect.any(String), expires: expect.any(String) } } });
    expect(Date.parse(body.token.access.expires) - s.clock.now()).toBe(3_600_000);
    expect(body.token.access.expires).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/);
  });

  it('answers {accessToken, refreshToken} when configured, and accepts form encoding', async () => {
    const s = await rawSim({ loginShape: 'accessToken' });
    const { body } = await s.call('POST', '/apps/v2/auth/from/api', { auth: null, form: { clientId: 'sim-client', clientSecret: 'sim-secret' } });
    expect(body).toEqual({ accessToken: { token: expect.any(String), expires: expect.any(String) }, refreshToken: { token: expect.any(String), expires: expect.any(String) } });
  });

  it('the access token works until it expires, then 401', async () => {
    const s = await rawSim({ tokenTtlMs: 60_000 });
    const { body } = await s.call('POST', '/apps/v2/auth/from/api', { auth: null, json: { clientId: 'sim-client', clientSecret: 'sim-secret' } });
    const token = body.token.access.token;
    expect((await s.call('GET', '/apps/v2/vm', { auth: token })).status).toBe(200);
    s.clock.advance(60_000);
    expect((await s.call('GET', '/apps/v2/vm', { auth: token })).status).toBe(401);
  });

  it('expireTokens() revokes issued tokens, not the API token', async () => {
    const s = await rawSim();
    const { body } = await s.call('POST', '/apps/v2/auth/from/api', { auth: null, json: { clientId: 'sim-client', clientSecret: 'sim-secret' } });
    s.sim.expireTokens();
    expect((await s.call('GET', '/apps/v2/vm', { auth: body.token.access.token })).status).toBe(401);
    expect((await s.call('GET', '/apps/v2/vm')).status).toBe(200);
  });

  it('refuses wrong credentials with 401', async () => {
    const s = await rawSim();
    const { status, body } = await s.call('POST', '/apps/v2/auth/from/api', { auth: null, json: { clientId: 'sim-client', clientSecret: 'nope' } });
    expect(status).toBe(401);
    expect(body).toMatchObject({ error: true, code: 401 });
  });
});
