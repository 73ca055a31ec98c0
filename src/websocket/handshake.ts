// The server side of the RFC 6455 §4.2 opening handshake, as a pure function
// over a parsed request head: it decides, upgrade.ts does the I/O.
import { createHash } from 'node:crypto';
import type { RequestHead } from '../net/http-parser.js';
import { listHasToken, listItems } from '../net/header-lists.js';
import type { OriginPolicy } from '../net/origin.js';

// RFC 6455 §1.3: the fixed GUID appended to the client's key.
const WEBSOCKET_GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';

export type HandshakeResult =
  | { ok: true; acceptKey: string; protocol: string | null }
  | { ok: false; status: 400 | 403 | 426; reason: string; headers?: [string, string][] };

export interface HandshakeOptions {
  origins: OriginPolicy;            // which browser pages may connect (net/origin.ts)
  protocols: readonly string[];     // subprotocols this route speaks, most preferred first
}

export function acceptKeyFor(key: string): string {
  return createHash('sha1').update(key + WEBSOCKET_GUID).digest('base64');
}

/** The steps of acceptKeyFor, for people to follow (the wire inspector, wscat.js). */
export interface AcceptKeySteps {
  key: string;
  guid: string;
  /** key + GUID, the string that is hashed. */
  concatenated: string;
  /** Its SHA-1, 20 bytes in hex. */
  sha1: string;
  /** The SHA-1 in base64: the Sec-WebSocket-Accept value. */
  accept: string;
}

export function acceptKeySteps(key: string): AcceptKeySteps {
  const concatenated = key + WEBSOCKET_GUID;
  const digest = createHash('sha1').update(concatenated).digest();
  return { key, guid: WEBSOCKET_GUID, concatenated, sha1: digest.toString('hex'), accept: digest.toString('base64') };
}

// A valid key is the base64 of exactly 16 bytes: 22 significant characters and "==".
export function isValidKey(key: string): boolean {
  if (key.length !== 24 || !key.endsWith('==')) return false;
  const decoded = Buffer.from(key, 'base64');
  return decoded.length === 16 && decoded.toString('base64') === key;
}

/** `remoteAddress` is the socket's peer: the origin rule believes X-Forwarded-Proto only from a trusted proxy. */
export function checkHandshake(head: RequestHead, options: HandshakeOptions, remoteAddress: string): HandshakeResult {
  const h = head.headers;
  if (head.method !== 'GET') return refuse(400, 'method must be GET');
  if (head.versionMinor !== 1) return refuse(400, 'HTTP/1.1 required');
  if (!listHasToken(h.get('upgrade'), 'websocket')) return refuse(400, 'missing Upgrade: websocket');
  if (!listHasToken(h.get('connection'), 'upgrade')) return refuse(400, 'missing Connection: Upgrade');
  if (h.get('sec-websocket-version') !== '13') {
    return { ok: false, status: 426, reason: 'unsupported Sec-WebSocket-Version', headers: [['Sec-WebSocket-Version', '13']] };
  }
  const key = h.get('sec-websocket-key');
  if (key === undefined || !isValidKey(key)) return refuse(400, 'invalid Sec-WebSocket-Key');
  const origin = h.get('origin');
  // No Origin: not a browser, so no cross-site risk to guard against (RFC 6455 §10.2).
  if (origin !== undefined && !options.origins.allows(origin, head, remoteAddress)) {
    return refuse(403, 'origin not allowed');
  }
  return { ok: true, acceptKey: acceptKeyFor(key), protocol: selectProtocol(h.get('sec-websocket-protocol'), options.protocols) };
}

function refuse(status: 400 | 403, reason: string): HandshakeResult {
  return { ok: false, status, reason };
}

// The first protocol of ours that the client offered; null when none match,
// in which case we omit the header and let the client decide (§4.2.2).
export function selectProtocol(offered: string | undefined, supported: readonly string[]): string | null {
  if (offered === undefined || supported.length === 0) return null;
  const offers = listItems(offered); // subprotocol names are case-sensitive
  return supported.find((p) => offers.includes(p)) ?? null;
}

/** The 101 response; `extensions` is the accepted Sec-WebSocket-Extensions (deflate-negotiation.ts), or null. */
export function handshakeResponse(acceptKey: string, protocol: string | null, extensions: string | null = null, extraHeaders = ''): string {
  return (
    'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
    `Sec-WebSocket-Accept: ${acceptKey}\r\n` +
    (protocol === null ? '' : `Sec-WebSocket-Protocol: ${protocol}\r\n`) +
    (extensions === null ? '' : `Sec-WebSocket-Extensions: ${extensions}\r\n`) +
    extraHeaders +
    '\r\n'
  );
}
