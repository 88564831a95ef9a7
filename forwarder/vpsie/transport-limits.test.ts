import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { VpsieClient } from './client.ts';
import { VpsieInvalidResponseError } from './errors.ts';
import { MAX_RESPONSE_BYTES } from './transport.ts';

// The VPSie API's answers are bounded like the functions' (forwarder/delivery): a real HTTP server on
// loopback answers a VM list far over the limit, streamed or as a gzip bomb, and the client refuses it
// with a clear error instead of buffering it.

const MiB = 1024 * 1024;
let server: Server;
let url: string;
let answer: 'stream' | 'bomb' = 'stream';
let bytesSent = 0;
let bomb: Buffer;

beforeAll(async () => {
  // 32 MiB of JSON-ish filler inflated, about 32 KB on the wire.
  bomb = gzipSync(Buffer.alloc(32 * MiB, 0x20), { level: 9 });
  server = createServer((_req, res) => {
    if (answer === 'bomb') return void res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'gzip' }).end(bomb);
    res.writeHead(200, { 'content-type': 'application/json' });
    const chunk = Buffer.alloc(64 * 1024, 0x20);
    let left = 64 * MiB;
    const pump = () => {
      while (left > 0 && !res.destroyed) {
        left -= chunk.length;
        bytesSent += chunk.length;
        if (!res.write(chunk)) return void res.once('drain', pump);
      }
      if (!res.destroyed) res.end();
    };
    res.on('error', () => { left = 0; });
    pump();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }));

const client = () => new VpsieClient({ baseUrl: url, credentials: { kind: 'token', token: 't', deletePassword: 'p' }, retry: { maxAttempts: 1 } });

describe('VPSie transport answer bound', () => {
  it(`refuses a 64 MiB VM list after ${MAX_RESPONSE_BYTES / MiB} MiB, and stops reading`, async () => {
    answer = 'stream';
    bytesSent = 0;
    const error = await client().listVms().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(VpsieInvalidResponseError);
    expect((error as Error).message).toMatch(/larger than 8388608 bytes/);
    // The server could write ahead into socket buffers, but nowhere near the whole 64 MiB.
    expect(bytesSent).toBeLessThan(32 * MiB);
  });

  it('refuses a gzip bomb: the bound counts inflated bytes', async () => {
    answer = 'bomb';
    expect(bomb.length).toBeLessThan(MAX_RESPONSE_BYTES);
    const before = process.memoryUsage().arrayBuffers;
    const error = await client().listVms().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(VpsieInvalidResponseError);
    // Refused for its size while inflating, not later for being no JSON.
    expect((error as Error).message).toMatch(/larger than 8388608 bytes/);
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(24 * MiB);
  });
});
