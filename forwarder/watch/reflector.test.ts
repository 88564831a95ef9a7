import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../test/forwarder/fake-clock.ts';
import { KubeApiError } from '../kube/kube-http.ts';
import { CompactStore, namespacedKey } from './compact-store.ts';
import type { Lister, ListPage, WatchEventType, Watcher } from './list-watch.ts';
import { Reflector } from './reflector.ts';

// The reflector with scripted list and watch calls: paging, relist on 410, backoff after errors,
// "listed" only after a complete list, and no deletion of objects a partial list did not reach.
// Time is a FakeClock: backoff waits happen only when the test advances it.

type Item = { metadata: { name: string; resourceVersion?: string } };
const item = (name: string, rv = '1'): Item => ({ metadata: { name, resourceVersion: rv } });

interface WatchScript {
  events?: Array<[WatchEventType, unknown]>;
  /** How the watch ends: normally, with an error, or left open. */
  end: 'normal' | 'open' | unknown;
}

function harness(pages: Array<ListPage | Error>, watches: WatchScript[]) {
  const listCalls: Array<{ continueToken?: string; limit: number }> = [];
  const watchCalls: string[] = [];
  const lister: Lister = async (query) => {
    listCalls.push({ limit: query.limit, ...(query.continueToken ? { continueToken: query.continueToken } : {}) });
    const next = pages.shift();
    if (!next) throw new Error('no more list pages scripted');
    if (next instanceof Error) throw next;
    return next;
  };
  let openDone: ((error: unknown) => void) | undefined;
  const watcher: Watcher = async (query, onEvent, onDone, onOpen) => {
    watchCalls.push(query.resourceVersion);
    const script = watches.shift() ?? { end: 'open' };
    queueMicrotask(() => {
      if (!(script.end instanceof Error)) onOpen?.();
      for (const [type, object] of script.events ?? []) onEvent(type, object);
      if (script.end === 'normal') onDone(undefined);
      else if (script.end === 'open') openDone = onDone;
      else onDone(script.end);
    });
    return { abort: () => openDone?.(undefined) };
  };
  const store = new CompactStore<string>({ keyOf: namespacedKey, compact: (o) => (o as Item).metadata.name });
  const errors: unknown[] = [];
  const clock = new FakeClock();
  const reflector = new Reflector({
    name: 'test', lister, watcher, sink: store, pageSize: 2, backoff: { initialMs: 100, maxMs: 200 }, clock,
    onError: (_n, error) => errors.push(error),
  });
  return { reflector, store, listCalls, watchCalls, errors, clock };
}

/** Lets the scripted calls' promise chains run (no time passes on the fake clock). */
const settle = async () => {
  for (let i = 0; i < 20; i++) await new Promise((resolve) => setImmediate(resolve));
};

describe('Reflector', () => {
  it('lists page by page, is synced after the last page, then watches from the list resourceVersion', async () => {
    const { reflector, store, listCalls, watchCalls } = harness(
      [{ items: [item('a'), item('b')], resourceVersion: '10', continueToken: 'p2' }, { items: [item('c')], resourceVersion: '10' }],
      [{ events: [['ADDED', item('d', '11')], ['DELETED', item('a', '12')]], end: 'open' }],
    );
    reflector.start();
    await settle();
    expect(reflector.listedOnce).toBe(true);
    expect(reflector.fresh).toBe(true);
    expect(listCalls).toEqual([{ limit: 2 }, { limit: 2, continueToken: 'p2' }]);
    expect(watchCalls).toEqual(['10']);
    expect([...store.items.keys()].sort()).toEqual(['b', 'c', 'd']);
    await reflector.stop();
  });

  it('relists on 410 Gone (ERROR event) and drops what disappeared meanwhile', async () => {
    const { reflector, store, listCalls, watchCalls } = harness(
      [{ items: [item('a'), item('b')], resourceVersion: '10' }, { items: [item('b')], resourceVersion: '50' }],
      [{ events: [['ERROR', { kind: 'Status', code: 410, reason: 'Expired' }]], end: 'normal' }, { end: 'open' }],
    );
    reflector.start();
    await settle();
    expect(listCalls).toHaveLength(2);
    expect(watchCalls).toEqual(['10', '50']);
    expect([...store.items.keys()]).toEqual(['b']);
    expect(reflector.relists).toBe(2);
    await reflector.stop();
  });

  it('relists when the watch request itself answers 410', async () => {
    const { reflector, listCalls, errors } = harness(
      [{ items: [item('a')], resourceVersion: '10' }, { items: [item('a')], resourceVersion: '60' }],
      [{ end: new KubeApiError(410, 'Expired', 'too old') }, { end: 'open' }],
    );
    reflector.start();
    await settle();
    expect(listCalls).toHaveLength(2);
    expect(errors).toEqual([]); // 410 is routine, not an error
    await reflector.stop();
  });

  it('after a watch error, backs off and watches again from the last resourceVersion seen (no relist)', async () => {
    const { reflector, listCalls, watchCalls, errors, clock } = harness(
      [{ items: [item('a')], resourceVersion: '10' }],
      [{ events: [['MODIFIED', item('a', '15')], ['BOOKMARK', { metadata: { resourceVersion: '20' } }]], end: new Error('connection reset') }, { end: 'open' }],
    );
    reflector.start();
    await settle();
    expect(watchCalls).toEqual(['10']); // waiting out the backoff
    expect(reflector.fresh).toBe(false);
    await clock.advanceAsync(200, 50);
    await settle();
    expect(reflector.fresh).toBe(true);
    expect(listCalls).toHaveLength(1);
    expect(watchCalls).toEqual(['10', '20']);
    expect(errors).toHaveLength(1);
    await reflector.stop();
  });

  it('is not listed while the first list fails, and keeps what a failed relist did not reach', async () => {
    const { reflector, store, listCalls, clock } = harness(
      [new Error('apiserver down'), new Error('still down'), { items: [item('a'), item('b')], resourceVersion: '10', continueToken: 'x' }, new KubeApiError(500, 'InternalError', 'boom'), { items: [item('a'), item('b')], resourceVersion: '10' }],
      [{ end: 'open' }],
    );
    reflector.start();
    await settle();
    expect(listCalls).toHaveLength(1);
    expect(reflector.listedOnce).toBe(false);
    await clock.advanceAsync(200, 50); // first backoff
    await settle();
    expect(listCalls).toHaveLength(2);
    expect(reflector.listedOnce).toBe(false);
    await clock.advanceAsync(200, 50); // second backoff: page 1 of 2, then page 2 fails
    await settle();
    expect(reflector.listedOnce).toBe(false);
    expect(store.size).toBe(2); // the partial list delivered a and b
    await clock.advanceAsync(200, 50);
    await settle();
    expect(reflector.listedOnce).toBe(true);
    expect(reflector.fresh).toBe(true);
    expect([...store.items.keys()].sort()).toEqual(['a', 'b']);
    await reflector.stop();
  });
});
