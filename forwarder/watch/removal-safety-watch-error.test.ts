import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../test/forwarder/fake-clock.ts';
import { CompactStore, namespacedKey } from './compact-store.ts';
import type { Watcher } from './list-watch.ts';
import { Reflector, WatchErrorEvent } from './reflector.ts';

// removal-safety (issue 14, item 4): a watch that answers every request with a non-410 ERROR event
// must back off and say so. Before, the reflector reconnected at once: a reproduction counted
// 113,897 watch requests in 200 ms, nothing logged. The server's answers arrive on a later turn of
// the event loop (setImmediate), as a real connection's do, so a reflector that spins is counted
// here instead of hanging the test.

const ERROR_500 = { kind: 'Status', code: 500, reason: 'InternalError', message: 'etcd: request timed out' };

const turns = async (n: number) => {
  for (let i = 0; i < n; i++) await new Promise((resolve) => setImmediate(resolve));
};

function floodedReflector() {
  const clock = new FakeClock();
  let watchRequests = 0;
  const watcher: Watcher = async (_query, onEvent, onDone, onOpen) => {
    watchRequests += 1;
    setImmediate(() => {
      onOpen?.();
      onEvent('ERROR', ERROR_500);
      onDone(undefined);
    });
    return { abort: () => {} };
  };
  const logged: Array<{ error: unknown; retryInMs: number }> = [];
  const reflector = new Reflector({
    name: 'pods',
    lister: async () => ({ items: [{ metadata: { name: 'a', resourceVersion: '1' } }], resourceVersion: '1' }),
    watcher,
    sink: new CompactStore<string>({ keyOf: namespacedKey, compact: () => 'a' }),
    clock,
    // the production backoff: 0.5 s doubling to 30 s, 20 % jitter
    backoff: { initialMs: 500, maxMs: 30_000 },
    onError: (_name, error, retryInMs) => logged.push({ error, retryInMs }),
  });
  return { reflector, clock, logged, watchRequests: () => watchRequests };
}

describe('removal-safety: watch ERROR events', () => {
  it('backs off after each non-410 ERROR event and logs it: at most 6 watch requests in 10 s', async () => {
    const { reflector, clock, logged, watchRequests } = floodedReflector();
    reflector.start();
    // 10 s of fake time in 100 ms steps, with plenty of event-loop turns in each for a spinning loop to show.
    for (let elapsedMs = 0; elapsedMs < 10_000; elapsedMs += 100) {
      await turns(20);
      await clock.advanceAsync(100, 100);
    }
    await turns(20);
    // Waits of 0.4–0.5, 0.8–1, 1.6–2, 3.2–4, 6.4–8 s: the 6th request comes after 6.4 s at the earliest,
    // the 7th after 12.8 s.
    expect(watchRequests()).toBeGreaterThanOrEqual(5);
    expect(watchRequests()).toBeLessThanOrEqual(6);
    // Every ERROR was reported (logged by the cache as "watch failed; retrying") with the wait it caused.
    expect(logged.length).toBe(watchRequests());
    expect(logged[0]!.error).toBeInstanceOf(WatchErrorEvent);
    expect(String((logged[0]!.error as Error).message)).toContain('500 InternalError etcd: request timed out');
    expect(logged.map((l) => l.retryInMs)).toEqual([...logged].map((l) => l.retryInMs).sort((x, y) => x - y));
    // A watch that keeps failing is not fresh: destructive steps are held meanwhile.
    expect(reflector.fresh).toBe(false);
    await reflector.stop();
  });
});
