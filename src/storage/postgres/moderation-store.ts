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

type Row = Record<string, unknown>;
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
    return (await this.rows('SELECT * FROM sessions WHERE expires_ms > $1', [nowMs])).map((row) => ({
      idHash: row.id_hash as string,
      userId: row.user_id as number,
      createdMs: row.created_ms as number,
      expiresMs: row.expires_ms as number,
    }));
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
    return (await this.rows('SELECT * FROM board_settings ORDER BY board')).map((row) => ({
      boardId: row.board as string,
      open: row.open as boolean,
      opensAtMs: row.opens_at_ms as number | null,
      closesAtMs: row.closes_at_ms as number | null,
      buckets: row.buckets as unknown[] | null,
    }));
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
    return rows.map((row) => ({
      id: row.id as number,
      timeMs: row.time_ms as number,
      actor: row.actor as string,
      username: row.username as string,
      action: row.action as string,
      params: row.params,
      result: row.result,
    }));
  }

  private async rows(sql: string, params: unknown[] = []): Promise<Row[]> {
    return (await this.pool.query(sql, params)).rows as Row[];
  }

  /** Runs `work` in a transaction on one pooled connection; a connection that failed is discarded, not reused. */
  private async transaction<T>(work: (client: PoolClient) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    let broken: Error | undefined;
    try {
      await client.query('BEGIN');
      const result = await work(client);
      await client.query('COMMIT');
      return result;
    } catch (error) {
      await client.query('ROLLBACK').catch((rollbackError: Error) => (broken = rollbackError));
      throw error;
    } finally {
      client.release(broken);
    }
  }
}

async function insertId(db: Queryable, sql: string, params: unknown[]): Promise<number> {
  return ((await db.query<{ id: number }>(sql, params)).rows[0]!).id;
}

function writeAudit(db: Queryable, entry: NewAuditEntry): Promise<number> {
  return insertId(db, 'INSERT INTO audit (time_ms, actor, username, action, params, result) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id',
    [entry.timeMs, entry.actor, entry.username, entry.action, JSON.stringify(entry.params ?? null), JSON.stringify(entry.result ?? null)]);
}

function userOf(row: Row): UserRecord {
  return {
    id: row.id as number,
    username: row.username as string,
    role: row.role as Role,
    passwordHash: row.password_hash as string,
    createdMs: row.created_ms as number,
    guestActor: row.guest_actor as string | null,
  };
}

function banOf(row: Row): BanRecord {
  return {
    id: row.id as number,
    kind: row.kind as BanRecord['kind'],
    target: row.target as string,
    reason: row.reason as string,
    createdMs: row.created_ms as number,
    expiresMs: row.expires_ms as number | null,
    createdBy: row.created_by as string,
    liftedMs: row.lifted_ms as number | null,
  };
}

function lockOf(row: Row): LockRecord {
  return {
    id: row.id as number,
    boardId: row.board as string,
    x: row.x as number,
    y: row.y as number,
    width: row.width as number,
    height: row.height as number,
    reason: row.reason as string,
    createdMs: row.created_ms as number,
    createdBy: row.created_by as string,
  };
}

function reportOf(row: Row): ReportRecord {
  return {
    id: row.id as number,
    boardId: row.board as string,
    x: row.x as number,
    y: row.y as number,
    width: row.width as number,
    height: row.height as number,
    reason: row.reason as string,
    reporter: row.reporter as string,
    createdMs: row.created_ms as number,
    status: row.status as ReportStatus,
    handledBy: row.handled_by as string | null,
    handledMs: row.handled_ms as number | null,
  };
}
