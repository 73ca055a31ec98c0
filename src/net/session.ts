// Anonymous sessions: a random id in an HttpOnly cookie, the key of the
// per-session rate limits. Ids carry no meaning and are never trusted beyond
// their shape: a client can always drop its cookie, which is why the per-IP
// buckets exist too.
import { randomBytes } from 'node:crypto';
import { parseCookies, serializeCookie } from './cookies.js';

export const SESSION_COOKIE = 'tessera_session';

const ONE_YEAR_SECONDS = 365 * 24 * 60 * 60;
const SESSION_ID_LENGTH = 22; // 16 bytes in base64url, unpadded

/** 16 random bytes (128 bits, unguessable) as 22 base64url characters. */
export function newSessionId(): string {
  return randomBytes(16).toString('base64url');
}

/** Exactly 22 base64url characters. */
export function isValidSessionId(id: string): boolean {
  if (id.length !== SESSION_ID_LENGTH) return false;
  for (let i = 0; i < id.length; i++) {
    const c = id.charCodeAt(i);
    const ok = (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || (c >= 0x30 && c <= 0x39) || c === 0x2d || c === 0x5f;
    if (!ok) return false;
  }
  return true;
}

/**
 * The session from the request's Cookie header, or a new one plus the
 * Set-Cookie value to send with the response (HttpOnly, SameSite=Lax, Path=/,
 * a year). A missing or malformed id gets a new session.
 */
export function sessionFor(cookieHeader: string | undefined): { id: string; setCookie: string | null } {
  const id = parseCookies(cookieHeader).get(SESSION_COOKIE);
  if (id !== undefined && isValidSessionId(id)) return { id, setCookie: null };
  const fresh = newSessionId();
  return {
    id: fresh,
    setCookie: serializeCookie(SESSION_COOKIE, fresh, { httpOnly: true, sameSite: 'Lax', path: '/', maxAgeSeconds: ONE_YEAR_SECONDS }),
  };
}
