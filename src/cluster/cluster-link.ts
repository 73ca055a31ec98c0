// One canvas across processes: this process's membership of the cluster.
//
//   commit:  PostgreSQL hands out the seq under its lock and makes the batch durable; then the
//            batch goes to the Redis stream; only then is the placer acknowledged.
//   apply:   every process (the committer too) applies every write in seq order (follower.ts):
//            from the stream, from its own commits, and from PostgreSQL for any gap.
//   join:    mark the stream's position, load the newest snapshot + the records after it up to
//            the database's last seq, then follow the stream from the mark: nothing in between
//            is missed (a write logged after the mark is read; one committed before it is loaded).
//   health:  a check every second asks the database for its last seq and catches up to it, so a
//            write whose committer died between commit and log still reaches every board.
//            Writes are taken only while Redis and the database answer and this process is
//            caught up; reads and live viewing never depend on it.
//   shared:  rate-limit buckets (shared-rate-limits.ts, checked before a write is queued; login
//            attempts too), confirmation tokens (shared-confirmations.ts) and online counts
//            (exchanged at each check) are the cluster's, not the member's;
//            moderation state lives in PostgreSQL, and a member that changes it tells the
//            others to reload it (moderation-notices.ts).
import { randomBytes } from 'node:crypto';
import type { Board } from '../canvas/board.js';
import { WriteRefusedError } from '../placement/commit.js';
import type { CommitLog } from '../placement/durable-commit.js';
import { pixelCount, type WriteRequest } from '../placement/write.js';
import { RejectReason } from '../protocol/types.js';
import type { BucketSpec } from '../ratelimit/bucket-spec.js';
import type { PostgresStorage } from '../storage/postgres/postgres-storage.js';
import type { PlacementRecord } from '../storage/storage.js';
import type { Logger } from '../telemetry/log.js';
import { LogFollower } from './follower.js';
import { ModerationNotices, type ModerationNotice } from './moderation-notices.js';
import { decodeEntry, encodeEntry, withSeqs, type LoggedWrite } from './logged-write.js';
import { RedisLog, redisTarget } from './redis-log.js';
import { SharedConfirmations } from './shared-confirmations.js';
import { SharedRateLimits, type SharedBucket } from './shared-rate-limits.js';

const CHECK_EVERY_MS = 1_000;
const ONLINE_TTL_MS = 3_000;

export class ClusterLink implements CommitLog {
  readonly log: RedisLog;
  private readonly limits: SharedRateLimits;
  private readonly notices: ModerationNotices;
  /** Confirmation tokens (board resets) any member redeems. */
  readonly confirmations: SharedConfirmations;
  private follower: LogFollower | null = null;
  private boards = new Map<string, Board>();
  private databaseAnswers = false;
  private resyncing = false;
  private timer: NodeJS.Timeout | null = null;
  private checking = false;
  private readonly memberId = randomBytes(8).toString('hex');
  private localOnline: (() => readonly number[]) | null = null;
  private othersOnline: number[] = [];

  constructor(
    redisUrl: string,
    private readonly storage: PostgresStorage,
    private readonly logger: Logger,
    /** Told the seq every write up to which is on the boards (for snapshots). */
    private readonly appliedThrough: (seq: number) => void,
    /** Writes by where this process first had them: its own commits, the log, the database. */
    private readonly counted: (source: 'local' | 'log' | 'database', count: number) => void,
    /** Each board's rate-limit buckets, by board id: shared by all members through Redis. */
    policies: ReadonlyMap<string, readonly BucketSpec[]>,
  ) {
    const target = redisTarget(redisUrl);
    this.log = new RedisLog(target);
    this.limits = new SharedRateLimits(this.log.commands, policies);
    this.notices = new ModerationNotices(target, this.log.commands, this.memberId);
    this.confirmations = new SharedConfirmations(this.log.commands);
  }

  /** Shared buckets other than the boards' (login attempts): all taken or none; 0, or the ms to wait. Rejects when Redis does not answer. */
  takeShared(buckets: readonly SharedBucket[]): Promise<number> {
    return this.limits.takeAll(buckets);
  }

  /** Moderation changes other members made go to `reload` (from when the member joined). */
  followModeration(reload: (notice: ModerationNotice) => void): void {
    this.notices.follow(reload);
  }

  /** After this member committed a moderation change: the others reload it. Never rejects. */
  announceModeration(notice: ModerationNotice): void {
    this.notices.publish(notice).catch((error: Error) =>
      this.logger.warn('moderation change not announced (the other members reload everything when Redis is back)', { error: error.message }));
  }

  /** A board's rate-limit buckets changed (its settings). */
  setBuckets(boardId: string, buckets: readonly BucketSpec[]): void {
    this.limits.setBuckets(boardId, buckets);
  }

  /** Ready for clients' writes: caught up, and Redis and the database answer. */
  ready(): boolean {
    return this.follower !== null && !this.resyncing && this.databaseAnswers && this.log.up;
  }

  accepting(): boolean {
    return this.ready();
  }

  /** Every member's online counts per board, given this one's (the others' as of the last check). */
  onlineTotals(local: readonly number[]): number[] {
    return local.map((count, board) => count + (this.othersOnline[board] ?? 0));
  }

