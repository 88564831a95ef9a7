// Trace times: "0h", "7h30m", "90m", "45s", "1h30m15s", or a number of seconds.

const PATTERN = /^(?:(\d+(?:\.\d+)?)h)?(?:(\d+(?:\.\d+)?)m)?(?:(\d+(?:\.\d+)?)s)?$/;

/** Milliseconds of a trace time, or undefined when the text is not one. */
export function parseTraceTimeMs(value: string | number): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) && value >= 0 ? Math.round(value * 1000) : undefined;
  const text = value.trim();
  const match = PATTERN.exec(text);
  if (!match || text === '') return undefined;
  const [, h = '0', m = '0', s = '0'] = match;
  return Math.round((Number(h) * 3600 + Number(m) * 60 + Number(s)) * 1000);
}

/** "7h30m" for 27,000,000 ms (for reports and errors). */
export function formatTraceTime(ms: number): string {
  const totalS = Math.round(ms / 1000);
  const h = Math.floor(totalS / 3600);
  const m = Math.floor((totalS % 3600) / 60);
  const s = totalS % 60;
  return `${h}h${m > 0 || s > 0 ? `${String(m).padStart(2, '0')}m` : ''}${s > 0 ? `${String(s).padStart(2, '0')}s` : ''}`;
}
