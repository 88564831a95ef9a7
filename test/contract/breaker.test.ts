import { describe, expect, it } from 'vitest';
import { VpsieApiError, VpsieCircuitOpenError, VpsieServerError } from '../../forwarder/vpsie/index.ts';
import { caught, contractEnv } from './setup.ts';

// The circuit breaker, driven by the shared ManualClock.

const options = { client: { breaker: { failureThreshold: 3, coolOffMs: 30_000 }, retry: { maxAttempts: 1 } } };

/** A client whose breaker the first three of `count` answers with `status` have opened. */
async function openedByFailures(status: number, count: number) {
  const env = await contractEnv(options);
  env.sim.inject({ kind: 'status', status, count });
  for (let i = 0; i < 3; i++) await caught(env.client.listVms());
  return env;
}

describe('circuit breaker', () => {
  it('opens after N consecutive failures and sends nothing while open', async () => {
    const env = await contractEnv(options);
    env.sim.inject({ kind: 'html502', count: 100 });
    for (let i = 0; i < 3; i++) expect(await caught(env.client.listVms())).toBeInstanceOf(VpsieServerError);
    expect(env.client.breakerState).toBe('open');
    const error = await caught(env.client.listVms());
    expect(error).toBeInstanceOf(VpsieCircuitOpenError);
    expect((error as VpsieCircuitOpenError).retryAtMs).toBe(env.clock.now() + 30_000);
    expect(env.ops()).toHaveLength(3);
    expect(env.events.at(-1)?.status).toBe('circuit_open');
  });

  it('lets one probe through after the cool-off and closes when it succeeds', async () => {
    const env = await openedByFailures(503, 3);
    env.clock.advance(29_999);
    expect(await caught(env.client.listVms())).toBeInstanceOf(VpsieCircuitOpenError);
    env.clock.advance(1);
    expect(env.client.breakerState).toBe('half-open');
    expect(await env.client.listVms()).toEqual([]);
    expect(env.client.breakerState).toBe('closed');
    expect(env.ops()).toHaveLength(4);
  });

  it('a failed probe opens it again for a whole cool-off', async () => {
    const env = await openedByFailures(500, 4);
    env.clock.advance(30_000);
    expect(await caught(env.client.listVms())).toBeInstanceOf(VpsieServerError);
    expect(env.client.breakerState).toBe('open');
    env.clock.advance(29_000);
    expect(await caught(env.client.listVms())).toBeInstanceOf(VpsieCircuitOpenError);
    env.clock.advance(1_000);
    expect(await env.client.listVms()).toEqual([]);
    expect(env.ops()).toHaveLength(5);
  });

  it('only one probe at a time: concurrent calls in half-open are refused', async () => {
    const env = await contractEnv({ client: { ...options.client, timeoutMs: 2_000 } });
    env.sim.inject({ kind: 'status', status: 500, count: 3 });
    for (let i = 0; i < 3; i++) await caught(env.client.listVms());
    env.clock.advance(30_000);
    env.sim.inject({ kind: 'slow', delayMs: 100 });
    const [probe, other] = await Promise.allSettled([env.client.listVms(), env.client.listPending()]);
    expect(probe.status).toBe('fulfilled');
    expect(other.status === 'rejected' && other.reason).toBeInstanceOf(VpsieCircuitOpenError);
    expect(env.client.breakerState).toBe('closed');
  });

  it('4xx answers and not-found do not open it: the API is up', async () => {
    const env = await contractEnv(options);
    env.sim.inject({ kind: 'errorOn200', code: 400, count: 5 });
    for (let i = 0; i < 5; i++) expect(await caught(env.client.listVms())).toBeInstanceOf(VpsieApiError);
    expect(env.client.breakerState).toBe('closed');
  });

  it('stops the retry loop of a call when it opens mid-call', async () => {
    const env = await contractEnv({ client: { breaker: { failureThreshold: 2, coolOffMs: 30_000 }, retry: { maxAttempts: 5 } } });
    env.sim.inject({ kind: 'status', status: 500, count: 10 });
    expect(await caught(env.client.listVms())).toBeInstanceOf(VpsieCircuitOpenError);
    expect(env.ops()).toHaveLength(2);
  });
});
