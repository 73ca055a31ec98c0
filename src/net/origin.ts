// Which web origins may act on this server: open a WebSocket (RFC 6455
// §10.2) or send a state-changing request (CSRF). A request without Origin
// comes from a script, not a browser page, and carries no ambient authority
// to abuse, so callers allow it.
//
// A page may act from the server's own origin, as the request names it:
// http://<Host>, or https://<Host> when a trusted proxy says in
// X-Forwarded-Proto that the browser spoke https to it. Other origins (a dev
// server on another port, a partner site) are allowed only when listed.
import { isTrustedProxy } from './client-ip.js';
import type { RequestHead } from './http-parser.js';

export class OriginPolicy {
  private readonly listed: Set<string>;

  constructor(
    allowedOrigins: readonly string[],
    private readonly trustedProxies: readonly string[],
  ) {
    this.listed = new Set(allowedOrigins.map(serialized));
  }

  /** True when a page at `origin` may act through this request (read from `remoteAddress`). */
  allows(origin: string, head: RequestHead, remoteAddress: string): boolean {
    if (this.listed.has(origin)) return true;
    let url: URL;
    try {
      url = new URL(origin);
    } catch {
      return false; // includes the literal "null" origin of sandboxed documents
    }
    if (this.listed.has(url.origin)) return true;
    const host = head.headers.get('host');
    if (host === undefined) return false;
    if (url.protocol === 'http:') return url.host === withoutPort(host.toLowerCase(), ':80');
    if (url.protocol === 'https:') return this.viaHttps(head, remoteAddress) && url.host === withoutPort(host.toLowerCase(), ':443');
    return false;
  }

  /** The browser spoke https to a proxy we trust, which says so in the last X-Forwarded-Proto entry (its own). */
  private viaHttps(head: RequestHead, remoteAddress: string): boolean {
    const proto = head.headers.get('x-forwarded-proto');
    if (proto === undefined || !isTrustedProxy(remoteAddress, this.trustedProxies)) return false;
    return proto.slice(proto.lastIndexOf(',') + 1).trim().toLowerCase() === 'https';
  }
}

/** An origin as browsers write it ("HTTPS://A.example:443/" → "https://a.example"); anything unparsable as it is. */
function serialized(origin: string): string {
  try {
    const { origin: canonical } = new URL(origin);
    return canonical === 'null' ? origin : canonical;
  } catch {
    return origin;
  }
}

/** The Host value without the scheme's default port (which an origin leaves out). */
function withoutPort(host: string, defaultPort: string): string {
  return host.endsWith(defaultPort) ? host.slice(0, -defaultPort.length) : host;
}
