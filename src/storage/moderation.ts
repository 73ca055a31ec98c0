// ModerationStore: accounts, sessions, bans, region locks, board settings, reports and the audit
// log, behind one engine-neutral interface (SQLite: sqlite/moderation-store.ts; PostgreSQL later,
// passing the same contract tests, test/storage/moderation-contract.ts).
//
// What the server keeps in memory and what here: the server loads users, live sessions, active
// bans, locks and board settings once at start (the load* methods) and updates its copy on every
// change it makes, so the placement path never waits for the store. The store is the truth that
// survives a restart (and kill -9: every method resolves only once its change is durable).
//
// Audit: every privileged change takes the audit entry that describes it and stores both in ONE
// transaction, so there is never an effect without its entry, nor an entry without its effect.
// Actions whose effect lives elsewhere (a rollback's placements, in the placement Storage) append
// their entry with appendAudit after the effect is durable.

export type Role = 'user' | 'moderator' | 'admin';
export const ROLES: readonly Role[] = ['user', 'moderator', 'admin'];

export interface UserRecord {
  id: number;
  username: string;
  role: Role;
  /** The encoded scrypt hash (src/moderation/passwords.ts). */
  passwordHash: string;
  createdMs: number;
  /** The guest actor ("guest:…") the user registered from: their history before the account. */
  guestActor: string | null;
}

export type NewUser = Omit<UserRecord, 'id'>;

export interface SessionRecord {
  /** SHA-256 of the cookie value, hex: the store never holds a usable session id. */
  idHash: string;
  userId: number;
  createdMs: number;
  /** Sliding: pushed forward as the session is used. */
  expiresMs: number;
}

/** user: a user id as decimal text; session: an actor ("guest:…" or "user:N"); ip: an address or CIDR range. */
export type BanKind = 'user' | 'session' | 'ip';

export interface BanRecord {
  id: number;
  kind: BanKind;
  target: string;
  reason: string;
  createdMs: number;
  /** null: until lifted. */
  expiresMs: number | null;
  createdBy: string;
  /** When it was lifted (unban), else null. */
  liftedMs: number | null;
}

export type NewBan = Omit<BanRecord, 'id' | 'liftedMs'>;

export interface LockRecord {
  id: number;
  boardId: string;
  x: number;
  y: number;
  width: number;
  height: number;
  reason: string;
  createdMs: number;
  createdBy: string;
}

export type NewLock = Omit<LockRecord, 'id'>;

/** What an operator changed of a board at run time; absent fields keep the configuration's. */
export interface BoardSettingsRecord {
  boardId: string;
  /** false: frozen (read-only). */
  open: boolean;
  /** The event window: writes only from opensAtMs, until closesAtMs (null: no bound). */
  opensAtMs: number | null;
  closesAtMs: number | null;
  /** The board's rate buckets (the config's `policy.buckets` shape), or null for the configuration's. */
  buckets: unknown[] | null;
}

export type ReportStatus = 'open' | 'resolved' | 'dismissed';

export interface ReportRecord {
  id: number;
  boardId: string;
  x: number;
  y: number;
  width: number;
  height: number;
  reason: string;
  /** The reporter's actor. */
  reporter: string;
  createdMs: number;
  status: ReportStatus;
  handledBy: string | null;
  handledMs: number | null;
}

export type NewReport = Pick<ReportRecord, 'boardId' | 'x' | 'y' | 'width' | 'height' | 'reason' | 'reporter' | 'createdMs'>;

export interface AuditEntry {
  id: number;
  timeMs: number;
  /** Who acted: "user:N" (their username is in `username`). */
  actor: string;
  username: string;
  action: string;
  params: unknown;
  result: unknown;
}

export type NewAuditEntry = Omit<AuditEntry, 'id'>;

/** Newest first; `before` is the last id of the previous page. */
export interface IdPage {
  limit: number;
  before?: number | null;
}

export class UsernameTakenError extends Error {
  override readonly name = 'UsernameTakenError';
}

export interface ModerationStore {
  /** Throws UsernameTakenError (case-insensitively equal names are the same name). */
  createUser(user: NewUser, audit: NewAuditEntry | null): Promise<UserRecord>;
  userByName(username: string): Promise<UserRecord | null>;
  /** Every user, for the server's in-memory directory (names and roles). */
  loadUsers(): Promise<UserRecord[]>;
  /** false when there is no such user. */
  setRole(userId: number, role: Role, audit: NewAuditEntry): Promise<boolean>;
  setPassword(userId: number, passwordHash: string): Promise<boolean>;

  createSession(session: SessionRecord): Promise<void>;
  /** Sessions not expired at nowMs. */
  loadSessions(nowMs: number): Promise<SessionRecord[]>;
  touchSession(idHash: string, expiresMs: number): Promise<void>;
  deleteSession(idHash: string): Promise<void>;
  /** Deletes sessions expired before nowMs; returns how many. */
  pruneSessions(nowMs: number): Promise<number>;

  addBan(ban: NewBan, audit: NewAuditEntry): Promise<BanRecord>;
  /** Lifts an active ban; null when there is no such ban or it was lifted already. */
  liftBan(id: number, atMs: number, audit: NewAuditEntry): Promise<BanRecord | null>;
  /** Bans neither lifted nor expired at nowMs. */
  loadBans(nowMs: number): Promise<BanRecord[]>;

  addLock(lock: NewLock, audit: NewAuditEntry): Promise<LockRecord>;
  /** The removed lock, or null when there was none with that id. */
  removeLock(id: number, audit: NewAuditEntry): Promise<LockRecord | null>;
  loadLocks(): Promise<LockRecord[]>;

  saveBoardSettings(settings: BoardSettingsRecord, audit: NewAuditEntry): Promise<void>;
  loadBoardSettings(): Promise<BoardSettingsRecord[]>;

  addReport(report: NewReport): Promise<ReportRecord>;
  /** Resolves or dismisses an open report; null when there is no open report with that id. */
  closeReport(id: number, status: 'resolved' | 'dismissed', by: string, atMs: number, audit: NewAuditEntry): Promise<ReportRecord | null>;
  reports(status: ReportStatus | null, page: IdPage): Promise<ReportRecord[]>;
  openReportCount(): Promise<number>;

  appendAudit(entry: NewAuditEntry): Promise<AuditEntry>;
  audit(page: IdPage): Promise<AuditEntry[]>;
}
