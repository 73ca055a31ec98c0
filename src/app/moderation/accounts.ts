// Accounts and their sessions. Users and live sessions are loaded from the store at start and
// kept in memory, so every request and WebSocket handshake resolves its account without waiting
// for the store; every change goes to the store first.
//
// The account cookie ("tessera_auth") is a 256-bit random id, HttpOnly, SameSite=Lax, Path=/,
// Secure when the browser spoke https to a trusted proxy. The store keeps only its SHA-256. A
// login always makes a new id (no fixation). Sessions slide: each use pushes the expiry to
// now + accountIdleTimeoutMs; the store is told at most once per tenth of that period.
import { createHash, randomBytes } from 'node:crypto';
import type { ServerConfig } from '../../config/settings.js';
import { isTrustedProxy } from '../../net/client-ip.js';
import { parseCookies, serializeCookie } from '../../net/cookies.js';
import type { HttpRequest } from '../../net/router.js';
import type { ModerationStore, Role, UserRecord } from '../../storage/moderation.js';
import type { Logger } from '../../telemetry/log.js';

export const AUTH_COOKIE = 'tessera_auth';
const ID_BYTES = 32;

export interface User {
  id: number;
  username: string;
  role: Role;
  guestActor: string | null;
}

/** A signed-in request or connection. */
export interface Account {
  user: User;
  /** The history's name for the account: "user:N". */
  actor: string;
  /** SHA-256 of the cookie value: the session's key. */
  sessionHash: string;
}

interface LiveSession {
  userId: number;
  expiresMs: number;
  /** The expiry the store holds. */
  storedExpiresMs: number;
}

const RANK: Record<Role, number> = { user: 0, moderator: 1, admin: 2 };

/** True when `role` is `needed` or above it (admin > moderator > user). */
export function hasRole(role: Role, needed: Role): boolean {
  return RANK[role] >= RANK[needed];
}

export const accountActor = (userId: number): string => `user:${userId}`;

export class Accounts {
  private readonly users = new Map<number, User>();
  private readonly sessions = new Map<string, LiveSession>();

  constructor(
    private readonly store: ModerationStore,
    private readonly settings: Pick<ServerConfig, 'accountIdleTimeoutMs' | 'trustedProxies'>,
    private readonly log: Logger,
  ) {}

  /** Told after this process changed users or sessions in the store (cluster mode: the other members reload). */
  changed: () => void = () => {};

  async load(now: number): Promise<void> {
    for (const user of await this.store.loadUsers()) this.remember(user);
    await this.store.pruneSessions(now);
    for (const session of await this.store.loadSessions(now)) {
      this.sessions.set(session.idHash, { userId: session.userId, expiresMs: session.expiresMs, storedExpiresMs: session.expiresMs });
    }
  }

  /** Users and sessions as the store has them now (another cluster member changed some). */
  async reload(now: number): Promise<void> {
    const [users, stored] = await Promise.all([this.store.loadUsers(), this.store.loadSessions(now)]);
    for (const user of users) this.remember(user);
    const sessions = new Map<string, LiveSession>();
    for (const session of stored) {
      // A session this process slid further than the store knows keeps its later expiry.
      const expiresMs = Math.max(session.expiresMs, this.sessions.get(session.idHash)?.expiresMs ?? 0);
      sessions.set(session.idHash, { userId: session.userId, expiresMs, storedExpiresMs: session.expiresMs });
    }
    this.sessions.clear();
    for (const [hash, session] of sessions) this.sessions.set(hash, session);
  }

  /** Adds or updates a user in the directory (e.g. one the admin CLI created while the server ran). */
  remember(record: UserRecord): User {
    const user: User = { id: record.id, username: record.username, role: record.role, guestActor: record.guestActor };
    this.users.set(user.id, user);
    return user;
  }

  user(id: number): User | undefined {
    return this.users.get(id);
  }

  get count(): number {
    return this.users.size;
  }

