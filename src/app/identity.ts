// Who is asking: the guest session (cookie) and the client IP, the same way
// for HTTP requests and WebSocket handshakes.
import type { ServerConfig } from '../config/settings.js';
import type { HttpRequest } from '../net/router.js';
import { clientIp, ipKey } from '../net/client-ip.js';
import { sessionFor } from '../net/session.js';

export interface Identity {
  session: string;
  /** What per-IP rate limits count: the client's IPv4 address, or its IPv6 network (ipKey). */
  ip: string;
  /** Set-Cookie value to send when the session is new, else null. */
  setCookie: string | null;
  /** The signed-in account's history actor ("user:N") and role, when there is one (Writer.actor, Writer.role). */
  actor?: string | undefined;
  role?: string | undefined;
}

export function identify(request: HttpRequest, settings: Pick<ServerConfig, 'trustedProxies' | 'ipv6PrefixLength'>): Identity {
  const { id, setCookie } = sessionFor(request.head.headers.get('cookie'));
  const address = clientIp(request.remoteAddress, request.head.headers.get('x-forwarded-for'), settings.trustedProxies);
  const ip = ipKey(address, settings.ipv6PrefixLength);
  return { session: id, ip, setCookie };
}
