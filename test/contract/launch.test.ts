import { describe, expect, it } from 'vitest';
import {
  VpsieApiError,
  VpsieCircuitOpenError,
  VpsieNetworkError,
  VpsieQuotaError,
  VpsieRateLimitError,
  VpsieServerError,
  VpsieTimeoutError,
} from '../../forwarder/vpsie/index.ts';
import type { SimFault } from '../vpsie-sim/index.ts';
import { caught, contractEnv, launchRequest, SHORT_TIMEOUT_MS } from './setup.ts';

// A create is never retried blindly; one logical launch never makes two VMs.

const createFaults: Array<[string, SimFault, new (...args: never[]) => Error]> = [
  ['HTTP 500', { kind: 'status', status: 500 }, VpsieServerError],
  ['HTML 502', { kind: 'html502' }, VpsieServerError],
  ['error:true on 200 (5xx code)', { kind: 'errorOn200', code: 500 }, VpsieServerError],
  ['429', { kind: 'rateLimit', retryAfterSeconds: 1 }, VpsieRateLimitError],
  ['timeout before handling', { kind: 'timeout', hangMs: 2_000 }, VpsieTimeoutError],
  ['timeout after the server accepted it', { kind: 'timeout', hangMs: 2_000, afterHandling: true }, VpsieTimeoutError],
  ['connection reset after the server accepted it', { kind: 'reset', afterHandling: true }, VpsieNetworkError],
];

describe('createVm', () => {
  it.each(createFaults)('is never retried on %s', async (_name, fault, type) => {
    const env = await contractEnv({ client: { timeoutMs: SHORT_TIMEOUT_MS } });
    env.sim.inject({ ...fault, match: { operation: 'createVm' } });
    const error = await caught(env.client.createVm(launchRequest()));
    expect(error).toBeInstanceOf(type);
    expect(env.ops()).toEqual(['createVm']);
    expect(env.sleeps).toEqual([]);
  });
});

