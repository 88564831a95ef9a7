import { describe, expect, it } from 'vitest';
import { VpsieAuthError } from '../../forwarder/vpsie/index.ts';
import { caught, CLIENT_CREDENTIALS, contractEnv } from './setup.ts';

// Issue 15, problem 5: the client-credentials login as the SDK sends it (JSON, Vpsie-Auth) and as a
// later tool does (form body, Authorization: Bearer), detected at the first login or configured.

describe('login variants', () => {
  it('the SDK way (JSON body, Vpsie-Auth) works as before and is what auto settles on', async () => {
    const { newClient, ops } = await contractEnv();
    const client = newClient({ credentials: CLIENT_CREDENTIALS });
    await client.listVms();
    expect(ops()).toEqual(['login', 'listVms']);
    expect(client.loginMode).toEqual({ body: 'json', bearer: false, vpsieAuth: true });
  });

  it('a deployment that wants a form body: auto falls back to it once, and keeps it', async () => {
    const { newClient, ops, sim } = await contractEnv({ sim: { loginBody: 'form-only', tokenTtlMs: 600_000 } });
    const client = newClient({ credentials: CLIENT_CREDENTIALS, tokenRefreshSkewMs: 0 });
    await client.listVms();
    expect(client.loginMode).toEqual({ body: 'form', bearer: false, vpsieAuth: true });
    expect(ops()).toEqual(['login', 'login', 'listVms']);
    sim.advance(600_000); // the token expires: the next login goes straight to the form body
    await client.listVms();
    expect(ops().slice(3)).toEqual(['login', 'listVms']);
  });

  it('a deployment that reads only Bearer: the fresh token refused with Vpsie-Auth alone is sent as Bearer too', async () => {
    const { newClient, ops } = await contractEnv({ sim: { authHeader: 'bearer-only' } });
    const client = newClient({ credentials: CLIENT_CREDENTIALS });
    await client.listVms();
    expect(ops()).toEqual(['login', 'listVms', 'listVms']);
    expect(client.loginMode).toEqual({ body: 'json', bearer: true, vpsieAuth: true });
    await client.listPending();
    expect(ops().slice(3)).toEqual(['listPending']);
  });

  it('configured, nothing is detected: json + vpsie-auth against a Bearer-only server fails with an auth error', async () => {
    const { newClient } = await contractEnv({ sim: { authHeader: 'bearer-only' } });
    const client = newClient({ credentials: CLIENT_CREDENTIALS, login: { body: 'json', header: 'vpsie-auth' } });
    expect(await caught(client.listVms())).toBeInstanceOf(VpsieAuthError);
  });

  it('configured Bearer only: the token goes in Authorization alone, which a Bearer-only server accepts at once', async () => {
    const { newClient, ops } = await contractEnv({ sim: { authHeader: 'bearer-only' } });
    const client = newClient({ credentials: CLIENT_CREDENTIALS, login: { body: 'json', header: 'bearer' } });
    await client.listVms();
    expect(ops()).toEqual(['login', 'listVms']);
    expect(client.loginMode).toEqual({ body: 'json', bearer: true, vpsieAuth: false });
  });

  it('an API token can go as Bearer too (token mode takes the header setting)', async () => {
    const { newClient, ops } = await contractEnv({ sim: { authHeader: 'bearer-only' } });
    expect(await caught(newClient({ login: { header: 'vpsie-auth' } }).listDatacenters())).toBeInstanceOf(VpsieAuthError);
    await newClient({ login: { header: 'both' } }).listDatacenters();
    expect(ops().at(-1)).toBe('listDatacenters');
  });

  it('wrong credentials still fail as an auth error (after trying both bodies)', async () => {
    const { newClient, ops } = await contractEnv();
    const client = newClient({ credentials: { ...CLIENT_CREDENTIALS, clientSecret: 'wrong' } });
    expect(await caught(client.listVms())).toBeInstanceOf(VpsieAuthError);
    expect(ops()).toEqual(['login', 'login']);
  });
});
