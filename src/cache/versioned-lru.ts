// Values that show something at a version (a chunk's PNG, a board's image, a prepared
// frame), keyed by what they show. One version per key is kept: asking for another
// replaces it. Bounded by entries and by bytes; the least recently used go first.
// Imports nothing, so any layer may use it.

export interface VersionedLruLimits<V> {
  /** Most entries kept; no limit by default. */
  maxEntries?: number;
  /** Most bytes kept, as `byteLength` counts them; no limit by default. */
  maxBytes?: number;
  /** The bytes a value holds; 0 by default (then only maxEntries bounds the cache). */
  byteLength?: (value: V) => number;
}

interface Entry<V> {
  version: number;
  value: V;
  bytes: number;
}

export class VersionedLru<K, V> {
  // A Map iterates in insertion order: re-inserting on every use makes it the LRU order.
  private readonly entries = new Map<K, Entry<V>>();
  private bytes = 0;
  private readonly maxEntries: number;
  private readonly maxBytes: number;
  private readonly byteLength: (value: V) => number;

  constructor(limits: VersionedLruLimits<V> = {}) {
    this.maxEntries = limits.maxEntries ?? Infinity;
    this.maxBytes = limits.maxBytes ?? Infinity;
    this.byteLength = limits.byteLength ?? (() => 0);
  }

  /** Entries held. */
  get size(): number {
    return this.entries.size;
  }

  /** Bytes held, as `byteLength` counts them. */
  get byteSize(): number {
    return this.bytes;
  }

  /**
   * `key`'s value at `version`: the cached one, or else `produce()`'s, which is cached
   * in place of any other version. Either way `key` becomes the most recently used.
   * A value over the whole byte budget is returned but not kept.
   */
  get(key: K, version: number, produce: () => V): V {
    const hit = this.entries.get(key);
    if (hit !== undefined) {
      this.entries.delete(key);
      if (hit.version === version) {
        this.entries.set(key, hit);
        return hit.value;
      }
      this.bytes -= hit.bytes;
    }
    const value = produce();
    const entry: Entry<V> = { version, value, bytes: this.byteLength(value) };
    this.entries.set(key, entry);
    this.bytes += entry.bytes;
    this.evict();
    return value;
  }

  /**
   * Counts `bytes` for `key`'s entry if it still holds `value`, then evicts as needed:
   * for values whose size is known only later (a promise's).
   */
  resize(key: K, value: V, bytes: number): void {
    const entry = this.entries.get(key);
    if (entry === undefined || entry.value !== value) return;
    this.bytes += bytes - entry.bytes;
    entry.bytes = bytes;
    this.evict();
  }

  /** Forgets `key`; with `value`, only if its entry still holds that value. */
  delete(key: K, value?: V): void {
    const entry = this.entries.get(key);
    if (entry === undefined || (value !== undefined && entry.value !== value)) return;
    this.entries.delete(key);
    this.bytes -= entry.bytes;
  }

  clear(): void {
    this.entries.clear();
    this.bytes = 0;
  }

  private evict(): void {
    for (const [key, entry] of this.entries) {
      if (this.entries.size <= this.maxEntries && this.bytes <= this.maxBytes) return;
      this.entries.delete(key);
      this.bytes -= entry.bytes;
    }
  }
}

/**
 * A VersionedLru of work in progress (a render, a compression): concurrent requests for
 * one version share one promise; its bytes count once it resolves; a rejection is not
 * kept, so the next request tries again.
 */
export class VersionedPromiseLru<K, T> {
  private readonly values: VersionedLru<K, Promise<T>>;
  private readonly byteLength: (value: T) => number;

  constructor(limits: VersionedLruLimits<T> = {}) {
    this.values = new VersionedLru({ maxEntries: limits.maxEntries, maxBytes: limits.maxBytes });
    this.byteLength = limits.byteLength ?? (() => 0);
  }

  get size(): number {
    return this.values.size;
  }

  get byteSize(): number {
    return this.values.byteSize;
  }

  /** As VersionedLru.get; a pending promise counts 0 bytes. */
  get(key: K, version: number, produce: () => Promise<T>): Promise<T> {
    return this.values.get(key, version, () => {
      const promise = produce();
      promise.then(
        (value) => this.values.resize(key, promise, this.byteLength(value)),
        () => this.values.delete(key, promise),
      );
      return promise;
    });
  }

  clear(): void {
    this.values.clear();
  }
}
