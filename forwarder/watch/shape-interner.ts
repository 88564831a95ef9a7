import { stableKey } from '../../shared/compact/stable-key.ts';
import type { PodShape } from '../../shared/snapshot.ts';

// Replicas of one template share one shape object in memory (and one entry in the snapshot).
// Reference-counted, so shapes of deleted pods do not pile up.

export interface InternedShape {
  readonly shape: PodShape;
  readonly key: string;
  refs: number;
}

export class ShapeInterner {
  private readonly shapes = new Map<string, InternedShape>();

  acquire(shape: PodShape): InternedShape {
    const key = stableKey(shape);
    let entry = this.shapes.get(key);
    if (!entry) {
      entry = { shape, key, refs: 0 };
      this.shapes.set(key, entry);
    }
    entry.refs += 1;
    return entry;
  }

  release(entry: InternedShape): void {
    entry.refs -= 1;
    if (entry.refs <= 0) this.shapes.delete(entry.key);
  }

  get size(): number {
    return this.shapes.size;
  }
}

/** Repeated strings (namespaces, node names) kept once: 30,000 pods name a few hundred of them. */
export class StringInterner {
  private readonly strings = new Map<string, string>();

  intern(value: string): string {
    const existing = this.strings.get(value);
    if (existing !== undefined) return existing;
    if (this.strings.size > 100_000) this.strings.clear(); // a bound, not a cache policy: correctness never depends on it
    this.strings.set(value, value);
    return value;
  }
}
