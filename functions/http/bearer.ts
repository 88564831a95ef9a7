import { createHash, timingSafeEqual } from 'node:crypto';
import { BearerTokenError } from './errors.ts';

/**
 * Checks `Authorization: Bearer <token>` in constant time. An unknown cluster (no expected token)
 * gets the same answer as a wrong token, so the answer does not tell which cluster ids exist.
 */
export function checkBearer(authorization: string | undefined, expected: string | undefined): void {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '');
  if (!match) throw new BearerTokenError('missing bearer token (Authorization: Bearer <token>)');
  const given = digest(match[1]!);
  const wanted = digest(expected ?? '\u0000no-such-cluster');
  if (!timingSafeEqual(given, wanted) || expected === undefined) throw new BearerTokenError('bearer token not accepted for this cluster');
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}
