// Serialising HTTP/1.1 responses. Handlers return plain objects; this file
// turns them into bytes with the framing headers the protocol requires.
import { STATUS_CODES } from 'node:http';

export interface HttpResponse {
  status: number;
  headers?: Record<string, string>;
  body?: Buffer | string | StreamedBody;
}

/**
 * A body made piece by piece while it is sent, with chunked transfer coding
 * (http-connection.ts and chunked-body.ts send it). The next piece is asked for
 * only when the socket has room, so a body of any length holds little memory.
 * It is iterated only when sent: never for HEAD or 304. If iteration throws,
 * the connection is closed without the last chunk, so the client sees the body
 * as incomplete. If the client goes away, the iterator's return() is called.
 */
export type StreamedBody = AsyncIterable<Uint8Array>;

export function isStreamed(body: HttpResponse['body']): body is StreamedBody {
  return typeof body === 'object' && !Buffer.isBuffer(body);
}

export function textResponse(status: number, text: string, headers?: Record<string, string>): HttpResponse {
  return { status, headers: { 'Content-Type': 'text/plain; charset=utf-8', ...headers }, body: text + '\n' };
}

export function jsonResponse(status: number, value: unknown, headers?: Record<string, string>): HttpResponse {
  return { status, headers: { 'Content-Type': 'application/json', ...headers }, body: JSON.stringify(value) };
}

export function errorResponse(status: number, reason: string, headers?: Record<string, string>): HttpResponse {
  return textResponse(status, `${status} ${STATUS_CODES[status] ?? 'Error'}: ${reason}`, headers);
}

// RFC 9110 §6.6.1: an origin server with a clock sends Date. It only changes
// once a second, so it is formatted once a second.
let dateSecond = 0;
let dateValue = '';
function httpDate(now: number): string {
  const second = Math.floor(now / 1000);
  if (second !== dateSecond) {
    dateSecond = second;
    dateValue = new Date(now).toUTCString();
  }
  return dateValue;
}

export interface SerializedResponse {
  head: string;
  body: Buffer | null; // null when there is nothing to send after the head
  stream: StreamedBody | null; // to send after the head, chunked
}

/**
 * The response head (with a string body folded into it, so small responses
 * are one write) and any Buffer or streamed body. Unless `omitBody` (HEAD
 * requests), Content-Length (or Transfer-Encoding: chunked, for a streamed
 * body) describes the full body, so HEAD answers describe what GET would send.
 * `now` (ms since the epoch) dates the response. An HTTP/1.0 client
 * (`chunkedAllowed` false) knows no chunked coding: its streamed body is sent
 * as it is and ends when the connection does, so the caller must not keep it alive.
 */
export function serializeResponse(response: HttpResponse, keepAlive: boolean, omitBody: boolean, now: number, chunkedAllowed = true): SerializedResponse {
  const body = response.body ?? '';
  let head = `HTTP/1.1 ${response.status} ${STATUS_CODES[response.status] ?? 'Unknown'}\r\nDate: ${httpDate(now)}\r\n`;
  if (response.headers) {
    for (const name in response.headers) head += `${name}: ${response.headers[name]}\r\n`;
  }
  // 1xx, 204 and 304 carry no body and no Content-Length of their own (RFC 9110 §8.6).
  const bodiless = response.status === 204 || response.status === 304 || response.status < 200;
  if (isStreamed(body)) {
    if (!bodiless && chunkedAllowed) head += 'Transfer-Encoding: chunked\r\n';
    head += keepAlive ? '\r\n' : 'Connection: close\r\n\r\n';
    return { head, body: null, stream: omitBody || bodiless ? null : body };
  }
  const length = typeof body === 'string' ? Buffer.byteLength(body) : body.length;
  if (!bodiless) head += `Content-Length: ${length}\r\n`;
  head += keepAlive ? '\r\n' : 'Connection: close\r\n\r\n';
  if (omitBody || bodiless || length === 0) return { head, body: null, stream: null };
  if (typeof body === 'string') return { head: head + body, body: null, stream: null };
  return { head, body, stream: null };
}
