// ModerationStore on SQLite (migration 2 of migrations.ts). Each change and its audit entry are
// one transaction; better-sqlite3 is synchronous, so a method's change is committed (to the WAL,
// durable against kill -9, see open.ts) before its promise is even returned.
import type { Database, Statement } from 'better-sqlite3';
import {
  UsernameTakenError,
  type AuditEntry, type BanRecord, type BoardSettingsRecord, type IdPage, type LockRecord, type ModerationStore,
  type NewAuditEntry, type NewBan, type NewLock, type NewReport, type NewUser, type ReportRecord, type ReportStatus,
  type Role, type SessionRecord, type UserRecord,
} from '../moderation.js';
import { auditOf, banOf, boardSettingsOf, lockOf, reportOf, sessionOf, userOf, type ColumnReader, type Row } from '../moderation-rows.js';

/** SQLite stores booleans as 0/1 and JSON as text. */
const COLUMNS: ColumnReader = {
  bool: (value) => value === 1,
  json: (value) => (value === null ? null : JSON.parse(value as string) as unknown),
};
const NO_ID = Number.MAX_SAFE_INTEGER;

export class SqliteModerationStore implements ModerationStore {
  private readonly auditInsert: Statement;

  constructor(private readonly db: Database) {
    this.auditInsert = db.prepare('INSERT INTO audit (time_ms, actor, username, action, params, result) VALUES (?, ?, ?, ?, ?, ?)');
  }

  async createUser(user: NewUser, audit: NewAuditEntry | null): Promise<UserRecord> {
    try {
      return this.db.transaction(() => {
        const { lastInsertRowid } = this.db.prepare(
          'INSERT INTO users (username, username_key, role, password_hash, created_ms, guest_actor) VALUES (?, ?, ?, ?, ?, ?)',
        ).run(user.username, user.username.toLowerCase(), user.role, user.passwordHash, user.createdMs, user.guestActor);
        if (audit !== null) this.writeAudit(audit);
        return { id: Number(lastInsertRowid), ...user };
      })();
    } catch (error) {
      if ((error as { code?: string }).code === 'SQLITE_CONSTRAINT_UNIQUE') throw new UsernameTakenError(`the username ${user.username} is taken`);
      throw error;
    }
  }

  async userByName(username: string): Promise<UserRecord | null> {
    const row = this.db.prepare('SELECT * FROM users WHERE username_key = ?').get(username.toLowerCase()) as Row | undefined;
    return row === undefined ? null : userOf(row);
  }

  async loadUsers(): Promise<UserRecord[]> {
    return (this.db.prepare('SELECT * FROM users ORDER BY id').all() as Row[]).map(userOf);
  }

  async setRole(userId: number, role: Role, audit: NewAuditEntry): Promise<boolean> {
    return this.db.transaction(() => {
      const { changes } = this.db.prepare('UPDATE users SET role = ? WHERE id = ?').run(role, userId);
      if (changes === 0) return false;
      this.writeAudit(audit);
      return true;
    })();
  }

  async setPassword(userId: number, passwordHash: string): Promise<boolean> {
    return this.db.prepare('UPDATE users SET password_hash = ? WHERE id = ?').run(passwordHash, userId).changes > 0;
  }

  async createSession(session: SessionRecord): Promise<void> {
    this.db.prepare('INSERT INTO sessions (id_hash, user_id, created_ms, expires_ms) VALUES (?, ?, ?, ?)')
      .run(session.idHash, session.userId, session.createdMs, session.expiresMs);
  }

  async loadSessions(nowMs: number): Promise<SessionRecord[]> {
    return (this.db.prepare('SELECT * FROM sessions WHERE expires_ms > ?').all(nowMs) as Row[]).map(sessionOf);
  }

  async touchSession(idHash: string, expiresMs: number): Promise<void> {
    this.db.prepare('UPDATE sessions SET expires_ms = ? WHERE id_hash = ?').run(expiresMs, idHash);
  }

  async deleteSession(idHash: string): Promise<void> {
    this.db.prepare('DELETE FROM sessions WHERE id_hash = ?').run(idHash);
  }

  async pruneSessions(nowMs: number): Promise<number> {
    return this.db.prepare('DELETE FROM sessions WHERE expires_ms <= ?').run(nowMs).changes;
  }

  async addBan(ban: NewBan, audit: NewAuditEntry): Promise<BanRecord> {
    return this.db.transaction(() => {
      const { lastInsertRowid } = this.db.prepare(
        'INSERT INTO bans (kind, target, reason, created_ms, expires_ms, created_by) VALUES (?, ?, ?, ?, ?, ?)',
      ).run(ban.kind, ban.target, ban.reason, ban.createdMs, ban.expiresMs, ban.createdBy);
      const record: BanRecord = { id: Number(lastInsertRowid), ...ban, liftedMs: null };
      this.writeAudit({ ...audit, result: { ...(audit.result as object), ban: record } });
      return record;
    })();
  }

