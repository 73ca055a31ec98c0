// Stage 5, made durable: group commit. Every write accepted during one turn of
// the event loop (or, while a transaction is in flight, until it ends) goes
// into ONE storage transaction (never one per pixel); each
// is applied and acknowledged only once that transaction has committed, and
// all of a failed transaction's writes are refused with the board unchanged.
// Transactions run one after another, so a write's previous colour is read
// from the board as every earlier transaction left it (and, within one
// transaction, from the writes before it).
import type { Board } from '../canvas/board.js';
import type { Clock } from '../clock.js';
import type { PlacementRecord, Storage } from '../storage/storage.js';
import type { CommitStage } from './commit.js';
import { actorOf } from './actor.js';
import type { Write, WriteRequest } from './write.js';

const IP_HASH_CACHE = 10_000;

interface Pending {
  request: WriteRequest;
  resolve: () => void;
  reject: (error: unknown) => void;
}

export interface CommitObserver {
  /** A transaction of `records` records committed after `ms` milliseconds. */
  committed(records: number, ms: number): void;
  failed(error: unknown): void;
}

/**
 * A shared ordered log the committed writes also go to (cluster mode): a write is acknowledged
 * only once it is durable AND logged, and it is applied when it comes back in the log's order,
 * not by the pipeline.
 */
export interface CommitLog {
  /** Whether writes can be taken now (the log and the store answer, this process is caught up). */
  accepting(): boolean;
  /** Resolves when the write may go on (shared rate limits); rejects (WriteRefusedError) when not. */
  admit(request: WriteRequest): Promise<void>;
  /** Logs a committed batch (and hands it to this process's ordered applier); rejects if it cannot. */
  publish(records: readonly PlacementRecord[], seqs: readonly number[]): Promise<void>;
}

export class DurableCommit implements CommitStage {
  private queue: Pending[] = [];
  private scheduled = false;
  /** The transaction in flight, if any: writes arriving meanwhile wait and go into the next one together. */
  private writing: Promise<void> | null = null;
  /** hashIp's answers: an HMAC per write would cost more than the rest of its record. */
  private readonly ipHashes = new Map<string, Uint8Array>();
  /** The seq of the newest committed record: the boards include everything up to it. */
  lastCommittedSeq: number;

  constructor(
    private readonly storage: Storage,
    private readonly clock: Clock,
    lastSeq: number,
    private readonly observer: CommitObserver,
    private readonly schedule: (flush: () => void) => void = setImmediate,
    private readonly log: CommitLog | null = null,
  ) {
    this.lastCommittedSeq = lastSeq;
  }

  /** With a log, the log's follower applies the writes (and keeps lastCommittedSeq). */
  get appliesWrites(): boolean {
    return this.log !== null;
  }

  commit(request: WriteRequest): Promise<void> {
    if (this.log === null) return this.enqueue(owned(request));
    if (!this.log.accepting()) return Promise.reject(new Error('the cluster is not accepting writes'));
    const mine = owned(request); // now: the request's bytes may be a reused buffer's
    return this.log.admit(mine).then(() => this.enqueue(mine));
  }

  private enqueue(request: WriteRequest): Promise<void> {
    return new Promise((resolve, reject) => {
      this.queue.push({ request, resolve, reject });
      if (this.scheduled) return;
      this.scheduled = true;
      this.schedule(() => this.flush());
    });
  }

  /** Resolves once everything submitted so far is committed or refused. */
  async drain(): Promise<void> {
    this.flush();
    while (this.writing !== null) await this.writing;
  }

  // One transaction at a time. Over a network (PostgreSQL) a commit takes several turns of the
  // event loop; everything accepted during them is committed next, as one batch, so a slower
  // engine makes bigger batches rather than a queue of small ones.
  private flush(): void {
    this.scheduled = false;
    if (this.writing !== null || this.queue.length === 0) return;
    const batch = this.queue;
    this.queue = [];
    this.writing = this.write(batch).then(() => {
      this.writing = null;
      this.flush();
    });
  }

