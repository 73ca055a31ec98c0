// The moderation service: the store (the truth, durable), its in-memory image the placement path
// and the connections read (bans, locks, board states, accounts), and the actions that change
// both. Each action stores its change with its audit entry first (one transaction), then updates
// memory and tells connected clients: a 200 means the change survives kill -9. In cluster mode it
// then tells the other members, which reload that piece from the shared store (reload()).
import type { Board } from '../../canvas/board.js';
import type { Clock } from '../../clock.js';
import type { ServerConfig } from '../../config/settings.js';
import { ModerationAuthoriser } from '../../moderation/authoriser.js';
import { BanIndex } from '../../moderation/ban-index.js';
import { BoardStates, LockIndex, type Rect } from '../../moderation/lock-index.js';
import type { BucketSpec } from '../../ratelimit/bucket-spec.js';
import type { BucketRate } from '../../ratelimit/keyed-buckets.js';
import type {
  BanKind, BanRecord, BoardSettingsRecord, LockRecord, ModerationStore, NewAuditEntry, ReportRecord, Role,
} from '../../storage/moderation.js';
import type { Logger } from '../../telemetry/log.js';
import type { Registry } from '../../telemetry/metrics.js';
import type { Canvas } from '../canvas.js';
import { boardJson } from '../json.js';
import type { ModerationPeers } from '../persistence.js';
import type { ModerationNotice } from '../../cluster/moderation-notices.js';
import { Accounts, type Account } from './accounts.js';
import { LocalConfirmations, type Confirmations } from './confirmations.js';
import { LiveModeration } from './live.js';
import { createModerationMetrics, type ModerationMetrics } from './metrics.js';

const HOUSEKEEPING_MS = 60_000;

/** The acting moderator and what they asked for, as the audit log records it. */
export interface Act {
  by: Account;
  action: string;
  params: unknown;
}

export class Moderation {
  readonly bans: BanIndex;
  readonly locks: LockIndex;
  readonly states: BoardStates;
  readonly authoriser: ModerationAuthoriser;
  readonly accounts: Accounts;
  readonly metrics: ModerationMetrics;
  /** Whole milliseconds: what the store keeps. */
  readonly clock: Clock;
  /** Set once the canvas exists (it needs the authoriser first). */
  private canvasRef: Canvas | null = null;
  private liveRef: LiveModeration | null = null;
  private timer: NodeJS.Timeout | null = null;
  /** Cluster mode: the other members (share() before attach()). */
  private peers: ModerationPeers | null = null;
  /** Reset confirmations: this process's, or the cluster's (share()). */
  confirmations: Confirmations = new LocalConfirmations();
  /** The load at attach(), then each reload after the one before: applied in the order asked. */
  private reloads: Promise<void> | null = null;
  /** The pieces (notice kind and board) with a reload queued and not started. */
  private readonly waiting = new Set<string>();

  constructor(
    readonly store: ModerationStore,
    readonly settings: ServerConfig,
    boardIds: readonly string[],
    clock: Clock,
    readonly log: Logger,
    registry: Registry,
  ) {
    this.clock = { now: () => Math.floor(clock.now()) };
    this.bans = new BanIndex(settings.ipv6PrefixLength);
    this.locks = new LockIndex(boardIds.length);
    this.states = new BoardStates(boardIds);
    this.authoriser = new ModerationAuthoriser(this.bans, this.locks, this.states);
    this.accounts = new Accounts(store, settings, log);
    this.metrics = createModerationMetrics(registry, this);
  }

  get canvas(): Canvas {
    if (this.canvasRef === null) throw new Error('moderation used before attach()');
    return this.canvasRef;
  }

  get live(): LiveModeration {
    if (this.liveRef === null) throw new Error('moderation used before attach()');
    return this.liveRef;
  }

