import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../shared/errors.ts';
import { decodeBody, parseJson, readRawBody } from './body.ts';
import { PayloadTooLargeError, UnsupportedEncodingError } from './errors.ts';

function streamed(bytes: Uint8Array, chunkBytes = 1024): Request {
  let offset = 0;
  const body = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (offset >= bytes.byteLength) return controller.close();
      controller.enqueue(bytes.subarray(offset, offset + chunkBytes));
      offset += chunkBytes;
    },
  });
  return new Request('http://x/', { method: 'POST', body, duplex: 'half' } as RequestInit);
}

describe('readRawBody', () => {
  it('reads a body under the limit', async () => {
    const bytes = new TextEncoder().encode('hello');
    expect(await readRawBody(streamed(bytes, 2), 10)).toEqual(bytes);
  });

  it('refuses a declared Content-Length over the limit without reading', async () => {
    const request = new Request('http://x/', { method: 'POST', body: 'x'.repeat(11), headers: { 'content-length': '11' } });
    await expect(readRawBody(request, 10)).rejects.toBeInstanceOf(PayloadTooLargeError);
  });

  it('stops reading a streamed body once it passes the limit, whatever the headers say', async () => {
    await expect(readRawBody(streamed(new Uint8Array(50), 8), 10)).rejects.toBeInstanceOf(PayloadTooLargeError);
  });
});

describe('decodeBody', () => {
  it('passes identity bodies through and inflates gzip', async () => {
    const json = new TextEncoder().encode('{"a":1}');
    expect(await decodeBody(json, undefined)).toBe(json);
    expect(new TextDecoder().decode(await decodeBody(gzipSync(json), 'gzip'))).toBe('{"a":1}');
  });

  it('caps the inflated size: a 6 MiB+1 gzip bomb of a few KB is refused', async () => {
    const bomb = gzipSync(Buffer.alloc(6 * 1024 * 1024 + 1));
    expect(bomb.byteLength).toBeLessThan(10_000);
    const error = await decodeBody(bomb, 'gzip').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PayloadTooLargeError);
    expect((error as PayloadTooLargeError).what).toBe('decompressed body');
  });

  it('accepts exactly the limit', async () => {
    expect((await decodeBody(gzipSync(Buffer.alloc(1000)), 'gzip', 1000)).byteLength).toBe(1000);
  });

  it('refuses broken gzip as invalid and unknown encodings as unsupported', async () => {
    await expect(decodeBody(new Uint8Array([1, 2, 3]), 'gzip')).rejects.toBeInstanceOf(ValidationError);
    await expect(decodeBody(new Uint8Array([1]), 'br')).rejects.toBeInstanceOf(UnsupportedEncodingError);
  });
});

describe('parseJson', () => {
  it('names the problem of malformed JSON', () => {
    expect(() => parseJson(new TextEncoder().encode('{'), 'snapshot')).toThrow(/not valid JSON/);
    expect(parseJson(new TextEncoder().encode('[1]'), 'snapshot')).toEqual([1]);
  });
});

describe('the limit named in the refusal', () => {
  it('holds for an uncompressed body too, and says why it is what it is', async () => {
    const error = await decodeBody(new Uint8Array(11), undefined, 10, '1/64 of the function\'s 128 MB').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PayloadTooLargeError);
    expect((error as PayloadTooLargeError).what).toBe('decompressed body');
    expect((error as Error).message).toBe('the request decompressed body is larger than 10 bytes: the limit is 1/64 of the function\'s 128 MB');
    expect(await decodeBody(new Uint8Array(10), undefined, 10)).toHaveLength(10);
  });
});
