import { readdirSync, readFileSync } from 'node:fs';

// CPU seconds and resident memory of a process and all its descendants, from /proc (Linux only).

const TICKS_PER_SECOND = 100; // USER_HZ on Linux x86-64

interface ProcRow { pid: number; ppid: number; cpuTicks: number; rssKiB: number }

function readRow(pid: number): ProcRow | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name may hold spaces or parentheses: fields start after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ppid = Number(fields[1]);
    const cpuTicks = Number(fields[11]) + Number(fields[12]) + Number(fields[13]) + Number(fields[14]);
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const rssKiB = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
    return { pid, ppid, cpuTicks, rssKiB };
  } catch {
    return undefined; // gone
  }
}

export interface TreeStats { cpuSeconds: number; rssMiB: number }

export function treeStats(rootPids: number[]): TreeStats {
  const rows = readdirSync('/proc').filter((d) => /^\d+$/.test(d)).map((d) => readRow(Number(d))).filter((r): r is ProcRow => r !== undefined);
  const children = new Map<number, ProcRow[]>();
  for (const r of rows) children.set(r.ppid, [...(children.get(r.ppid) ?? []), r]);
  const seen = new Set<number>();
  const stack = rows.filter((r) => rootPids.includes(r.pid));
  let ticks = 0;
  let rssKiB = 0;
  while (stack.length > 0) {
    const r = stack.pop()!;
    if (seen.has(r.pid)) continue;
    seen.add(r.pid);
    ticks += r.cpuTicks;
    rssKiB += r.rssKiB;
    stack.push(...(children.get(r.pid) ?? []));
  }
  return { cpuSeconds: ticks / TICKS_PER_SECOND, rssMiB: rssKiB / 1024 };
}
