// One line of `vpsie-autoscaler doctor`: what was checked, whether it passed, and how to fix it.

export type CheckResult = { name: string; ok: boolean; detail: string; fix?: string };

export const pass = (name: string, detail: string): CheckResult => ({ name, ok: true, detail });
export const fail = (name: string, detail: string, fix: string): CheckResult => ({ name, ok: false, detail, fix });

export function renderChecks(checks: readonly CheckResult[], output: 'text' | 'json'): string {
  if (output === 'json') return JSON.stringify({ ok: checks.every((c) => c.ok), checks }, null, 2) + '\n';
  const lines = checks.map((c) => `${c.ok ? '✓' : '✗'} ${c.name}: ${c.detail}${c.ok || !c.fix ? '' : `\n    fix: ${c.fix}`}`);
  const failed = checks.filter((c) => !c.ok).length;
  lines.push(failed === 0 ? `all ${checks.length} checks passed` : `${failed} of ${checks.length} checks failed`);
  return lines.join('\n') + '\n';
}
