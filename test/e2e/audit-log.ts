// The functions' audit trail as the e2e tests and the demo read it: the JSON lines with `audit: true`
// in the functions' log (functions/audit.ts; one line per command and per decision of a committed plan).
import type { AuditLine } from '../../functions/audit.ts';

export type { AuditLine };

export function parseAuditLines(text: string): AuditLine[] {
  const lines: AuditLine[] = [];
  for (const line of text.split('\n')) {
    if (!line.startsWith('{') || !line.includes('"audit":true')) continue;
    try {
      const parsed = JSON.parse(line) as AuditLine;
      if (parsed.audit === true) lines.push(parsed);
    } catch {
      // a line cut by a crash: not an audit record
    }
  }
  return lines;
}

/** What GET /v1/clusters/<id>/status answers (functions/routes/status-route.ts), as far as tests read it. */
export interface ClusterStatus {
  clusterId: string;
  nowMs: number;
  lease: { held: boolean; leaseUntilMs: number; fencingToken: number };
  nodeGroups: Array<{ name: string; backoffUntilMs?: number; consecutiveFailures?: number; lastScaleUpMs?: number; lastScaleDownMs?: number }>;
  operations: Array<{ id: string; kind: 'launch' | 'drain'; status: string; nodeGroup: string; hostname: string; node?: string; failure?: string; reason?: string }>;
  timers: Record<string, { underusedSinceMs?: number; drainBackoffUntilMs?: number }>;
  lastPlan: { planId: string; fencingToken: number; issuedAtMs: number; commandCount: number; decisions: Array<{ kind: string; target: string; reason: string; message: string }> } | null;
}
