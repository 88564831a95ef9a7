import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SnapshotBuilder } from '../../shared/compact/snapshot-builder.ts';
import { PLAN_VERSION, type PlanMessage } from '../../shared/plan-message.ts';
import { gzipBomb, startHostileFunctions, type HostileFunctions } from '../../test/forwarder/hostile-functions.ts';
import { encodeSnapshotObject } from '../snapshot.ts';
import { Delivery, DEFAULT_MAX_PLAN_BYTES, DEFAULT_MAX_PLAN_INFLATED_BYTES } from './delivery.ts';

// The forwarder's Delivery against a hostile functions stub on loopback (a real HTTP server) that
// signs everything with the right key. Each case asserts the refusal and that memory stayed bounded:
// before these bounds, a 522 KB gzip error body inflated to 512 MiB inside the forwarder and a 50 MB
// error body was buffered whole.

const clusterId = 'c1';
const signingKey = 'hostile-test-signing-key-0123456789';
const MiB = 1024 * 1024;
/** The container limit is 192 Mi; a refusal may cost a few MiB (measured: at most 10), never tens. */
const MAX_GROWTH_BYTES = 32 * MiB;

let hostile: HostileFunctions;
let bomb: Buffer;
beforeAll(async () => {
  hostile = await startHostileFunctions({ clusterId, signingKey });
  bomb = gzipBomb(); // built before any baseline is taken
});
afterAll(() => hostile?.stop());

function delivery(maxAttempts = 1): Delivery {
  return new Delivery({ functionsUrl: hostile.url, clusterId, signingKey, maxAttempts, backoff: { initialMs: 1, maxMs: 2 } });
}

function snapshot() {
  return encodeSnapshotObject(new SnapshotBuilder({ clusterId, forwarder: { id: 'fwd-1', version: 'test', dryRun: false, lastFencingToken: 0 }, takenAtMs: Date.now(), synced: true }).build());
}

function plan(overrides: Partial<PlanMessage> = {}): PlanMessage {
  const nowMs = Date.now();
  return { version: PLAN_VERSION, clusterId, planId: 'p-1', fencingToken: 1, issuedAtMs: nowMs, commands: [], decisions: [], nextContactAfterMs: nowMs + 30_000, ...overrides };
}

/** Runs `fn`, sampling memory every 2 ms and once after; growth = highest sample − the sample before. */
async function measured<T>(fn: () => Promise<T>): Promise<{ result: T; rssGrowthBytes: number; arrayBuffersGrowthBytes: number }> {
  const before = process.memoryUsage();
  let peak = { rss: before.rss, arrayBuffers: before.arrayBuffers };
  const sample = () => {
    const now = process.memoryUsage();
    peak = { rss: Math.max(peak.rss, now.rss), arrayBuffers: Math.max(peak.arrayBuffers, now.arrayBuffers) };
  };
  const timer = setInterval(sample, 2);
  try {
    const result = await fn();
    sample();
    return { result, rssGrowthBytes: peak.rss - before.rss, arrayBuffersGrowthBytes: peak.arrayBuffers - before.arrayBuffers };
  } finally {
    clearInterval(timer);
  }
}

