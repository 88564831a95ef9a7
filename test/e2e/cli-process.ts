import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ManagedProcess, ProcessSupervisor } from '../harness/processes.ts';
import { probe } from '../harness/probe.ts';

// One part of the product run as a user runs it: `vpsie-autoscaler <command> …` (bin/vpsie-autoscaler.mjs,
// what `npx vpsie-autoscaler` starts) in its own process group, output to a log file. The harness's
// ProcessSupervisor owns the process groups, so a crashed or interrupted run leaves nothing behind;
// this adds what the e2e tests need on top: stop one part, kill -9 it, start it again.

export const CLI_BIN = join(dirname(fileURLToPath(import.meta.url)), '../../bin/vpsie-autoscaler.mjs');

export interface CliPartOptions {
  /** Log file name (<runDir>/<name>.log); a restart appends to the same file. */
  name: string;
  args: string[];
  env?: NodeJS.ProcessEnv;
  /** Probed until it answers 200 after every (re)start. */
  healthUrl?: string;
  startTimeoutMs?: number;
}

export class CliPartError extends Error {
  override name = 'CliPartError';
}

export class CliPart {
  private current: ManagedProcess | undefined;
  private starts = 0;

  constructor(
    private readonly supervisor: ProcessSupervisor,
    readonly options: CliPartOptions,
  ) {}

  get name(): string {
    return this.options.name;
  }

  get logPath(): string {
    return join(this.supervisor.runDir, `${this.options.name}.log`);
  }

  get pid(): number | undefined {
    return this.running ? this.current?.pid : undefined;
  }

  get running(): boolean {
    return this.current !== undefined && this.current.exit === undefined;
  }

  /** How many times the part has been started. */
  get startCount(): number {
    return this.starts;
  }

  async start(): Promise<void> {
    if (this.running) return;
    this.starts += 1;
    this.current = this.supervisor.start(this.options.name, process.execPath, [CLI_BIN, ...this.options.args], {
      ...process.env,
      // The children's own logs are JSON lines in the log file; no colours, no SDK banner.
      NO_COLOR: '1',
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      ...this.options.env,
    });
    if (this.options.healthUrl) await this.waitHealthy(this.options.healthUrl, this.options.startTimeoutMs ?? 60_000);
  }

  private async waitHealthy(url: string, timeoutMs: number): Promise<void> {
    const deadlineMs = Date.now() + timeoutMs;
    let last = 'no answer yet';
    for (;;) {
      const proc = this.current;
      if (proc?.exit) {
        throw new CliPartError(`${this.name} exited during start (code ${proc.exit.code}, signal ${proc.exit.signal})\n--- ${this.logPath} ---\n${this.logTail()}`);
      }
      try {
        const { status, body } = await probe(url);
        if (status === 200) return;
        last = `${status} ${body.slice(0, 200)}`;
      } catch (error) {
        last = error instanceof Error ? error.message : String(error);
      }
      if (Date.now() > deadlineMs) {
        throw new CliPartError(`${this.name} not healthy at ${url} after ${timeoutMs} ms (${last})\n--- ${this.logPath} ---\n${this.logTail()}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }

  /** SIGTERM (graceful: a leader hands its Lease back), then SIGKILL after graceMs. */
  async stop(graceMs = 5_000): Promise<void> {
    await this.signal('SIGTERM', graceMs);
  }

  /** kill -9: no shutdown code runs (a crashed or evicted pod). */
  async kill(): Promise<void> {
    await this.signal('SIGKILL', 5_000);
  }

  async restart(): Promise<void> {
    await this.stop();
    await this.start();
  }

  private async signal(signal: NodeJS.Signals, graceMs: number): Promise<void> {
    const proc = this.current;
    if (!proc || proc.exit) return;
    killGroup(proc.pid, signal);
    const deadlineMs = Date.now() + graceMs;
    while (proc.exit === undefined && Date.now() < deadlineMs) await new Promise((resolve) => setTimeout(resolve, 25));
    if (proc.exit === undefined) {
      killGroup(proc.pid, 'SIGKILL');
      while (proc.exit === undefined) await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }

  logText(): string {
    try {
      return readFileSync(this.logPath, 'utf8');
    } catch {
      return '';
    }
  }

  logTail(lines = 40): string {
    return this.logText().trimEnd().split('\n').slice(-lines).join('\n');
  }
}

function killGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // gone already
  }
}
