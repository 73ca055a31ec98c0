// /api/auth/*: register, login, logout, me (docs/API.md, "Accounts").
import type { OriginPolicy } from '../../net/origin.js';
import { jsonResponse } from '../../net/response.js';
import type { HttpRequest, Router } from '../../net/router.js';
import { guestActor } from '../../placement/actor.js';
import { hashPassword, MAX_PASSWORD, MIN_PASSWORD, USERNAME, verifyPassword } from '../../moderation/passwords.js';
import { KeyedBuckets } from '../../ratelimit/keyed-buckets.js';
import { UsernameTakenError } from '../../storage/moderation.js';
import { sameOriginOnly } from '../api/csrf.js';
import { apiRoute, ApiError } from '../api/errors.js';
import { identify } from '../identity.js';
import type { User } from './accounts.js';
import { jsonBody, text } from './body.js';
import type { Moderation } from './service.js';

export const MAX_AUTH_BODY_BYTES = 4096;
/** Login (and register) attempts: 5 a minute per IP and per username (in a cluster: in all, not per member). */
const ATTEMPTS = { capacity: 5, refillPerSecond: 5 / 60 };
const NO_STORE = { 'Cache-Control': 'no-store' };

export const userJson = (user: User) => ({ id: user.id, username: user.username, role: user.role });

export function registerAuthRoutes(router: Router, moderation: Moderation, origins: OriginPolicy): void {
  const { accounts, settings, clock } = moderation;
  // Bounded: a full store forgets refilled buckets first (keyed-buckets.ts), so no timer is needed.
  const perIp = new KeyedBuckets(ATTEMPTS, { maxKeys: 100_000 });
  const perName = new KeyedBuckets(ATTEMPTS, { maxKeys: 100_000 });
  // Verified against when the user does not exist, so that costs the same scrypt as a real one.
  let dummyHash: Promise<string> | null = null;
  const dummy = () => (dummyHash ??= hashPassword('not a password of anyone', settings.passwordCostLog2));

  /**
   * Takes one attempt from the IP's (and the name's) bucket, or throws 429 with Retry-After. In a
   * cluster the members' shared buckets are taken too, so trying several members gives no more
   * attempts. This member's own go first, checked and taken at once (concurrent attempts cannot
   * both pass them), and save a round trip for what they refuse.
   */
  const attempt = async (request: HttpRequest, username: string | null): Promise<void> => {
    const now = clock.now();
    const ip = identify(request, settings).ip;
    const name = username?.toLowerCase() ?? null;
    let wait = Math.max(perIp.retryAfterMs(ip, now, 1), name === null ? 0 : perName.retryAfterMs(name, now, 1));
    if (wait === 0) {
      perIp.take(ip, now, 1);
      if (name !== null) perName.take(name, now, 1);
      wait = await moderation.takeShared([`auth:ip:${ip}`, ...(name === null ? [] : [`auth:name:${name}`])], ATTEMPTS);
    }
    if (wait > 0) {
      moderation.metrics.logins.inc({ result: 'limited' });
      throw new ApiError(429, 'TOO_MANY_ATTEMPTS', 'too many attempts: wait retryAfterMs', { 'Retry-After': String(Math.ceil(wait / 1000)) }, { retryAfterMs: wait });
    }
  };

  const credentials = (request: HttpRequest) => {
    const fields = jsonBody(request, ['username', 'password']);
    return { username: text(fields, 'username', 64), password: text(fields, 'password', MAX_PASSWORD) };
  };

  const register = apiRoute(sameOriginOnly(async (request, answerHeaders) => {
    const { username, password } = credentials(request);
    if (!USERNAME.test(username)) throw new ApiError(400, 'BAD_USERNAME', 'a username is 3 to 32 letters, digits, "_", "-" or "."');
    if (password.length < MIN_PASSWORD) throw new ApiError(400, 'BAD_PASSWORD', `a password has at least ${MIN_PASSWORD} characters`);
    await attempt(request, null);
    const who = identify(request, settings);
    const passwordHash = await hashPassword(password, settings.passwordCostLog2);
    const now = clock.now();
    let record;
    try {
      // A guest who registers keeps their history: the account remembers the guest's actor.
      record = await moderation.store.createUser({ username, role: 'user', passwordHash, createdMs: now, guestActor: who.setCookie === null ? guestActor(who.session) : null }, null);
    } catch (error) {
      if (error instanceof UsernameTakenError) throw new ApiError(409, 'USERNAME_TAKEN', `the username ${JSON.stringify(username)} is taken`);
      throw error;
    }
    const user = accounts.remember(record);
    answerHeaders['Set-Cookie'] = await accounts.signIn(user, request, now);
    return jsonResponse(201, { user: userJson(user) }, NO_STORE);
  }, origins));

  const login = apiRoute(sameOriginOnly(async (request, answerHeaders) => {
    const { username, password } = credentials(request);
    await attempt(request, username);
    const record = USERNAME.test(username) ? await moderation.store.userByName(username) : null;
    const ok = await verifyPassword(password, record?.passwordHash ?? (await dummy()));
    if (record === null || !ok) {
      moderation.metrics.logins.inc({ result: 'failed' });
      throw new ApiError(401, 'INVALID_CREDENTIALS', 'wrong username or password');
    }
    moderation.metrics.logins.inc({ result: 'ok' });
    const user = accounts.remember(record);
    answerHeaders['Set-Cookie'] = await accounts.signIn(user, request, clock.now());
    return jsonResponse(200, { user: userJson(user) }, NO_STORE);
  }, origins));

  const logout = apiRoute(sameOriginOnly(async (request, answerHeaders) => {
    const account = accounts.resolve(request.head.headers.get('cookie'), clock.now());
    answerHeaders['Set-Cookie'] = await accounts.signOut(account, request);
    return jsonResponse(200, { ok: true }, NO_STORE);
  }, origins));

  const me = apiRoute((request) => {
    const account = accounts.resolve(request.head.headers.get('cookie'), clock.now());
    return jsonResponse(200, { user: account === null ? null : userJson(account.user) }, NO_STORE);
  });

  router
    .http('POST', '/api/auth/register', register, { maxBodyBytes: MAX_AUTH_BODY_BYTES })
    .http('POST', '/api/auth/login', login, { maxBodyBytes: MAX_AUTH_BODY_BYTES })
    .http('POST', '/api/auth/logout', logout, { maxBodyBytes: MAX_AUTH_BODY_BYTES })
    .http('GET', '/api/auth/me', me);
}