  /** The display name of a history actor ("user:N" → its username), or null. */
  displayName(actor: string): string | null {
    if (!actor.startsWith('user:')) return null;
    return this.users.get(Number(actor.slice(5)))?.username ?? null;
  }

  /** The account of the request's cookie, sliding its expiry; null for a guest or an expired session. */
  resolve(cookieHeader: string | undefined, now: number): Account | null {
    const id = parseCookies(cookieHeader).get(AUTH_COOKIE);
    if (id === undefined || id.length !== 43) return null;
    const sessionHash = hashSessionId(id);
    const session = this.sessions.get(sessionHash);
    if (session === undefined) return null;
    if (session.expiresMs <= now) {
      this.sessions.delete(sessionHash);
      return null;
    }
    const user = this.users.get(session.userId);
    if (user === undefined) return null;
    this.slide(sessionHash, session, now);
    return { user, actor: accountActor(user.id), sessionHash };
  }

  /** A new session for `user`: stored, then its Set-Cookie value. */
  async signIn(user: User, request: HttpRequest, now: number): Promise<string> {
    const id = randomBytes(ID_BYTES).toString('base64url');
    const idHash = hashSessionId(id);
    const expiresMs = now + this.settings.accountIdleTimeoutMs;
    await this.store.createSession({ idHash, userId: user.id, createdMs: now, expiresMs });
    this.sessions.set(idHash, { userId: user.id, expiresMs, storedExpiresMs: expiresMs });
    this.changed();
    return this.cookie(id, Math.floor(this.settings.accountIdleTimeoutMs / 1000), request);
  }

  /** Ends the session; the Set-Cookie value that clears the cookie. */
  async signOut(account: Account | null, request: HttpRequest): Promise<string> {
    if (account !== null) {
      this.sessions.delete(account.sessionHash);
      await this.store.deleteSession(account.sessionHash);
      this.changed();
    }
    return this.cookie('', 0, request);
  }

  /** Ends every session of a user (e.g. when their role changes), in memory and in the store. */
  async signOutEverywhere(userId: number): Promise<void> {
    for (const [hash, session] of this.sessions) {
      if (session.userId !== userId) continue;
      this.sessions.delete(hash);
      await this.store.deleteSession(hash);
    }
    this.changed();
  }

  /** Forgets sessions that have expired (memory and store). */
  async sweep(now: number): Promise<void> {
    for (const [hash, session] of this.sessions) if (session.expiresMs <= now) this.sessions.delete(hash);
    await this.store.pruneSessions(now);
  }

  private slide(hash: string, session: LiveSession, now: number): void {
    const idle = this.settings.accountIdleTimeoutMs;
    session.expiresMs = now + idle;
    if (session.expiresMs - session.storedExpiresMs < idle / 10) return;
    session.storedExpiresMs = session.expiresMs;
    this.store.touchSession(hash, session.expiresMs).catch((error: unknown) => this.log.warn('session expiry not stored', { error: String(error) }));
  }

  private cookie(value: string, maxAgeSeconds: number, request: HttpRequest): string {
    return serializeCookie(AUTH_COOKIE, value, {
      httpOnly: true, sameSite: 'Lax', path: '/', maxAgeSeconds, secure: viaTrustedHttps(request, this.settings.trustedProxies),
    });
  }
}

export function hashSessionId(id: string): string {
  return createHash('sha256').update(id).digest('hex');
}

/** The browser spoke https to a proxy we trust, which says so in the last X-Forwarded-Proto entry (its own). */
export function viaTrustedHttps(request: HttpRequest, trustedProxies: readonly string[]): boolean {
  const proto = request.head.headers.get('x-forwarded-proto');
  if (proto === undefined || !isTrustedProxy(request.remoteAddress, trustedProxies)) return false;
  return proto.slice(proto.lastIndexOf(',') + 1).trim().toLowerCase() === 'https';
}