  /** From now on, this member's counts (read each check) are shared with the others. */
  shareOnline(local: () => readonly number[]): void {
    this.localOnline = local;
  }

  async admit({ board, writer, write }: WriteRequest): Promise<void> {
    const tile = write.kind === 'tile' ? `${write.tx}:${write.ty}` : undefined;
    const wait = await this.limits.take(board.config.id, { session: writer.session, ip: writer.ip, ...(tile ? { tile } : {}) }, pixelCount(write));
    if (wait === 0) return;
    // As in one process: a write larger than a bucket can ever hold is not a rate problem.
    throw Number.isFinite(wait) ? new WriteRefusedError(RejectReason.RATE_LIMITED, wait) : new WriteRefusedError(RejectReason.NOT_ALLOWED, 0);
  }

  async publish(records: readonly PlacementRecord[], seqs: readonly number[]): Promise<void> {
    if (records.length === 0) return;
    this.counted('local', this.follower?.offer(withSeqs(records, seqs)) ?? 0);
    await this.log.append(encodeEntry(records, seqs[0]!));
  }

  /** Joins: `restore(throughSeq)` loads the boards up to that seq; then the log is followed from before it. */
  async join(boards: readonly Board[], restore: (throughSeq: number) => Promise<void>): Promise<void> {
    this.boards = new Map(boards.map((board) => [board.config.id, board]));
    await this.log.connect().catch((error: Error) => {
      throw new Error(`cluster mode: cannot reach Redis at ${this.log.where} (${error.message}); start it, or leave out --redis`);
    });
    // Subscribed before anything is loaded: a moderation change committed after this is announced to us.
    await this.notices.connect();
    await this.log.markPosition();
    const through = await this.storage.lastSeq();
    await restore(through);
    this.databaseAnswers = true;
    const follower = new LogFollower(through, {
      apply: (write) => this.apply(write),
      fetch: (after, until, limit) => this.storage.placementsInRange(after, until, limit),
      appliedThrough: this.appliedThrough,
      filled: (count) => this.counted('database', count),
    });
    this.follower = follower;
    this.log.follow((entry) => this.deliver(entry), () => this.untilRedisAnswers());
    this.log.onReconnect(() => void this.resync());
    this.timer = setInterval(() => void this.check(), CHECK_EVERY_MS);
    this.timer.unref();
  }

  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.follower?.stop();
    this.notices.close();
    await this.log.close();
  }

  private deliver(entry: string): void {
    try {
      this.counted('log', this.follower?.offer(decodeEntry(entry)) ?? 0);
    } catch (error) {
      this.logger.error('unreadable cluster log entry skipped (its writes come from the database)', { error: String(error) });
    }
  }

  /** After Redis came back (perhaps empty): whatever the stream lost is in the database. */
  private async resync(): Promise<void> {
    this.resyncing = true;
    this.logger.warn('Redis is back: catching up from the database');
    while (this.resyncing) {
      try {
        await this.follower!.catchUp(await this.storage.lastSeq());
        this.resyncing = false;
      } catch {
        await new Promise((resolve) => setTimeout(resolve, CHECK_EVERY_MS));
      }
    }
  }

  /**
   * Online counts: each member's under a key that expires unless renewed (a member that died
   * stops counting within ONLINE_TTL_MS), listed in one set; the others' are summed per board.
   */
  private async exchangeOnline(): Promise<void> {
    if (this.localOnline === null || !this.log.up) return;
    const redis = this.log.commands;
    await redis.set(`online:${this.memberId}`, this.localOnline().join(','), 'PX', ONLINE_TTL_MS);
    await redis.sadd('online-members', this.memberId);
    const members = (await redis.smembers('online-members')).filter((member) => member !== this.memberId);
    const counts = members.length === 0 ? [] : await redis.mget(...members.map((member) => `online:${member}`));
    const others: number[] = [];
    const gone: string[] = [];
    counts.forEach((text, i) => {
      if (text === null) return void gone.push(members[i]!);
      text.split(',').forEach((count, board) => (others[board] = (others[board] ?? 0) + (Number(count) || 0)));
    });
    if (gone.length > 0) await redis.srem('online-members', ...gone);
    this.othersOnline = others;
  }

  private async check(): Promise<void> {
    if (this.checking || this.follower === null) return;
    this.checking = true;
    await this.exchangeOnline().catch(() => undefined); // Redis away: the last known counts stand
    try {
      const last = await this.storage.lastSeq();
      this.databaseAnswers = true;
      await this.follower.catchUp(last);
    } catch {
      if (this.databaseAnswers) this.logger.warn('the database does not answer: writes are refused until it does');
      this.databaseAnswers = false;
    } finally {
      this.checking = false;
    }
  }

  private untilRedisAnswers(): Promise<void> {
    return new Promise((resolve) => setTimeout(resolve, 200));
  }

  private apply(write: LoggedWrite): void {
    const board = this.boards.get(write.boardId);
    if (board === undefined) return; // a board this process's configuration does not have
    if (write.kind === 'pixel') {
      if (board.isInside(write.x, write.y)) board.setPixel(write.x, write.y, write.color);
    } else if (board.isValidTile(write.tx, write.ty) && write.colors.length === (board.config.tileSize ?? 0) ** 2) {
      board.writeTile(write.tx, write.ty, write.colors);
    }
  }
}
