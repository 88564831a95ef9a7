import { gunzip } from 'node:zlib';
import { ValidationError } from '../../shared/errors.ts';
import { MAX_BODY_BYTES } from './body-limits.ts';
import { PayloadTooLargeError, UnsupportedEncodingError } from './errors.ts';

// Reading a request body without trusting its size: the raw bytes are read up to the limit (the
// Content-Length header is checked first but never relied on), and a gzip body is inflated with a
// hard cap on the output, so a small "gzip bomb" cannot allocate more than the limit. The limits and
// their reasons (named in the 413): body-limits.ts.

export async function readRawBody(request: Request, limitBytes = MAX_BODY_BYTES, reason?: string): Promise<Uint8Array> {
  const declared = Number(request.headers.get('content-length') ?? NaN);
  if (Number.isFinite(declared) && declared > limitBytes) throw new PayloadTooLargeError(limitBytes, 'body', reason);
  if (!request.body) return new Uint8Array(0);
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > limitBytes) {
      await reader.cancel();
      throw new PayloadTooLargeError(limitBytes, 'body', reason);
    }
    chunks.push(value);
  }
  return concat(chunks, total);
}

/** Inflates per Content-Encoding (gzip or none), never producing more than `limitBytes`. */
export async function decodeBody(raw: Uint8Array, contentEncoding: string | null | undefined, limitBytes = MAX_BODY_BYTES, reason?: string): Promise<Uint8Array> {
  const encoding = (contentEncoding ?? '').trim().toLowerCase();
  if (encoding === '' || encoding === 'identity') {
    // Not compressed: the decompressed limit holds for it too.
    if (raw.byteLength > limitBytes) throw new PayloadTooLargeError(limitBytes, 'decompressed body', reason);
    return raw;
  }
  if (encoding !== 'gzip' && encoding !== 'x-gzip') throw new UnsupportedEncodingError(encoding);
  return new Promise((resolve, reject) => {
    gunzip(raw, { maxOutputLength: limitBytes }, (error, out) => {
      if (!error) return resolve(new Uint8Array(out.buffer, out.byteOffset, out.byteLength));
      if ((error as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') return reject(new PayloadTooLargeError(limitBytes, 'decompressed body', reason, { cause: error }));
      reject(new ValidationError('request body', [{ path: '', message: 'not valid gzip' }], { cause: error }));
    });
  });
}

/** JSON.parse on bytes; a syntax error is a 400 naming the position. */
export function parseJson(bytes: Uint8Array, subject: string): unknown {
  try {
    return JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch (error) {
    throw new ValidationError(subject, [{ path: '', message: `not valid JSON: ${(error as Error).message}` }], { cause: error });
  }
}

function concat(chunks: Uint8Array[], total: number): Uint8Array {
  if (chunks.length === 1) return chunks[0]!;
  const out = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return out;
}
