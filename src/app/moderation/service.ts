// The moderation service: the store (the truth, durable), its in-memory image the placement path
// and the connections read (bans, locks, board states, accounts), and the actions that change
// both. Each action stores its change with its audit entry first (one transaction), then updates
// memory and tells connected clients: a 200 means the change survives kill -9.
import type { Board } from '../../canvas/board.js';
import type { Clock } from '../../clock.js';
import type { ServerConfig } from '../../config/settings.js';
import { ModerationAuthoriser } from '../../moderation/authoriser.js';
import { BanIndex } from '../../moderation/ban-index.js';
import { BoardStates, LockIndex, type Rect } from '../../moderation/lock-index.js';
import type { BucketSpec } from '../../ratelimit/bucket-spec.js';
import type {
  BanKind, BanRecord, BoardSettingsRecord, LockRecord, ModerationStore, NewAuditEntry, ReportRecord, Role,
} from '../../storage/moderation.js';
import type { Logger } from '../../telemetry/log.js';
import type { Registry } from '../../telemetry/metrics.js';
import type { Canvas } from '../canvas.js';
import { boardJson } from '../json.js';
import { Accounts, type Account } from './accounts.js';
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
    const now = this.clock.now();
    await this.accounts.load(now);
    this.bans.replace(await this.store.loadBans(now));
    for (const lock of await this.store.loadLocks()) {
      const board = canvas.byId.get(lock.boardId);
      if (board !== undefined) this.locks.add(board.index, lock);
    }
    for (const settings of await this.store.loadBoardSettings()) {
      const board = canvas.byId.get(settings.boardId);
      if (board !== undefined) this.applySettings(board, settings);
    }
    this.metrics.openReports.set(await this.store.openReportCount());
    this.timer = setInterval(() => void this.housekeeping(), HOUSEKEEPING_MS);
    this.timer.unref();
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
    const disconnected = this.live.enforceBans();
    return { ban, disconnected };
  }

  async unban(act: Act, id: number): Promise<BanRecord | null> {
    const lifted = await this.store.liftBan(id, this.clock.now(), this.entry(act, { lifted: id }));
    if (lifted !== null) this.bans.remove(id);
    return lifted;
  }

  // ---- locks ----

  async lock(act: Act, board: Board, rect: Rect, reason: string): Promise<LockRecord> {
    const lock = await this.store.addLock({ boardId: board.config.id, ...rect, reason, createdMs: this.clock.now(), createdBy: act.by.actor }, this.entry(act, {}));
    this.locks.add(board.index, lock);
    this.live.locksChanged(board);
    return lock;
  }

  async unlock(act: Act, board: Board, id: number): Promise<LockRecord | null> {
    if (!this.locks.of(board.index).some((lock) => lock.id === id)) return null;
    const removed = await this.store.removeLock(id, this.entry(act, { removed: id }));
    if (removed === null) return null;
    this.locks.remove(board.index, id);
    this.live.locksChanged(board);
    return removed;
  }

  // ---- board settings ----

  async changeSettings(act: Act, board: Board, settings: BoardSettingsRecord): Promise<void> {
    await this.store.saveBoardSettings(settings, this.entry(act, { settings }));
    this.applySettings(board, settings);
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
  }

  // ---- roles and reports ----

  async setRole(act: Act, userId: number, role: Role): Promise<boolean> {
    const changed = await this.store.setRole(userId, role, this.entry(act, { userId, role }));
    if (!changed) return false;
    const user = this.accounts.user(userId);
    if (user !== undefined) this.accounts.remember({ ...user, role, passwordHash: '', createdMs: 0 });
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
