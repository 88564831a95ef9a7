// A 5-field cron expression (minute hour day-of-month month day-of-week), evaluated in UTC, as
// Karpenter's disruption budget schedules are. Supports `*`, numbers, ranges `a-b`, steps `*/n` and
// `a-b/n`, lists, and the macros @yearly @annually @monthly @weekly @daily @midnight @hourly.
// As in classic cron, when both day fields are restricted a day matching either one matches.

export interface Cron { minutes: Set<number>; hours: Set<number>; days: Set<number>; months: Set<number>; weekdays: Set<number>; daysRestricted: boolean; weekdaysRestricted: boolean }

const MACROS: Record<string, string> = {
  '@yearly': '0 0 1 1 *', '@annually': '0 0 1 1 *', '@monthly': '0 0 1 * *', '@weekly': '0 0 * * 0',
  '@daily': '0 0 * * *', '@midnight': '0 0 * * *', '@hourly': '0 * * * *',
};

export class CronError extends Error {
  override name = 'CronError';
}

function field(text: string, min: number, max: number, what: string): Set<number> {
  const out = new Set<number>();
  for (const part of text.split(',')) {
    const match = /^(\*|(\d+)(?:-(\d+))?)(?:\/(\d+))?$/.exec(part);
    if (!match) throw new CronError(`${what} "${part}" is not a number, range, step or *`);
    const from = match[1] === '*' ? min : Number(match[2]);
    const to = match[1] === '*' ? max : match[3] !== undefined ? Number(match[3]) : match[4] !== undefined ? max : from;
    const step = match[4] !== undefined ? Number(match[4]) : 1;
    if (from < min || to > max || from > to || step < 1) throw new CronError(`${what} "${part}" is outside ${min}-${max}`);
    for (let v = from; v <= to; v += step) out.add(v);
  }
  return out;
}

export function parseCron(expression: string): Cron {
  const text = MACROS[expression.trim()] ?? expression.trim();
  const parts = text.split(/\s+/);
  if (parts.length !== 5) throw new CronError(`"${expression}" needs 5 fields (minute hour day month weekday) or a macro such as @daily`);
  const [m, h, dom, mon, dow] = parts as [string, string, string, string, string];
  const weekdays = field(dow, 0, 7, 'day of week');
  if (weekdays.delete(7)) weekdays.add(0); // 7 is Sunday too
  return {
    minutes: field(m, 0, 59, 'minute'),
    hours: field(h, 0, 23, 'hour'),
    days: field(dom, 1, 31, 'day of month'),
    months: field(mon, 1, 12, 'month'),
    weekdays,
    daysRestricted: dom !== '*',
    weekdaysRestricted: dow !== '*',
  };
}

export function cronMatches(cron: Cron, atMs: number): boolean {
  const d = new Date(atMs);
  if (!cron.minutes.has(d.getUTCMinutes()) || !cron.hours.has(d.getUTCHours()) || !cron.months.has(d.getUTCMonth() + 1)) return false;
  const day = cron.days.has(d.getUTCDate());
  const weekday = cron.weekdays.has(d.getUTCDay());
  if (cron.daysRestricted && cron.weekdaysRestricted) return day || weekday;
  return day && weekday;
}

const MINUTE_MS = 60_000;

/**
 * Whether a window that opens at each match of `cron` and lasts `durationMs` covers `nowMs`: some
 * minute in (now − duration, now] matches. Walks back minute by minute, so at most duration/1 min
 * checks (the schema bounds the duration to 31 days: 44,640).
 */
export function withinSchedule(cron: Cron, durationMs: number, nowMs: number): boolean {
  const start = Math.floor(nowMs / MINUTE_MS) * MINUTE_MS;
  for (let t = start; t > nowMs - durationMs; t -= MINUTE_MS) if (cronMatches(cron, t)) return true;
  return false;
}

/** Why `expression` is not a schedule, or undefined. */
export function cronProblem(expression: string): string | undefined {
  try {
    parseCron(expression);
    return undefined;
  } catch (error) {
    if (error instanceof CronError) return error.message;
    throw error;
  }
}
