// Who is asking: the guest session (cookie) and the client IP, the same way
// for HTTP requests and WebSocket handshakes.
import type { HttpRequest } from '../net/router.js';
import { clientIp } from '../net/client-ip.js';
import { sessionFor } from '../net/session.js';

export interface Identity {
  session: string;
  ip: string;
  /** Set-Cookie value to send when the session is new, else null. */
  setCookie: string | null;
}

export function identify(request: HttpRequest, trustedProxies: readonly string[]): Identity {
  const { id, setCookie } = sessionFor(request.head.headers.get('cookie'));
  const ip = clientIp(request.remoteAddress, request.head.headers.get('x-forwarded-for'), trustedProxies);
  return { session: id, ip, setCookie };
}
