import { spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// Every harness run gets a folder under RUNS_ROOT holding its logs, data and a `pids` file
// ("<pid> <binary>" per line). The processes are started in their own process groups so that
// teardown can kill a whole group. Three layers make sure nothing is left behind:
//   1. stop(): SIGTERM to every group, wait, SIGKILL what is left (normal teardown);
//   2. hooks on SIGINT/SIGTERM/SIGHUP and on 'exit' (also fires after uncaught errors): the same, synchronously;
//   3. a detached reaper shell that watches the owning process and kills the groups if it dies
//      without cleaning up (SIGKILL, OOM); and on start, leftovers of runs whose owner is dead are killed.

export const RUNS_ROOT = join(tmpdir(), 'vpsie-autoscaler-harness');
const STOP_GRACE_MS = 5_000;

export interface ManagedProcess {
  name: string;
  binary: string;
  pid: number;
  logPath: string;
  child: ChildProcess;
  /** Set once the process has exited (code or signal). */
  exit?: { code: number | null; signal: NodeJS.Signals | null };
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  // A child that exited while the event loop was blocked (stopSync) is a zombie until Node reaps it.
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

function commandOf(pid: number): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0')[0];
  } catch {
    return undefined;
  }
}

function killGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // already gone
  }
}

function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** Kills processes left by earlier runs whose owner died without teardown, and removes their folders. */
export function reapLeftoverRuns(root = RUNS_ROOT): string[] {
  if (!existsSync(root)) return [];
  const reaped: string[] = [];
  for (const entry of readdirSync(root)) {
    const runDir = join(root, entry);
    let ownerPid: number;
    try {
      ownerPid = Number(readFileSync(join(runDir, 'owner'), 'utf8').trim());
    } catch {
      continue;
    }
    if (Number.isInteger(ownerPid) && ownerPid > 0 && isAlive(ownerPid)) continue; // another live run
    const pids = readPidsFile(join(runDir, 'pids'));
    for (const { pid, binary } of pids) {
      // Only kill a pid that still runs the binary we started: pids get reused.
      if (commandOf(pid) === binary) {
        killGroup(pid, 'SIGKILL');
        reaped.push(`${binary} (pid ${pid})`);
      }
    }
    rmSync(runDir, { recursive: true, force: true });
  }
  return reaped;
}

function readPidsFile(path: string): { pid: number; binary: string }[] {
  if (!existsSync(path)) return [];
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const [pid, ...rest] = line.split(' ');
      return { pid: Number(pid), binary: rest.join(' ') };
    })
    .filter(({ pid }) => Number.isInteger(pid) && pid > 0);
}

// The reaper outlives its owner on purpose; it is a shell loop, so it costs nothing while it waits.
const REAPER_SCRIPT = `
owner="$1"; run_dir="$2"
while kill -0 "$owner" 2>/dev/null; do sleep 1; done
reap() {
  [ -f "$run_dir/pids" ] || return 0
  while read -r pid bin; do
    cmd="$(tr '\\0' '\\n' < /proc/$pid/cmdline 2>/dev/null | head -n1)"
    [ "$cmd" = "$bin" ] && kill -"$1" -- "-$pid" 2>/dev/null
  done < "$run_dir/pids"
}
reap TERM; sleep 3; reap KILL
rm -rf "$run_dir"
`;

export class ProcessSupervisor {
  readonly runDir: string;
  private readonly processes: ManagedProcess[] = [];
  private reaper: ChildProcess | undefined;
  private stopped = false;
  private readonly onExit = () => this.stopSync();
  private readonly onSignal = (signal: NodeJS.Signals) => {
    this.stopSync();
    // Without other listeners, our listener has replaced Node's default "exit on signal": restore it.
    if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
  };

  constructor(root = RUNS_ROOT) {
    mkdirSync(root, { recursive: true });
    this.runDir = mkdtempSync(join(root, 'run-'));
    writeFileSync(join(this.runDir, 'owner'), `${process.pid}\n`);
    writeFileSync(join(this.runDir, 'pids'), '');
    this.reaper = spawn('bash', ['-c', REAPER_SCRIPT, 'reaper', String(process.pid), this.runDir], {
      detached: true,
      stdio: 'ignore',
    });
    this.reaper.unref();
    process.once('exit', this.onExit);
    for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.once(signal, this.onSignal);
  }

  start(name: string, binary: string, args: string[], env: NodeJS.ProcessEnv = process.env): ManagedProcess {
    if (this.stopped) throw new Error(`cannot start ${name}: the harness is stopping`);
    const logPath = join(this.runDir, `${name}.log`);
    const logFd = openSync(logPath, 'a');
    appendFileSync(logPath, `# ${binary} ${args.join(' ')}\n`);
    const child = spawn(binary, args, { detached: true, stdio: ['ignore', logFd, logFd], env, cwd: this.runDir });
    closeSync(logFd);
    if (child.pid === undefined) throw new Error(`could not start ${name} (${binary})`);
    const managed: ManagedProcess = { name, binary, pid: child.pid, logPath, child };
    child.on('exit', (code, signal) => {
      managed.exit = { code, signal };
    });
    child.on('error', (error) => {
      managed.exit = { code: -1, signal: null };
      appendFileSync(logPath, `# spawn error: ${error.message}\n`);
    });
    child.unref();
    this.processes.push(managed);
    appendFileSync(join(this.runDir, 'pids'), `${child.pid} ${binary}\n`);
    return managed;
  }

  logTail(process: ManagedProcess, lines = 40): string {
    try {
      return readFileSync(process.logPath, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
    } catch {
      return '(no log)';
    }
  }

  /** Marks the group stopped (once) and gives its processes in reverse start order; undefined when stopped already. */
  private beginStop(): ManagedProcess[] | undefined {
    if (this.stopped) return undefined;
    this.stopped = true;
    this.unhook();
    return [...this.processes].reverse();
  }

  /**
   * Graceful teardown in reverse start order, one at a time, so that no server loses its backend
   * while it shuts down (an API server without etcd retries for a long time): SIGTERM, wait, SIGKILL.
   * Removes the run folder unless keepRunDir.
   */
  async stop({ keepRunDir = false } = {}): Promise<void> {
    const processes = this.beginStop();
    if (!processes) return;
    for (const p of processes) {
      if (p.exit !== undefined) continue;
      killGroup(p.pid, 'SIGTERM');
      const deadlineMs = Date.now() + STOP_GRACE_MS;
      while (p.exit === undefined && isAlive(p.pid) && Date.now() < deadlineMs) {
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      killGroup(p.pid, 'SIGKILL');
    }
    this.killReaper();
    if (!keepRunDir) rmSync(this.runDir, { recursive: true, force: true });
  }

  /** For signal and exit hooks, where nothing asynchronous runs any more. */
  stopSync(): void {
    const processes = this.beginStop();
    if (!processes) return;
    for (const p of processes) {
      if (p.exit !== undefined) continue;
      killGroup(p.pid, 'SIGTERM');
      const deadlineMs = Date.now() + 1_500;
      while (isAlive(p.pid) && Date.now() < deadlineMs) sleepSync(25);
      killGroup(p.pid, 'SIGKILL');
    }
    this.killReaper();
    rmSync(this.runDir, { recursive: true, force: true });
  }

  private killReaper(): void {
    if (this.reaper?.pid !== undefined) killGroup(this.reaper.pid, 'SIGKILL');
    this.reaper = undefined;
  }

  private unhook(): void {
    process.off('exit', this.onExit);
    for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.off(signal, this.onSignal);
  }
}