describe('Delivery against a hostile functions stub', () => {
  it('(a) refuses a signed gzip bomb as a 200 plan: inflating stops at 8 MiB', async () => {
    expect(bomb.length).toBeLessThan(DEFAULT_MAX_PLAN_BYTES); // small on the wire, so only the inflate bound can stop it
    hostile.answers = [{ kind: 'signed', bytes: bomb, gzip: true }];
    const { result, rssGrowthBytes, arrayBuffersGrowthBytes } = await measured(() => delivery().deliver(snapshot(), 0));
    expect(result).toMatchObject({ kind: 'refused', reason: 'too-large' });
    expect(result.kind === 'refused' && result.message).toContain(`more than ${DEFAULT_MAX_PLAN_INFLATED_BYTES} bytes`);
    expect(rssGrowthBytes).toBeLessThan(MAX_GROWTH_BYTES);
    expect(arrayBuffersGrowthBytes).toBeLessThan(MAX_GROWTH_BYTES);
  });

  it('(b) reads 4 KiB of a 500 with a 50 MB body, through every retry', async () => {
    hostile.answers = [{ kind: 'stream', status: 500, totalBytes: 50 * 1000 * 1000 }];
    const requestsBefore = hostile.requests;
    const { result, rssGrowthBytes, arrayBuffersGrowthBytes } = await measured(() => delivery(3).deliver(snapshot(), 0));
    expect(result).toMatchObject({ kind: 'unreachable', attempts: 3 });
    const message = result.kind === 'unreachable' ? result.message : '';
    expect(message).toMatch(/^500 a{300}\.\.\.$/);
    expect(hostile.requests - requestsBefore).toBe(3);
    expect(rssGrowthBytes).toBeLessThan(MAX_GROWTH_BYTES);
    expect(arrayBuffersGrowthBytes).toBeLessThan(MAX_GROWTH_BYTES);
  });

  it('(b\u2032) does not even start reading a 500 that announces 50 MB', async () => {
    hostile.answers = [{ kind: 'stream', status: 500, totalBytes: 50 * 1000 * 1000, announceLength: true }];
    const { result, arrayBuffersGrowthBytes } = await measured(() => delivery().deliver(snapshot(), 0));
    expect(result).toMatchObject({ kind: 'unreachable', message: '500 ...' });
    expect(arrayBuffersGrowthBytes).toBeLessThan(MAX_GROWTH_BYTES);
  });

  it('(c) never inflates a 522 KB gzip error body (512 MiB inflated)', async () => {
    expect(bomb.length).toBeGreaterThan(500_000);
    hostile.answers = [{ kind: 'raw', status: 502, bytes: bomb, encoding: 'gzip' }];
    const { result, rssGrowthBytes, arrayBuffersGrowthBytes } = await measured(() => delivery().deliver(snapshot(), 0));
    expect(result).toMatchObject({ kind: 'unreachable', message: '502 (gzip body of 4096+ bytes, not inflated)' });
    expect(rssGrowthBytes).toBeLessThan(MAX_GROWTH_BYTES);
    expect(arrayBuffersGrowthBytes).toBeLessThan(MAX_GROWTH_BYTES);
  });

  it('(c\u2032) and not as a 4xx either', async () => {
    hostile.answers = [{ kind: 'raw', status: 400, bytes: bomb, encoding: 'gzip' }];
    const { result, rssGrowthBytes } = await measured(() => delivery().deliver(snapshot(), 0));
    expect(result).toMatchObject({ kind: 'rejected', status: 400, message: '400 (gzip body of 4096+ bytes, not inflated)' });
    expect(rssGrowthBytes).toBeLessThan(MAX_GROWTH_BYTES);
  });

  it('refuses a 200 larger than 2 MiB as sent, reading no more than that', async () => {
    hostile.answers = [{ kind: 'stream', status: 200, totalBytes: 50 * 1000 * 1000 }];
    const { result, arrayBuffersGrowthBytes } = await measured(() => delivery().deliver(snapshot(), 0));
    expect(result).toMatchObject({ kind: 'refused', reason: 'too-large' });
    expect(result.kind === 'refused' && result.message).toContain(`larger than ${DEFAULT_MAX_PLAN_BYTES} bytes`);
    expect(arrayBuffersGrowthBytes).toBeLessThan(MAX_GROWTH_BYTES);
  });

  it('refuses a correctly signed plan that was made for another request', async () => {
    // Signed with the right key over the right bytes, but not bound to this request's nonce.
    hostile.answers = [{ kind: 'signed', bytes: Buffer.from(JSON.stringify(plan())), bind: false }];
    expect(await delivery().deliver(snapshot(), 0)).toMatchObject({ kind: 'refused', reason: 'signature' });
    // The same plan bound to the request is accepted (the stub and key are right).
    hostile.answers = [{ kind: 'signed', bytes: Buffer.from(JSON.stringify(plan())) }];
    expect(await delivery().deliver(snapshot(), 0)).toMatchObject({ kind: 'plan', plan: { planId: 'p-1' } });
  });

  it('accepts a gzip plan that inflates to just under the limit', async () => {
    const filler = 'x'.repeat(DEFAULT_MAX_PLAN_INFLATED_BYTES - 1_000);
    const body = gzipSync(JSON.stringify(plan({ decisions: [{ kind: 'info', target: 'cluster', reason: 'filler', message: filler }] })));
    expect(body.length).toBeLessThan(DEFAULT_MAX_PLAN_BYTES);
    hostile.answers = [{ kind: 'signed', bytes: body, gzip: true }];
    expect(await delivery().deliver(snapshot(), 0)).toMatchObject({ kind: 'plan' });
  });
});