  private async write(batch: Pending[]): Promise<void> {
    const started = this.clock.now();
    let records: PlacementRecord[];
    let seqs: number[];
    try {
      records = this.records(batch);
      seqs = await this.storage.commit(records);
      if (this.log !== null) await this.log.publish(records, seqs);
    } catch (error) {
      this.observer.failed(error);
      for (const pending of batch) pending.reject(error);
      return;
    }
    if (this.log === null) this.lastCommittedSeq = seqs[seqs.length - 1] ?? this.lastCommittedSeq;
    this.observer.committed(records.length, this.clock.now() - started);
    // Resolved in order, so the pipeline applies them in commit order.
    for (const pending of batch) pending.resolve();
  }

  private records(batch: readonly Pending[]): PlacementRecord[] {
    const records: PlacementRecord[] = [];
    const written = new Map<number, number>();
    const timeMs = Math.floor(this.clock.now());
    for (const { request } of batch) {
      const { board, writer, write, source } = request;
      const who: Who = { boardId: board.config.id, actor: actorOf(writer), ipHash: this.hashIp(writer.ip), timeMs, source };
      recordsOf(board, write, written, who, records);
    }
    return records;
  }

  private hashIp(ip: string): Uint8Array {
    let hash = this.ipHashes.get(ip);
    if (hash === undefined) {
      if (this.ipHashes.size >= IP_HASH_CACHE) this.ipHashes.clear();
      hash = this.storage.hashIp(ip);
      this.ipHashes.set(ip, hash);
    }
    return hash;
  }
}

/** The request with byte arrays of its own: the decoder's may view a read buffer that is reused. */
function owned(request: WriteRequest): WriteRequest {
  const { write } = request;
  if (write.kind === 'batch') return { ...request, write: { ...write, pixels: write.pixels.slice(0, write.count * 5) } };
  if (write.kind === 'tile') return { ...request, write: { ...write, colors: write.colors.slice() } };
  return request;
}

/** What every record of one request shares. */
interface Who {
  boardId: string;
  actor: string;
  ipHash: Uint8Array;
  timeMs: number;
  source: WriteRequest['source'];
}

/**
 * Appends the write's records. `written`: pixels written earlier in this transaction (key →
 * colour), so previous colours chain. Each record is one object literal: a spread of the shared
 * fields into each went through the runtime (recordsOf had 8 % of the server's CPU ticks at
 * 35,000 single PLACEs a second).
 */
function recordsOf(board: Board, write: Write, written: Map<number, number>, who: Who, records: PlacementRecord[]): void {
  const { boardId, actor, ipHash, timeMs, source } = who;
  const base = board.index * 2 ** 32;
  const swap = (x: number, y: number, color: number): number => {
    const key = base + y * 65536 + x;
    const previous = written.get(key) ?? board.getPixel(x, y);
    written.set(key, color);
    return previous;
  };
  const pixel = (x: number, y: number, color: number): PlacementRecord =>
    ({ kind: 'pixel', boardId, x, y, color, previousColor: swap(x, y, color), actor, ipHash, timeMs, source });
  switch (write.kind) {
    case 'pixel':
      records.push(pixel(write.x, write.y, write.color));
      return;
    case 'batch': {
      const { pixels, count } = write;
      for (let i = 0; i < count * 5; i += 5) records.push(pixel((pixels[i]! << 8) | pixels[i + 1]!, (pixels[i + 2]! << 8) | pixels[i + 3]!, pixels[i + 4]!));
      return;
    }
    case 'tile': {
      const size = Math.round(Math.sqrt(write.colors.length));
      const previousColors = new Uint8Array(write.colors.length);
      for (let row = 0; row < size; row++) {
        for (let col = 0; col < size; col++) {
          const i = row * size + col;
          previousColors[i] = swap(write.tx * size + col, write.ty * size + row, write.colors[i]!);
        }
      }
      records.push({ kind: 'tile', boardId, tx: write.tx, ty: write.ty, colors: write.colors, previousColors, actor, ipHash, timeMs, source });
    }
  }
}
