// Which web origins may act on this server: open a WebSocket (RFC 6455
// §10.2) or send a state-changing request (CSRF). A request without Origin
// comes from a script, not a browser page, and carries no ambient authority
// to abuse, so callers allow it.

const LOCAL_HOSTNAMES = new Set(['localhost', '127.0.0.1', '[::1]']);

export function isOriginAllowed(origin: string, host: string, allowed: string[] | null): boolean {
  if (allowed !== null) return allowed.includes(origin);
  let url: URL;
  try {
    url = new URL(origin);
  } catch {
    return false; // includes the literal "null" origin of sandboxed documents
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return false;
  return url.host === host.toLowerCase() || LOCAL_HOSTNAMES.has(url.hostname);
}