  /** Loads the stored state into memory and applies it to the canvas (before any client). */
  async attach(canvas: Canvas): Promise<void> {
    this.canvasRef = canvas;
    this.liveRef = new LiveModeration(canvas.boards, this.accounts, this.bans, this.locks, this.states, this.clock);
    canvas.displayName = (actor) => this.accounts.displayName(actor);
    canvas.account = (request) => this.live.accountOf(request);
    await this.accounts.load(this.clock.now());
    this.reloads = this.load({ kind: 'all' }, false);
    await this.reloads;
    this.metrics.openReports.set(await this.store.openReportCount());
    this.timer = setInterval(() => void this.housekeeping(), HOUSEKEEPING_MS);
    this.timer.unref();
  }

  /** Cluster mode: tells `peers` of each change made here (and accounts' sign-ins and sign-outs). */
  share(peers: ModerationPeers): void {
    this.peers = peers;
    this.confirmations = peers.confirmations;
    this.accounts.changed = () => peers.announce({ kind: 'accounts' });
  }

  /**
   * Cluster mode: one from each of the cluster's buckets `keys` (login attempts), all or none:
   * 0, or the ms to wait. One process: 0 (its own buckets are all there is). While Redis does
   * not answer, 0 too: each member's own buckets still hold, and logins go on.
   */
  takeShared(keys: readonly string[], rate: BucketRate): Promise<number> {
    if (this.peers === null) return Promise.resolve(0);
    return this.peers.takeShared(keys.map((key) => ({ key, capacity: rate.capacity, refillPerSecond: rate.refillPerSecond, cost: 1 }))).catch((error: Error) => {
      this.log.warn('shared attempt limits unavailable (Redis): this member\'s own apply', { error: error.message });
      return 0;
    });
  }

  /** Another cluster member changed what `notice` names: reload it from the store, apply it, tell clients. */
  reload(notice: ModerationNotice): Promise<void> {
    // Before attach() starts loading, there is nothing to reload: that load will see the change.
    if (this.reloads === null) return Promise.resolve();
    // One waiting reload per piece is enough (it reads after every notice so far): a burst of
    // notices queues no more than that.
    const key = 'boardId' in notice ? `${notice.kind} ${notice.boardId}` : notice.kind;
    if (this.waiting.has(key)) return this.reloads;
    this.waiting.add(key);
    const next = this.reloads.then(() => {
      this.waiting.delete(key);
      return this.load(notice, true);
    });
    this.reloads = next.catch((error) => this.log.error('moderation reload failed', { what: notice.kind, error: String(error) }));
    return this.reloads;
  }

  private async load(notice: ModerationNotice, live: boolean): Promise<void> {
    const canvas = this.canvas;
    if (notice.kind === 'accounts' || (notice.kind === 'all' && live)) await this.accounts.reload(this.clock.now());
    const boards = 'boardId' in notice ? [canvas.byId.get(notice.boardId)].filter((board) => board !== undefined) : canvas.boards;
    if (notice.kind === 'all' || notice.kind === 'bans') {
      this.bans.replace(await this.store.loadBans(this.clock.now()));
      if (live) this.live.enforceBans();
    }
    if (notice.kind === 'all' || notice.kind === 'locks') {
      const locks = await this.store.loadLocks();
      for (const board of boards) {
        this.locks.replace(board.index, locks.filter((lock) => lock.boardId === board.config.id));
        if (live) this.live.locksChanged(board);
      }
    }
    if (notice.kind === 'all' || notice.kind === 'board') {
      const stored = new Map((await this.store.loadBoardSettings()).map((settings) => [settings.boardId, settings]));
      for (const board of boards) {
        const settings = stored.get(board.config.id);
        if (settings === undefined && !live) continue; // never changed: the configuration's
        this.applySettings(board, settings ?? { boardId: board.config.id, open: true, opensAtMs: null, closesAtMs: null, buckets: null });
        if (live) this.pushBoard(board);
      }
    }
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }

  /** An audit entry for `act` with its result, timed now. */
  entry(act: Act, result: unknown): NewAuditEntry {
    this.metrics.actions.inc({ action: act.action });
    return { timeMs: this.clock.now(), actor: act.by.actor, username: act.by.user.username, action: act.action, params: act.params, result };
  }

