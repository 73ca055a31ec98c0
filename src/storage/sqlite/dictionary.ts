// A table of distinct values (board ids, actors, IP hashes) that records refer to by number,
// with the numbers of recently used values cached. An id is created inside the commit's
// transaction; if that transaction rolls back, the id is gone, so the writer calls forget().
import type { Database, Statement } from 'better-sqlite3';

const CACHE_LIMIT = 100_000;

export class Dictionary {
  private readonly ids = new Map<string, number>();
  /**
   * The last value found (bytes: a copy, since callers may reuse theirs) and its id: consecutive
   * records often share one, and comparing is cheaper than a base64 key per record.
   */
  private lastValue: string | Buffer | null = null;
  private lastId = 0;
  private readonly select: Statement<[string | Buffer], { id: number }>;
  private readonly insert: Statement<[string | Buffer]>;

  /** `table` has columns id (INTEGER PRIMARY KEY) and `column` (UNIQUE). */
  constructor(db: Database, table: string, column: string) {
    this.select = db.prepare(`SELECT id FROM ${table} WHERE ${column} = ?`);
    this.insert = db.prepare(`INSERT INTO ${table} (${column}) VALUES (?)`);
  }

  /** The id of value, or undefined if it was never stored. */
  find(value: string | Buffer): number | undefined {
    const last = this.lastValue;
    if (last !== null && (typeof value === 'string' ? value === last : typeof last !== 'string' && value.equals(last))) return this.lastId;
    const id = this.lookUp(value);
    if (id !== undefined) {
      this.lastValue = typeof value === 'string' ? value : Buffer.from(value);
      this.lastId = id;
    }
    return id;
  }

  private lookUp(value: string | Buffer): number | undefined {
    const key = typeof value === 'string' ? value : value.toString('base64');
    const cached = this.ids.get(key);
    if (cached !== undefined) return cached;
    const id = this.select.get(value)?.id;
    if (id !== undefined) this.remember(key, id);
    return id;
  }

  /** The id of value, stored now if new. Call inside the transaction that uses it. */
  idOf(value: string | Buffer): number {
    const found = this.find(value);
    if (found !== undefined) return found;
    const id = Number(this.insert.run(value).lastInsertRowid);
    this.remember(typeof value === 'string' ? value : value.toString('base64'), id);
    return id;
  }

  forget(): void {
    this.ids.clear();
    this.lastValue = null;
  }

  private remember(key: string, id: number): void {
    if (this.ids.size >= CACHE_LIMIT) this.ids.clear();
    this.ids.set(key, id);
  }
}
