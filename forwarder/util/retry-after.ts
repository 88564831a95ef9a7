// Retry-After (RFC 9110 §10.2.3), read in one place for every client of the forwarder: the kube API
// (kube-http.ts), the functions (delivery.ts) and VPSie (vpsie/classify.ts). The functions only write
// the header (functions/http/error-response.ts).
//
// Two forms: delay-seconds ("120"; a decimal such as "1.5" is tolerated) or an HTTP-date, in any of
// the three forms a recipient must accept: IMF-fixdate ("Sun, 06 Nov 1994 08:49:37 GMT"), the
// obsolete RFC 850 form ("Sunday, 06-Nov-94 08:49:37 GMT") and asctime ("Sun Nov  6 08:49:37 1994",
// which is GMT). Anything else is no hint at all (undefined), so the caller's own backoff applies:
// Date.parse alone would take "soon 2030" for a date, and asctime for local time.

const DAY = '(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)';
const LONG_DAY = '(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)';
const MONTH = '(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)';
const TIME = '\\d{2}:\\d{2}:\\d{2}';
const IMF_FIXDATE = new RegExp(`^${DAY}, \\d{2} ${MONTH} \\d{4} ${TIME} GMT$`);
const RFC_850 = new RegExp(`^${LONG_DAY}, \\d{2}-${MONTH}-\\d{2} ${TIME} GMT$`);
const ASCTIME = new RegExp(`^${DAY} ${MONTH} (?: \\d|\\d{2}) ${TIME} \\d{4}$`);
const DELAY_SECONDS = /^\d+(?:\.\d+)?$/;

/**
 * Milliseconds to wait from `nowMs`, or undefined when there is no usable header. A date in the
 * past means "now" (0). A repeated header (an array, as Node gives some) is read by its first value.
 */
export function parseRetryAfterMs(header: string | readonly string[] | undefined, nowMs: number): number | undefined {
  const value = (typeof header === 'string' ? header : header?.[0])?.trim();
  if (!value) return undefined;
  if (DELAY_SECONDS.test(value)) return Math.round(Number(value) * 1000);
  let dateMs = Number.NaN;
  if (IMF_FIXDATE.test(value) || RFC_850.test(value)) dateMs = Date.parse(value);
  else if (ASCTIME.test(value)) dateMs = Date.parse(`${value} GMT`);
  return Number.isFinite(dateMs) ? Math.max(0, dateMs - nowMs) : undefined;
}
