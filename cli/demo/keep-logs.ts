import { copyFileSync, existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

// The demo's logs outlive it: the harness removes its run folders when it stops (also on Ctrl-C, in
// its signal hooks), so the demo copies the *.log files into a folder of its own when it ends and
// prints that path from the start. Synchronous: it also runs from a signal handler.

/** At most this much per file is copied (a runaway log must not fill the disk twice). */
export const MAX_LOG_BYTES = 64 * 2 ** 20;

export function keepLogs(sources: readonly { prefix: string; dir: string }[], into: string): string[] {
  const copied: string[] = [];
  mkdirSync(into, { recursive: true });
  for (const { prefix, dir } of sources) {
    if (!existsSync(dir)) continue;
    for (const name of readdirSync(dir)) {
      if (!name.endsWith('.log')) continue;
      const from = join(dir, name);
      try {
        if (!statSync(from).isFile() || statSync(from).size > MAX_LOG_BYTES) continue;
        const to = join(into, `${prefix}-${name}`);
        copyFileSync(from, to);
        copied.push(to);
      } catch {
        // a log that vanished meanwhile: keep the others
      }
    }
  }
  return copied;
}
