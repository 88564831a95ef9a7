/**
 * JSON with object keys sorted at every level, so two values with the same content give the same
 * string whatever order their keys were built in. Array order is kept: it can carry meaning.
 * Keys whose value is undefined are skipped, as JSON.stringify does.
 */
export function stableKey(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => {
    if (v === null || typeof v !== 'object' || Array.isArray(v)) return v;
    const sorted: Record<string, unknown> = {};
    for (const k of Object.keys(v).sort()) sorted[k] = (v as Record<string, unknown>)[k];
    return sorted;
  });
}
