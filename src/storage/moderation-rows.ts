// Moderation rows → records, for both engines: their tables have the same columns (postgres/schema.ts
// and sqlite/migrations.ts, migration 2). What differs is how a driver hands back booleans and JSON,
// so each engine passes its ColumnReader.
import type {
  AuditEntry, BanRecord, BoardSettingsRecord, LockRecord, ReportRecord, ReportStatus, Role, SessionRecord, UserRecord,
} from './moderation.js';

export type Row = Record<string, unknown>;

/** An engine's own coercions: pg returns booleans and parsed jsonb, SQLite 0/1 and JSON text. */
export interface ColumnReader {
  bool(value: unknown): boolean;
  json(value: unknown): unknown;
}

export function userOf(row: Row): UserRecord {
  return {
    id: row.id as number,
    username: row.username as string,
    role: row.role as Role,
    passwordHash: row.password_hash as string,
    createdMs: row.created_ms as number,
    guestActor: row.guest_actor as string | null,
  };
}

export function sessionOf(row: Row): SessionRecord {
  return {
    idHash: row.id_hash as string,
    userId: row.user_id as number,
    createdMs: row.created_ms as number,
    expiresMs: row.expires_ms as number,
  };
}

export function banOf(row: Row): BanRecord {
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

/** The columns locks and reports share (record key order kept as before, since records go out as JSON). */
function areaOf(row: Row): Pick<LockRecord, 'id' | 'boardId' | 'x' | 'y' | 'width' | 'height' | 'reason'> {
  return {
    id: row.id as number,
    boardId: row.board as string,
    x: row.x as number,
    y: row.y as number,
    width: row.width as number,
    height: row.height as number,
    reason: row.reason as string,
  };
}

export function lockOf(row: Row): LockRecord {
  return { ...areaOf(row), createdMs: row.created_ms as number, createdBy: row.created_by as string };
}

export function reportOf(row: Row): ReportRecord {
  return {
    ...areaOf(row),
    reporter: row.reporter as string,
    createdMs: row.created_ms as number,
    status: row.status as ReportStatus,
    handledBy: row.handled_by as string | null,
    handledMs: row.handled_ms as number | null,
  };
}

export function boardSettingsOf(row: Row, read: ColumnReader): BoardSettingsRecord {
  return {
    boardId: row.board as string,
    open: read.bool(row.open),
    opensAtMs: row.opens_at_ms as number | null,
    closesAtMs: row.closes_at_ms as number | null,
    buckets: read.json(row.buckets) as unknown[] | null,
  };
}

export function auditOf(row: Row, read: ColumnReader): AuditEntry {
  return {
    id: row.id as number,
    timeMs: row.time_ms as number,
    actor: row.actor as string,
    username: row.username as string,
    action: row.action as string,
    params: read.json(row.params),
    result: read.json(row.result),
  };
}