  async liftBan(id: number, atMs: number, audit: NewAuditEntry): Promise<BanRecord | null> {
    return this.db.transaction(() => {
      const { changes } = this.db.prepare('UPDATE bans SET lifted_ms = ? WHERE id = ? AND lifted_ms IS NULL').run(atMs, id);
      if (changes === 0) return null;
      this.writeAudit(audit);
      return banOf(this.db.prepare('SELECT * FROM bans WHERE id = ?').get(id) as Row);
    })();
  }

  async loadBans(nowMs: number): Promise<BanRecord[]> {
    const rows = this.db.prepare('SELECT * FROM bans WHERE lifted_ms IS NULL AND (expires_ms IS NULL OR expires_ms > ?) ORDER BY id').all(nowMs);
    return (rows as Row[]).map(banOf);
  }

  async addLock(lock: NewLock, audit: NewAuditEntry): Promise<LockRecord> {
    return this.db.transaction(() => {
      const { lastInsertRowid } = this.db.prepare(
        'INSERT INTO locks (board, x, y, width, height, reason, created_ms, created_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
      ).run(lock.boardId, lock.x, lock.y, lock.width, lock.height, lock.reason, lock.createdMs, lock.createdBy);
      const record: LockRecord = { id: Number(lastInsertRowid), ...lock };
      this.writeAudit({ ...audit, result: { ...(audit.result as object), lock: record } });
      return record;
    })();
  }

  async removeLock(id: number, audit: NewAuditEntry): Promise<LockRecord | null> {
    return this.db.transaction(() => {
      const row = this.db.prepare('SELECT * FROM locks WHERE id = ?').get(id) as Row | undefined;
      if (row === undefined) return null;
      this.db.prepare('DELETE FROM locks WHERE id = ?').run(id);
      this.writeAudit(audit);
      return lockOf(row);
    })();
  }

  async loadLocks(): Promise<LockRecord[]> {
    return (this.db.prepare('SELECT * FROM locks ORDER BY id').all() as Row[]).map(lockOf);
  }

  async saveBoardSettings(settings: BoardSettingsRecord, audit: NewAuditEntry): Promise<void> {
    this.db.transaction(() => {
      this.db.prepare('INSERT OR REPLACE INTO board_settings (board, open, opens_at_ms, closes_at_ms, buckets) VALUES (?, ?, ?, ?, ?)')
        .run(settings.boardId, settings.open ? 1 : 0, settings.opensAtMs, settings.closesAtMs, settings.buckets === null ? null : JSON.stringify(settings.buckets));
      this.writeAudit(audit);
    })();
  }

  async loadBoardSettings(): Promise<BoardSettingsRecord[]> {
    return (this.db.prepare('SELECT * FROM board_settings ORDER BY board').all() as Row[]).map((row) => boardSettingsOf(row, COLUMNS));
  }

  async addReport(report: NewReport): Promise<ReportRecord> {
    const { lastInsertRowid } = this.db.prepare(
      `INSERT INTO reports (board, x, y, width, height, reason, reporter, created_ms, status) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'open')`,
    ).run(report.boardId, report.x, report.y, report.width, report.height, report.reason, report.reporter, report.createdMs);
    return { id: Number(lastInsertRowid), ...report, status: 'open', handledBy: null, handledMs: null };
  }

  async closeReport(id: number, status: 'resolved' | 'dismissed', by: string, atMs: number, audit: NewAuditEntry): Promise<ReportRecord | null> {
    return this.db.transaction(() => {
      const { changes } = this.db.prepare(`UPDATE reports SET status = ?, handled_by = ?, handled_ms = ? WHERE id = ? AND status = 'open'`).run(status, by, atMs, id);
      if (changes === 0) return null;
      this.writeAudit(audit);
      return reportOf(this.db.prepare('SELECT * FROM reports WHERE id = ?').get(id) as Row);
    })();
  }

  async reports(status: ReportStatus | null, page: IdPage): Promise<ReportRecord[]> {
    const before = page.before ?? NO_ID;
    const rows = status === null
      ? this.db.prepare('SELECT * FROM reports WHERE id < ? ORDER BY id DESC LIMIT ?').all(before, page.limit)
      : this.db.prepare('SELECT * FROM reports WHERE status = ? AND id < ? ORDER BY id DESC LIMIT ?').all(status, before, page.limit);
    return (rows as Row[]).map(reportOf);
  }

  async openReportCount(): Promise<number> {
    return this.db.prepare(`SELECT count(*) FROM reports WHERE status = 'open'`).pluck().get() as number;
  }

  async appendAudit(entry: NewAuditEntry): Promise<AuditEntry> {
    return { id: this.writeAudit(entry), ...entry };
  }

  async audit(page: IdPage): Promise<AuditEntry[]> {
    const rows = this.db.prepare('SELECT * FROM audit WHERE id < ? ORDER BY id DESC LIMIT ?').all(page.before ?? NO_ID, page.limit) as Row[];
    return rows.map((row) => auditOf(row, COLUMNS));
  }

  private writeAudit(entry: NewAuditEntry): number {
    const { lastInsertRowid } = this.auditInsert.run(
      entry.timeMs, entry.actor, entry.username, entry.action, JSON.stringify(entry.params ?? null), JSON.stringify(entry.result ?? null),
    );
    return Number(lastInsertRowid);
  }
}
