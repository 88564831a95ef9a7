import type { ReflectorSink } from './reflector.ts';

// A map of compact facts fed by a reflector. Whole objects are never kept: each arriving object is
// turned into its compact form (or dropped) and the original becomes garbage at once.
// An object that cannot be compacted is NOT forgotten: it is kept in `unreadable` (with whatever
// `unreadable()` could still read of it) until it is deleted or becomes readable, so that the
// picture fails closed (an unreadable pod keeps its node, an unreadable node keeps the cache stale).

export interface CompactStoreOptions<T, U = true> {
  /** "namespace/name" or "name". */
  keyOf(object: unknown): string | undefined;
  /** undefined = not interesting (e.g. a finished pod): forget it. Throwing makes it unreadable. */
  compact(object: unknown): T | undefined;
  /**
   * What can still be read of an object `compact` threw on (must not throw); undefined = safe to
   * forget (a finished pod). Absent: the object is counted as unreadable with no facts.
   */
  unreadable?(object: unknown, error: unknown): U | undefined;
  /** Called for every change after compaction (not for identical updates of unchanged facts). */
  onChange?(key: string, previous: T | undefined, next: T | undefined, from: 'list' | 'watch'): void;
  onCompactError?(key: string, error: unknown): void;
}

export class CompactStore<T, U = true> implements ReflectorSink {
  readonly items = new Map<string, T>();
  /** Objects present in the cluster that could not be compacted, by key. */
  readonly unreadable = new Map<string, U>();
  private listing: Set<string> | undefined;

  constructor(private readonly options: CompactStoreOptions<T, U>) {}

  beginList(): void {
    this.listing = new Set();
  }

  upsert(object: unknown, from: 'list' | 'watch'): void {
    const key = this.options.keyOf(object);
    if (key === undefined) return;
    this.listing?.add(key);
    let next: T | undefined;
    try {
      next = this.options.compact(object);
      this.unreadable.delete(key);
    } catch (error) {
      this.options.onCompactError?.(key, error);
      next = undefined;
      const facts = this.options.unreadable ? this.options.unreadable(object, error) : (true as U);
      if (facts === undefined) this.unreadable.delete(key);
      else this.unreadable.set(key, facts);
    }
    const previous = this.items.get(key);
    if (next === undefined) this.items.delete(key);
    else this.items.set(key, next);
    if (previous !== undefined || next !== undefined) this.options.onChange?.(key, previous, next, from);
  }

  remove(object: unknown): void {
    const key = this.options.keyOf(object);
    if (key === undefined) return;
    this.unreadable.delete(key);
    const previous = this.items.get(key);
    if (this.items.delete(key)) this.options.onChange?.(key, previous, undefined, 'watch');
  }

  endList(): void {
    const seen = this.listing;
    this.listing = undefined;
    if (!seen) return;
    for (const key of this.unreadable.keys()) {
      if (!seen.has(key)) this.unreadable.delete(key);
    }
    for (const [key, previous] of this.items) {
      if (!seen.has(key)) {
        this.items.delete(key);
        this.options.onChange?.(key, previous, undefined, 'list');
      }
    }
  }

  get size(): number {
    return this.items.size;
  }
}

export function namespacedKey(object: unknown): string | undefined {
  const meta = (object as { metadata?: { name?: string; namespace?: string } } | undefined)?.metadata;
  if (!meta?.name) return undefined;
  return meta.namespace ? `${meta.namespace}/${meta.name}` : meta.name;
}
