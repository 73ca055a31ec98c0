// Where a request body ends (RFC 9112 §6): Content-Length, or the chunked
// transfer coding, whose size lines are parsed here. The parser's states
// that walk through a body use these; they hold no state of their own.
import { HTAB, isDigit, isOws } from './header-fields.js';
import { listItems, splitList } from './header-lists.js';

export type BodyFraming = { chunked: false; contentLength: number } | { chunked: true; contentLength: 0 };

// 15 hex digits = 60 bits; more is an overflow attempt.
const MAX_CHUNK_SIZE_DIGITS = 15;

/**
 * The framing a request's headers announce. A request with neither header
 * has no body. Returns the problem (status and message) when they are unusable.
 */
export function bodyFraming(headers: Map<string, string>, versionMinor: 0 | 1): BodyFraming | { status: number; message: string } {
  const contentLengthValue = headers.get('content-length');
  let contentLength = 0;
  if (contentLengthValue !== undefined) {
    const parsed = parseContentLength(contentLengthValue);
    if (typeof parsed === 'string') return { status: 400, message: parsed };
    contentLength = parsed;
  }
  const transferEncoding = headers.get('transfer-encoding');
  if (transferEncoding === undefined) return { chunked: false, contentLength };
  // Two framings at once is the classic request-smuggling setup (RFC 9112 §6.3): if a proxy
  // believed one and we the other, they would disagree on where the next request starts.
  if (contentLengthValue !== undefined) return { status: 400, message: 'both Transfer-Encoding and Content-Length' };
  if (versionMinor === 0) return { status: 400, message: 'Transfer-Encoding in an HTTP/1.0 request' };
  const codings = listItems(transferEncoding);
  if (codings.length === 0) return { status: 400, message: 'empty Transfer-Encoding' };
  if (codings.length !== 1 || codings[0]!.toLowerCase() !== 'chunked') return { status: 501, message: 'unsupported transfer coding' };
  return { chunked: true, contentLength: 0 };
}

/**
 * Content-Length = 1*DIGIT. Repeated fields arrive comma-joined; RFC 9110 §8.6 allows
 * accepting them when every value is the same number. Returns the problem as a string.
 */
function parseContentLength(value: string): number | string {
  let length = -1;
  for (const digits of splitList(value)) {
    if (digits.length === 0) return 'invalid Content-Length';
    let n = 0;
    for (let i = 0; i < digits.length; i++) {
      const c = digits.charCodeAt(i);
      if (!isDigit(c)) return 'invalid Content-Length';
      n = n * 10 + (c - 0x30);
      if (n > Number.MAX_SAFE_INTEGER) return 'Content-Length too large';
    }
    if (length >= 0 && n !== length) return 'conflicting Content-Length values';
    length = n;
  }
  return length;
}

// ---- Chunked coding (RFC 9112 §7.1) ------------------------------------------------------
//
//   5;name=value\r\n     chunk-size in hex, optional extensions (ignored)
//   hello\r\n            chunk-data, then CRLF
//   0\r\n                last-chunk
//   Trailer: x\r\n       optional trailer fields (discarded)
//   \r\n

/** The longest chunk-size line we read: size, extensions and CRLF. */
export const MAX_CHUNK_SIZE_LINE = 4096;

/** Parses the chunk-size line line[start, end) (no CRLF): the size, or the problem as a string. */
export function parseChunkSize(line: Buffer, start: number, end: number): number | string {
  let size = 0;
  let pos = start;
  for (; pos < end; pos++) {
    const digit = hexValue(line[pos]!);
    if (digit < 0) break;
    size = size * 16 + digit;
  }
  if (pos === start) return 'missing chunk size';
  if (pos - start > MAX_CHUNK_SIZE_DIGITS) return 'chunk size too large';
  if (pos < end && !isChunkExtension(line, pos, end)) return 'malformed chunk extension';
  return size;
}

/**
 * chunk-ext = *( BWS ";" BWS name [ BWS "=" BWS value ] ), starting at `pos` (just after the
 * size). We have no use for extensions, so we only check it starts with ";" and holds no
 * control characters.
 */
function isChunkExtension(line: Buffer, pos: number, end: number): boolean {
  while (pos < end && isOws(line[pos]!)) pos++;
  if (pos >= end || line[pos] !== 0x3b /* ; */) return false;
  for (; pos < end; pos++) {
    const c = line[pos]!;
    if ((c < 0x20 && c !== HTAB) || c === 0x7f) return false;
  }
  return true;
}

function hexValue(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x61 && c <= 0x66) return c - 0x61 + 10; // a-f
  if (c >= 0x41 && c <= 0x46) return c - 0x41 + 10; // A-F
  return -1;
}
