// Serialising HTTP/1.1 responses. Handlers return plain objects; this file
// turns them into bytes with the framing headers the protocol requires.
import { STATUS_CODES } from 'node:http';

export interface HttpResponse {
  status: number;
  headers?: Record<string, string>;
  body?: Buffer | string;
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
}

/**
 * The response head (with a string body folded into it, so small responses
 * are one write) and any Buffer body. Unless `omitBody` (HEAD requests),
 * Content-Length always describes the full body, so HEAD answers describe
 * what GET would send. `now` (ms since the epoch) dates the response.
 */
export function serializeResponse(response: HttpResponse, keepAlive: boolean, omitBody: boolean, now: number): SerializedResponse {
  const body = response.body ?? '';
  const length = typeof body === 'string' ? Buffer.byteLength(body) : body.length;
  let head = `HTTP/1.1 ${response.status} ${STATUS_CODES[response.status] ?? 'Unknown'}\r\nDate: ${httpDate(now)}\r\n`;
  if (response.headers) {
    for (const name in response.headers) head += `${name}: ${response.headers[name]}\r\n`;
  }
  // 1xx, 204 and 304 carry no body and no Content-Length of their own (RFC 9110 §8.6).
  const bodiless = response.status === 204 || response.status === 304 || response.status < 200;
  if (!bodiless) head += `Content-Length: ${length}\r\n`;
  head += keepAlive ? '\r\n' : 'Connection: close\r\n\r\n';
  if (omitBody || bodiless || length === 0) return { head, body: null };
  if (typeof body === 'string') return { head: head + body, body: null };
  return { head, body };
}