describe('launchVm', () => {
  it('looks first, creates once, and reports the pending VM', async () => {
    const env = await contractEnv();
    const result = await env.client.launchVm(launchRequest());
    expect(result.outcome).toBe('created');
    expect(result.lookup?.where).toBe('pending');
    expect(env.ops()).toEqual(['listPending', 'listVms', 'createVm', 'listPending', 'listVms']);
  });

  it.each([
    ['timeout', { kind: 'timeout', hangMs: 2_000, afterHandling: true }],
    ['connection reset', { kind: 'reset', afterHandling: true }],
    ['HTML 502 from the proxy', { kind: 'html502', afterHandling: true }],
  ] as Array<[string, SimFault]>)('makes no duplicate VM when the create was accepted but the answer was a %s', async (_name, fault) => {
    const env = await contractEnv({ client: { timeoutMs: SHORT_TIMEOUT_MS } });
    env.sim.inject({ ...fault, match: { operation: 'createVm' } });
    const result = await env.client.launchVm(launchRequest());
    expect(result).toMatchObject({ outcome: 'created', createAttempts: 1, lookup: { where: 'pending' } });
    expect(env.ops()).toEqual(['listPending', 'listVms', 'createVm', 'listPending', 'listVms']);
    expect(env.sim.vms()).toHaveLength(1);
    expect(env.sim.duplicateHostnames()).toEqual([]);
  });

  it.each([0, 5_000, 15_000, 30_000])('never creates again after a lost answer when VPSie shows the create %i ms late: unconfirmed, then found', async (delayMs) => {
    const env = await contractEnv();
    env.sim.inject({ kind: 'lostAnswer', visibilityDelayMs: delayMs, match: { operation: 'createVm' } });
    const result = await env.client.launchVm(launchRequest());
    if (delayMs === 0) expect(result).toMatchObject({ outcome: 'created', createAttempts: 1, lookup: { where: 'pending' } });
    else expect(result).toMatchObject({ outcome: 'unconfirmed', createAttempts: 1, lookup: undefined, error: expect.stringMatching(/createVm/) });
    expect(env.ops().filter((op) => op === 'createVm')).toHaveLength(1);
    expect(env.sleeps).toEqual([]);
    // A later look (what the next reconciles do) finds the one VM once VPSie shows it.
    env.sim.advance(delayMs);
    expect(await env.client.findVmByHostname('c1-workers-abc12', { projectId: 'sim-project' })).toMatchObject({ where: 'pending', pending: { processId: result.processId } });
    // ...and a repeated launch of the same hostname (a command sent again) does not create either.
    expect(await env.client.launchVm(launchRequest())).toMatchObject({ outcome: 'existing', createAttempts: 0 });
    expect(env.sim.vms()).toHaveLength(1);
    expect(env.sim.duplicateHostnames()).toEqual([]);
  });

  it('reports a create that timed out before VPSie handled it as unconfirmed, without creating again', async () => {
    // The client cannot tell this from a create accepted late; later reconciles decide (the VM never appears).
    const env = await contractEnv({ client: { timeoutMs: SHORT_TIMEOUT_MS } });
    env.sim.inject({ kind: 'timeout', hangMs: 2_000, match: { operation: 'createVm' } });
    const result = await env.client.launchVm(launchRequest());
    expect(result).toMatchObject({ outcome: 'unconfirmed', createAttempts: 1 });
    expect(env.ops()).toEqual(['listPending', 'listVms', 'createVm', 'listPending', 'listVms']);
    expect(env.sleeps).toEqual([]);
    expect(env.sim.vms()).toHaveLength(0);
  });

  it('creates again after an API error answer (VPSie refused it), waiting and looking first', async () => {
    const env = await contractEnv();
    env.sim.inject({ kind: 'status', status: 500, message: 'Internal error', match: { operation: 'createVm' } });
    const result = await env.client.launchVm(launchRequest());
    expect(result).toMatchObject({ outcome: 'created', createAttempts: 2 });
    expect(env.ops()).toEqual(['listPending', 'listVms', 'createVm', 'listPending', 'listVms', 'createVm', 'listPending', 'listVms']);
    expect(env.sleeps).toEqual([1_000]); // at least settleMs
    expect(env.sim.vms()).toHaveLength(1);
  });

  it('honours Retry-After before creating again', async () => {
    const env = await contractEnv();
    env.sim.inject({ kind: 'rateLimit', retryAfterSeconds: 9, match: { operation: 'createVm' } });
    await env.client.launchVm(launchRequest());
    expect(env.sleeps).toEqual([9_000]);
    expect(env.sim.vms()).toHaveLength(1);
  });

  it('gives up after maxCreateAttempts, looking before every retry', async () => {
    const env = await contractEnv({ client: { launch: { maxCreateAttempts: 3, settleMs: 0 } } });
    env.sim.inject({ kind: 'status', status: 503, count: 10, match: { operation: 'createVm' } });
    const error = await caught(env.client.launchVm(launchRequest()));
    expect(error).toBeInstanceOf(VpsieServerError);
    expect(env.ops()).toEqual(['listPending', 'listVms', 'createVm', 'listPending', 'listVms', 'createVm', 'listPending', 'listVms', 'createVm']);
    expect(env.sim.vms()).toHaveLength(0);
  });

  it('reports unconfirmed, without creating again, when the lookup after a lost answer fails too', async () => {
    const env = await contractEnv({ client: { retry: { maxAttempts: 2 }, timeoutMs: SHORT_TIMEOUT_MS } });
    env.sim.inject({ kind: 'timeout', hangMs: 2_000, afterHandling: true, match: { operation: 'createVm' } });
    const launch = env.client.launchVm(launchRequest());
    // inject the lookup failure only once the create has been sent
    await waitFor(() => env.ops().includes('createVm'));
    env.sim.inject({ kind: 'status', status: 500, count: 2, match: { operation: 'listPending' } });
    expect(await launch).toMatchObject({ outcome: 'unconfirmed', createAttempts: 1 });
    expect(env.ops().filter((op) => op === 'createVm')).toHaveLength(1);
    expect(env.sim.vms()).toHaveLength(1);
  });

  it('looks for the hostname only in the request\'s project', async () => {
    const env = await contractEnv();
    env.sim.seedVm({ hostname: 'c1-workers-abc12', projectId: 'another-project' });
    const result = await env.client.launchVm(launchRequest());
    expect(result.outcome).toBe('created');
    expect(env.sim.vms().map((vm) => vm.projectId).sort()).toEqual(['7', 'another-project']);
  });

  it('is idempotent across calls: a second launch of the same hostname does not create', async () => {
    const env = await contractEnv();
    await env.client.launchVm(launchRequest());
    const again = await env.client.launchVm(launchRequest());
    expect(again).toMatchObject({ outcome: 'existing', createAttempts: 0, lookup: { where: 'pending' } });
    env.sim.advance(20_000);
    const third = await env.newClient().launchVm(launchRequest());
    expect(third).toMatchObject({ outcome: 'existing', lookup: { where: 'created' } });
    expect(env.sim.vms()).toHaveLength(1);
  });

  it.each([
    ['a validation error', { kind: 'errorOn200', code: 400, message: 'hostname already in use' }, VpsieApiError],
  ] as Array<[string, SimFault, new (...args: never[]) => Error]>)('does not retry %s', async (_name, fault, type) => {
    const env = await contractEnv();
    env.sim.inject({ ...fault, match: { operation: 'createVm' } });
    expect(await caught(env.client.launchVm(launchRequest()))).toBeInstanceOf(type);
    expect(env.ops().filter((op) => op === 'createVm')).toHaveLength(1);
  });

  it('reports an exhausted quota as VpsieQuotaError, not retried', async () => {
    const env = await contractEnv({ sim: { quota: 1 } });
    env.sim.seedVm({ hostname: 'existing' });
    const error = await caught(env.client.launchVm(launchRequest()));
    expect(error).toBeInstanceOf(VpsieQuotaError);
    expect(error.message).toMatch(/quota/);
    expect(env.ops().filter((op) => op === 'createVm')).toHaveLength(1);
  });

  it('a create accepted but never materialising: launch succeeds, the VM never appears', async () => {
    const env = await contractEnv();
    env.sim.inject({ kind: 'createNeverMaterialises', mode: 'vanish' });
    const result = await env.client.launchVm(launchRequest());
    expect(result).toMatchObject({ outcome: 'created', lookup: undefined });
    env.sim.advance(3_600_000);
    expect(await env.client.findVmByHostname('c1-workers-abc12', { projectId: 'sim-project' })).toBeUndefined();
  });

  it('a create stuck in pending stays pending', async () => {
    const env = await contractEnv();
    env.sim.inject({ kind: 'createNeverMaterialises', mode: 'stuck' });
    await env.client.launchVm(launchRequest());
    env.sim.advance(3_600_000);
    expect(await env.client.findVmByHostname('c1-workers-abc12', { projectId: 'sim-project' })).toMatchObject({ where: 'pending' });
    expect(await env.client.listVms()).toEqual([]);
  });

  it('refuses to create while the breaker is open', async () => {
    const env = await contractEnv({ client: { breaker: { failureThreshold: 2, coolOffMs: 30_000 }, retry: { maxAttempts: 1 } } });
    env.sim.inject({ kind: 'status', status: 500, count: 2, match: { operation: 'listPending' } });
    await caught(env.client.listPending());
    await caught(env.client.listPending());
    const error = await caught(env.client.launchVm(launchRequest()));
    expect(error).toBeInstanceOf(VpsieCircuitOpenError);
    expect(env.ops()).toEqual(['listPending', 'listPending']);
  });
});

async function waitFor(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !condition(); i++) await new Promise((resolve) => setTimeout(resolve, 5));
  if (!condition()) throw new Error('condition not met');
}
