// Applies the cluster's writes to this process's boards in ONE order, the global seq order, so
// every process's boards stay byte-identical. Writes arrive out of order (from the log, from this
// process's own commits, from the database when the log missed some) and wait until every seq
// before theirs is applied. A gap is filled from the database, which already holds every seq
// below one that exists (seqs are handed out under the database's lock, in commit order).
import type { StoredPlacement } from '../storage/storage.js';
import type { LoggedWrite } from './logged-write.js';

/** How long a gap may stay open before the database is asked (most close on their own: a log entry in flight). */
const GAP_GRACE_MS = 50;
const FILL_PAGE = 1000;

export interface FollowerTarget {
  /** Writes one committed write onto its board. */
  apply(write: LoggedWrite): void;
  /** `count` writes came first from the database (the log missed or had not yet brought them). */
  filled(count: number): void;
  /** The database's writes with seq in (afterSeq, throughSeq], oldest first, at most `limit`. */
  fetch(afterSeq: number, throughSeq: number, limit: number): Promise<StoredPlacement[]>;
  /** Every write up to `seq` is on the boards now. */
  appliedThrough(seq: number): void;
}

export class LogFollower {
  private readonly waiting = new Map<number, LoggedWrite>();
  private gapTimer: NodeJS.Timeout | null = null;
  private filling: Promise<void> | null = null;

  constructor(private applied: number, private readonly target: FollowerTarget) {}

  get appliedSeq(): number {
    return this.applied;
  }

  /** Takes writes from `source`; returns how many were new (not applied or waiting already). */
  offer(writes: readonly LoggedWrite[]): number {
    let fresh = 0;
    for (const write of writes) {
      if (write.seq <= this.applied || this.waiting.has(write.seq)) continue;
      this.waiting.set(write.seq, write);
      fresh++;
    }
    this.drain();
    return fresh;
  }

  /** Applies everything the database holds up to `throughSeq` (start-up, reconnects, the periodic check). */
  async catchUp(throughSeq: number): Promise<void> {
    while (this.applied < throughSeq) {
      const before = this.applied;
      await this.fill(throughSeq);
      if (this.applied === before) return; // nothing more there (pruned or not yet visible): the next check retries
    }
  }

  stop(): void {
    if (this.gapTimer) clearTimeout(this.gapTimer);
    this.gapTimer = null;
  }

  private drain(): void {
    let next = this.applied + 1;
    let write = this.waiting.get(next);
    if (write === undefined && this.waiting.size === 0) return;
    while (write !== undefined) {
      this.waiting.delete(next);
      this.target.apply(write);
      this.applied = next;
      write = this.waiting.get(++next);
    }
    this.target.appliedThrough(this.applied);
    if (this.waiting.size > 0 && this.gapTimer === null) {
      this.gapTimer = setTimeout(() => {
        this.gapTimer = null;
        if (this.waiting.size > 0) void this.fill(smallest(this.waiting.keys()) - 1).catch(() => undefined);
      }, GAP_GRACE_MS);
    }
  }

  /** One page from the database after what is applied; one fill at a time. */
  private fill(throughSeq: number): Promise<void> {
    this.filling ??= (async () => {
      try {
        const records = await this.target.fetch(this.applied, throughSeq, FILL_PAGE);
        this.target.filled(this.offer(records.map(toLogged)));
      } finally {
        this.filling = null;
      }
    })();
    return this.filling;
  }
}

function toLogged(record: StoredPlacement): LoggedWrite {
  return record.kind === 'pixel'
    ? { seq: record.seq, boardId: record.boardId, kind: 'pixel', x: record.x, y: record.y, color: record.color }
    : { seq: record.seq, boardId: record.boardId, kind: 'tile', tx: record.tx, ty: record.ty, colors: record.colors };
}

function smallest(seqs: Iterable<number>): number {
  let min = Infinity;
  for (const seq of seqs) if (seq < min) min = seq;
  return min;
}
