// The client side of the RFC 6455 §4.1 opening handshake, as pure functions:
// the request a client sends, and the checks it makes of the server's answer
// (§4.1, "the client MUST validate the server's response"). For tools that
// speak WebSocket as a client on our own codec (wscat.js); the server never
// uses them.
import { randomBytes } from 'node:crypto';
import { parseFieldLine } from '../net/header-fields.js';
import { listHasToken } from '../net/header-lists.js';
import { agreementFromResponse, type DeflateAgreement } from './deflate-negotiation.js';
import { acceptKeyFor } from './handshake.js';

/** The longest response head a client reads before giving up on the server. */
export const MAX_RESPONSE_HEAD = 16 * 1024;

export interface ClientHandshakeOptions {
  protocols?: readonly string[];
  origin?: string;
  /** The Sec-WebSocket-Extensions offer, e.g. "permessage-deflate; client_max_window_bits". */
  extensions?: string;
}

/** A fresh Sec-WebSocket-Key: 16 random bytes in base64 (§4.1 item 7). */
export function newClientKey(): string {
  return randomBytes(16).toString('base64');
}

/** The upgrade request for `url` (ws:), with `key`. */
export function clientHandshakeRequest(url: URL, key: string, options: ClientHandshakeOptions = {}): string {
  const lines = [
    `GET ${url.pathname}${url.search} HTTP/1.1`,
    `Host: ${url.host}`,
    'Upgrade: websocket',
    'Connection: Upgrade',
    `Sec-WebSocket-Key: ${key}`,
    'Sec-WebSocket-Version: 13',
  ];
  if (options.protocols !== undefined && options.protocols.length > 0) lines.push(`Sec-WebSocket-Protocol: ${options.protocols.join(', ')}`);
  if (options.extensions !== undefined) lines.push(`Sec-WebSocket-Extensions: ${options.extensions}`);
  if (options.origin !== undefined) lines.push(`Origin: ${options.origin}`);
  return lines.join('\r\n') + '\r\n\r\n';
}

export type HandshakeAnswer =
  | { ok: true; protocol: string | null; deflate: DeflateAgreement | null; headers: Map<string, string> }
  | { ok: false; reason: string };

/**
 * Checks the server's response head (up to and without the blank line) to a
 * request made with `key` and `options`: 101, Upgrade and Connection, the
 * accept key, and only a subprotocol and extensions that were offered.
 */
export function checkHandshakeResponse(head: string, key: string, options: ClientHandshakeOptions = {}): HandshakeAnswer {
  const lines = head.split('\r\n');
  const status = /^HTTP\/1\.1 (\d{3})(?: (.*))?$/.exec(lines[0] ?? '');
  if (status === null) return { ok: false, reason: `not an HTTP/1.1 status line: ${JSON.stringify(lines[0]?.slice(0, 80))}` };
  const headers = new Map<string, string>();
  for (const line of lines.slice(1)) {
    if (line === '') continue;
    const field = parseFieldLine(line, 0, line.length);
    if (typeof field === 'string') return { ok: false, reason: `bad header line (${field}): ${JSON.stringify(line.slice(0, 80))}` };
    const previous = headers.get(field.name);
    headers.set(field.name, previous === undefined ? field.value : `${previous}, ${field.value}`);
  }
  if (status[1] !== '101') return { ok: false, reason: `the server answered ${status[1]} ${status[2] ?? ''} instead of 101`.trim() };
  if (!listHasToken(headers.get('upgrade'), 'websocket')) return { ok: false, reason: 'no "Upgrade: websocket" in the 101' };
  if (!listHasToken(headers.get('connection'), 'upgrade')) return { ok: false, reason: 'no "Connection: Upgrade" in the 101' };
  const accept = headers.get('sec-websocket-accept');
  if (accept !== acceptKeyFor(key)) return { ok: false, reason: `Sec-WebSocket-Accept is ${accept ?? 'missing'}, not ${acceptKeyFor(key)}` };
  const protocol = headers.get('sec-websocket-protocol') ?? null;
  if (protocol !== null && !(options.protocols ?? []).includes(protocol)) return { ok: false, reason: `the server chose subprotocol ${protocol}, which was not offered` };
  const extensions = headers.get('sec-websocket-extensions');
  let deflate: DeflateAgreement | null = null;
  if (extensions !== undefined) {
    if (options.extensions === undefined) return { ok: false, reason: `the server accepted extensions that were not offered: ${extensions}` };
    deflate = agreementFromResponse(extensions);
    if (deflate === null) return { ok: false, reason: `an extension response this client cannot honour: ${extensions}` };
  }
  return { ok: true, protocol, deflate, headers };
}
