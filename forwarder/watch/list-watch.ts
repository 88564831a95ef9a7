import { Watch, type KubeConfig } from '@kubernetes/client-node';
import { KubeApiError, type KubeHttp } from '../kube/kube-http.ts';

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

/** Starts a watch; `onDone` is called exactly once when it ends, with the error if there was one. */
export type Watcher = (
  query: ListQuery & { resourceVersion: string; timeoutSeconds: number },
  onEvent: (type: WatchEventType, object: unknown) => void,
  onDone: (error: unknown) => void,
) => Promise<WatchHandle>;

/** A list call returning plain JSON (no model classes), one page at a time. */
export function httpLister(http: KubeHttp, path: string): Lister {
  return async ({ limit, continueToken, labelSelector, fieldSelector }) => {
    const list = await http.request<{ items?: unknown[]; metadata?: { resourceVersion?: string; continue?: string } }>({
      method: 'GET',
      path,
      query: { limit, continue: continueToken, labelSelector, fieldSelector },
      timeoutMs: 60_000,
    });
    return {
      items: list.items ?? [],
      resourceVersion: list.metadata?.resourceVersion ?? '',
      continueToken: list.metadata?.continue || undefined,
    };
  };
}

/** client-node's Watch, with an inactivity timeout longer than the server-side timeout. */
export function clientNodeWatcher(kubeConfig: KubeConfig, path: string): Watcher {
  return async ({ resourceVersion, timeoutSeconds, labelSelector, fieldSelector }, onEvent, onDone) => {
    const watch = new Watch(kubeConfig);
    // Bookmarks come about once a minute; a silent connection longer than this is dead.
    (watch as unknown as { requestTimeoutMs: number }).requestTimeoutMs = (timeoutSeconds + 60) * 1000; // private in the typings, settable at run time
    const controller = await watch.watch(
      path,
      { resourceVersion, allowWatchBookmarks: true, timeoutSeconds, labelSelector, fieldSelector },
      (type: string, object: unknown) => onEvent(type as WatchEventType, object),
      (error: unknown) => onDone(normalizeWatchError(error)),
    );
    return { abort: () => controller.abort() };
  };
}

function normalizeWatchError(error: unknown): unknown {
  if (!error) return undefined;
  const statusCode = (error as { statusCode?: unknown }).statusCode;
  if (typeof statusCode === 'number') {
    return new KubeApiError(statusCode, statusCode === 410 ? 'Expired' : String(statusCode), `watch: ${statusCode} ${(error as Error).message}`, undefined, { cause: error });
  }
  return error;
}