  // ---- bans ----

  async ban(act: Act, kind: BanKind, target: string, reason: string, expiresMs: number | null): Promise<{ ban: BanRecord; disconnected: number }> {
    const ban = await this.store.addBan({ kind, target, reason, createdMs: this.clock.now(), expiresMs, createdBy: act.by.actor }, this.entry(act, {}));
    this.bans.add(ban);
    this.peers?.announce({ kind: 'bans' });
    const disconnected = this.live.enforceBans();
    return { ban, disconnected };
  }

  async unban(act: Act, id: number): Promise<BanRecord | null> {
    const lifted = await this.store.liftBan(id, this.clock.now(), this.entry(act, { lifted: id }));
    if (lifted !== null) {
      this.bans.remove(id);
      this.peers?.announce({ kind: 'bans' });
    }
    return lifted;
  }

  // ---- locks ----

  async lock(act: Act, board: Board, rect: Rect, reason: string): Promise<LockRecord> {
    const lock = await this.store.addLock({ boardId: board.config.id, ...rect, reason, createdMs: this.clock.now(), createdBy: act.by.actor }, this.entry(act, {}));
    this.locks.add(board.index, lock);
    this.peers?.announce({ kind: 'locks', boardId: board.config.id });
    this.live.locksChanged(board);
    return lock;
  }

  async unlock(act: Act, board: Board, id: number): Promise<LockRecord | null> {
    if (!this.locks.of(board.index).some((lock) => lock.id === id)) return null;
    const removed = await this.store.removeLock(id, this.entry(act, { removed: id }));
    if (removed === null) return null;
    this.locks.remove(board.index, id);
    this.peers?.announce({ kind: 'locks', boardId: board.config.id });
    this.live.locksChanged(board);
    return removed;
  }

  // ---- board settings ----

  async changeSettings(act: Act, board: Board, settings: BoardSettingsRecord): Promise<void> {
    await this.store.saveBoardSettings(settings, this.entry(act, { settings }));
    this.applySettings(board, settings);
    this.peers?.announce({ kind: 'board', boardId: board.config.id });
    this.pushBoard(board);
  }

  /** Tells this process's viewers of `board` its state (open, window) and its rate policy. */
  private pushBoard(board: Board): void {
    this.live.stateChanged(board);
    this.live.policyChanged(board, boardJson(board, this.canvas.policies[board.index]!).policy);
  }

  private applySettings(board: Board, settings: BoardSettingsRecord): void {
    this.states.set(board.index, settings);
    const canvas = this.canvas;
    const configured = canvas.configuredPolicies[board.index]!;
    const buckets = (settings.buckets as BucketSpec[] | null) ?? configured.buckets;
    canvas.policies[board.index] = { ...configured, buckets };
    canvas.placements.setBuckets(board, buckets);
    this.peers?.bucketsChanged(board.config.id, buckets);
  }

  // ---- roles and reports ----

  async setRole(act: Act, userId: number, role: Role): Promise<boolean> {
    const changed = await this.store.setRole(userId, role, this.entry(act, { userId, role }));
    if (!changed) return false;
    const user = this.accounts.user(userId);
    if (user !== undefined) this.accounts.remember({ ...user, role, passwordHash: '', createdMs: 0 });
    this.peers?.announce({ kind: 'accounts' });
    return true;
  }

  async closeReport(act: Act, id: number, status: 'resolved' | 'dismissed'): Promise<ReportRecord | null> {
    const report = await this.store.closeReport(id, status, act.by.actor, this.clock.now(), this.entry(act, { status }));
    if (report !== null) this.metrics.openReports.dec();
    return report;
  }

  private async housekeeping(): Promise<void> {
    const now = this.clock.now();
    this.bans.expire(now);
    try {
      await this.accounts.sweep(now);
    } catch (error) {
      this.log.warn('session sweep failed', { error: String(error) });
    }
  }
}
