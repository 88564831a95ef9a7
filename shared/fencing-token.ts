// Fencing tokens are integers that only ever go up by one per lease acquisition. They travel as JSON
// numbers, DynamoDB numbers and Lease annotation text, so every hop must keep them exact: a JavaScript
// number is exact only up to 2^53 − 1 (Number.MAX_SAFE_INTEGER), and past it two different tokens
// compare equal and fencing breaks silently. So the schemas refuse larger tokens, text is parsed
// strictly (never with a bare Number(), which rounds "9007199254740993" to ...992), and the functions
// never raise a token past FENCING_TOKEN_RAISE_LIMIT (lease.ts), which keeps 2^52 acquisitions of
// headroom below the exact range.

/** The largest token any schema or parser accepts. */
export const MAX_FENCING_TOKEN = Number.MAX_SAFE_INTEGER;
/** The functions never move a token above this on a forwarder's word (half the exact range). */
export const FENCING_TOKEN_RAISE_LIMIT = 2 ** 52;

/** A token from text or a number, or undefined when it is not an exact integer in 0..MAX_FENCING_TOKEN. */
export function parseFencingToken(value: unknown): number | undefined {
  let token: number;
  if (typeof value === 'number') token = value;
  else if (typeof value === 'string' && /^\d{1,16}$/.test(value.trim())) token = Number(value.trim());
  else return undefined;
  return Number.isSafeInteger(token) && token >= 0 && token <= MAX_FENCING_TOKEN ? token : undefined;
}
