import type { KubeHttp } from '../kube/kube-http.ts';

// The two calls a reflector makes, as small functions so that tests can replace them.

export interface ListQuery {
  labelSelector?: string;
  fieldSelector?: string;
}

export interface ListPage {
  items: unknown[];
  resourceVersion: string;
  /** Token of the next page; empty/absent on the last. */
  continueToken?: string;
}

export type Lister = (query: ListQuery & { limit: number; continueToken?: string }) => Promise<ListPage>;

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';

export interface WatchHandle {
  abort(): void;
}

/**
 * Starts a watch; `onDone` is called exactly once when it ends, with the error if there was one;
 * `onOpen` when the server has accepted it (HTTP 200): from then on the cache is current again.
 */
export type Watcher = (
  query: ListQuery & { resourceVersion: string; timeoutSeconds: number },
  onEvent: (type: WatchEventType, object: unknown) => void,
  onDone: (error: unknown) => void,
  onOpen?: () => void,
) => Promise<WatchHandle>;

/** A list call returning plain JSON (no model classes), one page at a time. */
export function httpLister(http: KubeHttp, path: string): Lister {
  return async ({ limit, continueToken, labelSelector, fieldSelector }) => {
    const list = await http.request<{ items?: unknown[]; metadata?: { resourceVersion?: string; continue?: string } }>({
      method: 'GET',
      path,
      query: { limit, continue: continueToken, labelSelector, fieldSelector },
      timeoutMs: 60_000,
      deadlineMs: 120_000,
    });
    return {
      items: list.items ?? [],
      resourceVersion: list.metadata?.resourceVersion ?? '',
      continueToken: list.metadata?.continue || undefined,
    };
  };
}

/** A watch stream over the client's shared TLS context: one JSON event per line. */
export function httpWatcher(http: KubeHttp, path: string): Watcher {
  return async ({ resourceVersion, timeoutSeconds, labelSelector, fieldSelector }, onEvent, onDone, onOpen) =>
    http.stream(
      path,
      { watch: 1, resourceVersion, allowWatchBookmarks: true, timeoutSeconds, labelSelector, fieldSelector },
      // Bookmarks come about once a minute; a connection silent for longer than the timeout is dead.
      (timeoutSeconds + 60) * 1000,
      (line) => {
        let event: { type?: string; object?: unknown };
        try {
          event = JSON.parse(line) as { type?: string; object?: unknown };
        } catch {
          return; // a torn line from a broken connection: the watch restarts from the last resourceVersion
        }
        if (event.type) onEvent(event.type as WatchEventType, event.object);
      },
      onDone,
      // The server ends the watch at timeoutSeconds; one still open well after that is stuck.
      { deadlineMs: (timeoutSeconds + 30) * 1000, ...(onOpen ? { onOpen } : {}) },
    );
}
