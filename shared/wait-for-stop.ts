// A server command's lifetime: it runs until the user stops it (Ctrl-C = SIGINT, a container's stop
// = SIGTERM) or, in tests, until a signal aborts. The one place a command wires those signals.

const STOP_SIGNALS = ['SIGINT', 'SIGTERM'] as const;

/**
 * Calls `handler` once, on the first SIGINT or SIGTERM, until the returned function is called.
 * `first`: before the listeners registered already (e.g. to save logs before a supervisor's hook).
 */
export function onStopSignal(handler: (signal: NodeJS.Signals) => void, options: { first?: boolean } = {}): () => void {
  const listener = (signal: NodeJS.Signals) => {
    off();
    handler(signal);
  };
  const off = () => {
    for (const signal of STOP_SIGNALS) process.off(signal, listener);
  };
  for (const signal of STOP_SIGNALS) {
    if (options.first) process.prependListener(signal, listener);
    else process.on(signal, listener);
  }
  return off;
}

/** Resolves when `signal` aborts or, without one, on the first SIGINT or SIGTERM. */
export function waitForStop(signal?: AbortSignal): Promise<void> {
  return new Promise<void>((resolve) => {
    if (signal) {
      if (signal.aborted) return resolve();
      signal.addEventListener('abort', () => resolve(), { once: true });
      return;
    }
    onStopSignal(() => resolve());
  });
}
