// ModerationStore on PostgreSQL (migration 2 of schema.ts), shared by every cluster member that
// uses the schema. Each change and its audit entry are one transaction; a method resolves once
// COMMIT returned (durable: synchronous_commit, PostgreSQL's default).
import type { Pool, PoolClient } from 'pg';
import {
  UsernameTakenError,
  type AuditEntry, type BanRecord, type BoardSettingsRecord, type IdPage, type LockRecord, type ModerationStore,
  type NewAuditEntry, type NewBan, type NewLock, type NewReport, type NewUser, type ReportRecord, type ReportStatus,
  type Role, type SessionRecord, type UserRecord,
} from '../moderation.js';
import { auditOf, banOf, boardSettingsOf, lockOf, reportOf, sessionOf, userOf, type ColumnReader, type Row } from '../moderation-rows.js';
import { inTransaction } from './transaction.js';

/** pg returns booleans as booleans and jsonb already parsed. */
const COLUMNS: ColumnReader = { bool: (value) => value as boolean, json: (value) => value };

type Queryable = Pool | PoolClient;
const NO_ID = Number.MAX_SAFE_INTEGER;
const UNIQUE_VIOLATION = '23505';

export class PostgresModerationStore implements ModerationStore {
  /** `pool`: connections working in the schema (open.ts createPool); closed by its owner. */
  constructor(private readonly pool: Pool) {}

  async createUser(user: NewUser, audit: NewAuditEntry | null): Promise<UserRecord> {
    try {
      return await this.transaction(async (client) => {
        const id = await insertId(client,
          'INSERT INTO users (username, username_key, role, password_hash, created_ms, guest_actor) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id',
          [user.username, user.username.toLowerCase(), user.role, user.passwordHash, user.createdMs, user.guestActor]);
        if (audit !== null) await writeAudit(client, audit);
        return { id, ...user };
      });
    } catch (error) {
      if ((error as { code?: string }).code === UNIQUE_VIOLATION) throw new UsernameTakenError(`the username ${user.username} is taken`);
      throw error;
    }
  }

  async userByName(username: string): Promise<UserRecord | null> {
    const row = (await this.pool.query('SELECT * FROM users WHERE username_key = $1', [username.toLowerCase()])).rows[0] as Row | undefined;
    return row === undefined ? null : userOf(row);
  }

  async loadUsers(): Promise<UserRecord[]> {
    return (await this.rows('SELECT * FROM users ORDER BY id')).map(userOf);
  }

  async setRole(userId: number, role: Role, audit: NewAuditEntry): Promise<boolean> {
    return this.transaction(async (client) => {
      const { rowCount } = await client.query('UPDATE users SET role = $1 WHERE id = $2', [role, userId]);
      if (!rowCount) return false;
      await writeAudit(client, audit);
      return true;
    });
  }

  async setPassword(userId: number, passwordHash: string): Promise<boolean> {
    return ((await this.pool.query('UPDATE users SET password_hash = $1 WHERE id = $2', [passwordHash, userId])).rowCount ?? 0) > 0;
  }

  async createSession(session: SessionRecord): Promise<void> {
    await this.pool.query('INSERT INTO sessions (id_hash, user_id, created_ms, expires_ms) VALUES ($1, $2, $3, $4)',
      [session.idHash, session.userId, session.createdMs, session.expiresMs]);
  }

  async loadSessions(nowMs: number): Promise<SessionRecord[]> {
    return (await this.rows('SELECT * FROM sessions WHERE expires_ms > $1', [nowMs])).map(sessionOf);
  }

  async touchSession(idHash: string, expiresMs: number): Promise<void> {
    await this.pool.query('UPDATE sessions SET expires_ms = $1 WHERE id_hash = $2', [expiresMs, idHash]);
  }

  async deleteSession(idHash: string): Promise<void> {
    await this.pool.query('DELETE FROM sessions WHERE id_hash = $1', [idHash]);
  }

  async pruneSessions(nowMs: number): Promise<number> {
    return (await this.pool.query('DELETE FROM sessions WHERE expires_ms <= $1', [nowMs])).rowCount ?? 0;
  }

  async addBan(ban: NewBan, audit: NewAuditEntry): Promise<BanRecord> {
    return this.transaction(async (client) => {
      const id = await insertId(client,
        'INSERT INTO bans (kind, target, reason, created_ms, expires_ms, created_by) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id',
        [ban.kind, ban.target, ban.reason, ban.createdMs, ban.expiresMs, ban.createdBy]);
      const record: BanRecord = { id, ...ban, liftedMs: null };
      await writeAudit(client, { ...audit, result: { ...(audit.result as object), ban: record } });
      return record;
    });
  }

  async liftBan(id: number, atMs: number, audit: NewAuditEntry): Promise<BanRecord | null> {
    return this.transaction(async (client) => {
      const row = (await client.query('UPDATE bans SET lifted_ms = $1 WHERE id = $2 AND lifted_ms IS NULL RETURNING *', [atMs, id])).rows[0] as Row | undefined;
      if (row === undefined) return null;
      await writeAudit(client, audit);
      return banOf(row);
    });
  }

