// Rendered or compressed bytes keyed by what they show and the version they show it at.
// A request for a newer version replaces the entry; the least recently used entries go
// when the cache holds more entries or bytes than its budget. Values are promises, so
// concurrent requests for the same version share one render.

interface Entry {
  version: number;
  value: Promise<Buffer>;
  bytes: number; // 0 until the value resolves
}

export class VersionedCache {
  private readonly entries = new Map<string, Entry>();
  private bytes = 0;

  constructor(
    readonly maxEntries: number,
    readonly maxBytes: number,
  ) {}

  get size(): number {
    return this.entries.size;
  }

  get byteSize(): number {
    return this.bytes;
  }

  /** The cached value of `key` at `version`, or `produce()`'s, which is then cached. */
  get(key: string, version: number, produce: () => Promise<Buffer>): Promise<Buffer> {
    const hit = this.entries.get(key);
    if (hit !== undefined) {
      this.entries.delete(key); // re-inserted below: Map order is the LRU order
      if (hit.version === version) {
        this.entries.set(key, hit);
        return hit.value;
      }
      this.bytes -= hit.bytes;
    }
    const entry: Entry = { version, value: produce(), bytes: 0 };
    this.entries.set(key, entry);
    entry.value.then(
      (buffer) => {
        if (this.entries.get(key) !== entry) return; // replaced or evicted meanwhile
        entry.bytes = buffer.length;
        this.bytes += buffer.length;
        this.evict();
      },
      () => {
        if (this.entries.get(key) === entry) this.entries.delete(key); // a failure is not cached
      },
    );
    this.evict();
    return entry.value;
  }

  private evict(): void {
    while (this.entries.size > this.maxEntries || this.bytes > this.maxBytes) {
      const [oldestKey, oldest] = this.entries.entries().next().value as [string, Entry];
      this.entries.delete(oldestKey);
      this.bytes -= oldest.bytes;
    }
  }
}