  async loadBans(nowMs: number): Promise<BanRecord[]> {
    return (await this.rows('SELECT * FROM bans WHERE lifted_ms IS NULL AND (expires_ms IS NULL OR expires_ms > $1) ORDER BY id', [nowMs])).map(banOf);
  }

  async addLock(lock: NewLock, audit: NewAuditEntry): Promise<LockRecord> {
    return this.transaction(async (client) => {
      const id = await insertId(client,
        'INSERT INTO locks (board, x, y, width, height, reason, created_ms, created_by) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id',
        [lock.boardId, lock.x, lock.y, lock.width, lock.height, lock.reason, lock.createdMs, lock.createdBy]);
      const record: LockRecord = { id, ...lock };
      await writeAudit(client, { ...audit, result: { ...(audit.result as object), lock: record } });
      return record;
    });
  }

  async removeLock(id: number, audit: NewAuditEntry): Promise<LockRecord | null> {
    return this.transaction(async (client) => {
      const row = (await client.query('DELETE FROM locks WHERE id = $1 RETURNING *', [id])).rows[0] as Row | undefined;
      if (row === undefined) return null;
      await writeAudit(client, audit);
      return lockOf(row);
    });
  }

  async loadLocks(): Promise<LockRecord[]> {
    return (await this.rows('SELECT * FROM locks ORDER BY id')).map(lockOf);
  }

  async saveBoardSettings(settings: BoardSettingsRecord, audit: NewAuditEntry): Promise<void> {
    await this.transaction(async (client) => {
      await client.query(`INSERT INTO board_settings (board, open, opens_at_ms, closes_at_ms, buckets) VALUES ($1, $2, $3, $4, $5)
        ON CONFLICT (board) DO UPDATE SET open = $2, opens_at_ms = $3, closes_at_ms = $4, buckets = $5`,
      [settings.boardId, settings.open, settings.opensAtMs, settings.closesAtMs, settings.buckets === null ? null : JSON.stringify(settings.buckets)]);
      await writeAudit(client, audit);
    });
  }

  async loadBoardSettings(): Promise<BoardSettingsRecord[]> {
    return (await this.rows('SELECT * FROM board_settings ORDER BY board')).map((row) => boardSettingsOf(row, COLUMNS));
  }

  async addReport(report: NewReport): Promise<ReportRecord> {
    const id = await insertId(this.pool,
      `INSERT INTO reports (board, x, y, width, height, reason, reporter, created_ms, status) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'open') RETURNING id`,
      [report.boardId, report.x, report.y, report.width, report.height, report.reason, report.reporter, report.createdMs]);
    return { id, ...report, status: 'open', handledBy: null, handledMs: null };
  }

  async closeReport(id: number, status: 'resolved' | 'dismissed', by: string, atMs: number, audit: NewAuditEntry): Promise<ReportRecord | null> {
    return this.transaction(async (client) => {
      const row = (await client.query(`UPDATE reports SET status = $1, handled_by = $2, handled_ms = $3 WHERE id = $4 AND status = 'open' RETURNING *`,
        [status, by, atMs, id])).rows[0] as Row | undefined;
      if (row === undefined) return null;
      await writeAudit(client, audit);
      return reportOf(row);
    });
  }

  async reports(status: ReportStatus | null, page: IdPage): Promise<ReportRecord[]> {
    const before = page.before ?? NO_ID;
    const rows = status === null
      ? await this.rows('SELECT * FROM reports WHERE id < $1 ORDER BY id DESC LIMIT $2', [before, page.limit])
      : await this.rows('SELECT * FROM reports WHERE status = $1 AND id < $2 ORDER BY id DESC LIMIT $3', [status, before, page.limit]);
    return rows.map(reportOf);
  }

  async openReportCount(): Promise<number> {
    return (await this.rows(`SELECT count(*) AS count FROM reports WHERE status = 'open'`))[0]!.count as number;
  }

  async appendAudit(entry: NewAuditEntry): Promise<AuditEntry> {
    return { id: await writeAudit(this.pool, entry), ...entry };
  }

  async audit(page: IdPage): Promise<AuditEntry[]> {
    const rows = await this.rows('SELECT * FROM audit WHERE id < $1 ORDER BY id DESC LIMIT $2', [page.before ?? NO_ID, page.limit]);
    return rows.map((row) => auditOf(row, COLUMNS));
  }

  private async rows(sql: string, params: unknown[] = []): Promise<Row[]> {
    return (await this.pool.query(sql, params)).rows as Row[];
  }

  private transaction<T>(work: (client: PoolClient) => Promise<T>): Promise<T> {
    return inTransaction(this.pool, work);
  }
}

async function insertId(db: Queryable, sql: string, params: unknown[]): Promise<number> {
  return ((await db.query<{ id: number }>(sql, params)).rows[0]!).id;
}

function writeAudit(db: Queryable, entry: NewAuditEntry): Promise<number> {
  return insertId(db, 'INSERT INTO audit (time_ms, actor, username, action, params, result) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id',
    [entry.timeMs, entry.actor, entry.username, entry.action, JSON.stringify(entry.params ?? null), JSON.stringify(entry.result ?? null)]);
}
