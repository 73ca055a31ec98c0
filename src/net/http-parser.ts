// A sans-I/O, incremental HTTP/1.1 request parser (RFC 9112), in the style of Python's h11.
//
// Bytes go in with receive(), events come out of nextEvent(); there is no socket in here, so
// tests can feed any byte stream split anywhere. The caller pulls events when it is ready
// (e.g. only after answering the previous pipelined request), and a `null` event means
// "I need more bytes".
//
// One request on the wire looks like this (RFC 9112 §2.1):
//
//   GET /pixels?x=1 HTTP/1.1\r\n        request-line
//   Host: example.com\r\n               field lines ...
//   Content-Length: 5\r\n
//   \r\n                                empty line: end of the header section
//   hello                               body, framed by Content-Length or chunked coding
//
// No regular expressions: everything is found with Buffer/String indexOf and short loops, so
// hostile input cannot trigger backtracking, and every buffer we keep is bounded by a limit.

export interface RequestHead {
  method: string; // token as sent, e.g. "GET"
  target: string; // request-target as sent, e.g. "/a/b?x=1"
  versionMinor: 0 | 1; // HTTP/1.0 or HTTP/1.1
  headers: Map<string, string>; // lower-cased names; repeated fields joined with ", " (RFC 9110 §5.3)
  contentLength: number; // body length when not chunked (0 when absent)
  chunked: boolean; // Transfer-Encoding: chunked
  keepAlive: boolean; // 1.1: unless "Connection: close"; 1.0: only with "Connection: keep-alive"
  upgrade: boolean; // Connection lists "upgrade" AND an Upgrade header is present
}

export type HttpEvent =
  | { kind: 'head'; head: RequestHead }
  | { kind: 'data'; chunk: Buffer } // body bytes (de-chunked); may be a subarray of received data
  | { kind: 'end' } // message complete (right after 'head' when there is no body)
  | { kind: 'error'; status: number; message: string }; // parser is dead; answer `status` and close

export interface HttpParserLimits {
  maxHeaderBytes: number;
  maxHeaderCount: number;
}

const DEFAULT_LIMITS: HttpParserLimits = { maxHeaderBytes: 16384, maxHeaderCount: 100 };
const DEFAULT_BODY_LIMIT = 1024 * 1024;
const MAX_CHUNK_SIZE_LINE = 4096; // chunk-size plus extensions plus CRLF
const MAX_CHUNK_SIZE_DIGITS = 15; // 15 hex digits = 60 bits; more is an overflow attempt

const CR = 0x0d;
const LF = 0x0a;
const SP = 0x20;
const HTAB = 0x09;
const CRLF = Buffer.from('\r\n', 'latin1');
const CRLF_CRLF = Buffer.from('\r\n\r\n', 'latin1');

// findTerminator() results that are not positions.
const NEED_MORE = -1;
const TOO_LONG = -2;
const BARE_LINE_BREAK = -3;

// A state handler returns an event, null ("need more bytes"), or AGAIN: "I moved to another
// state without producing an event, run the next handler".
const AGAIN = Symbol('again');
type Step = HttpEvent | null | typeof AGAIN;

const END: HttpEvent = Object.freeze({ kind: 'end' });

type State =
  | 'head' // waiting for a complete header section
  | 'fixed-body' // Content-Length framing: bodyRemaining bytes left
  | 'chunk-size' // chunked framing: waiting for a chunk-size line
  | 'chunk-data' // inside a chunk: bodyRemaining bytes left
  | 'chunk-data-end' // expecting the CRLF that closes a chunk's data
  | 'trailers' // after the last chunk: trailer field lines until an empty line
  | 'upgraded' // an upgrade request ended; what follows is another protocol
  | 'stopped' // takeRemaining() was called
  | 'dead'; // an error was reported

// tchar (RFC 9110 §5.6.2): the characters allowed in a token (methods, field names).
const IS_TCHAR = new Uint8Array(128);
for (const c of "!#$%&'*+-.^_`|~") IS_TCHAR[c.charCodeAt(0)] = 1;
for (let c = 0x30; c <= 0x39; c++) IS_TCHAR[c] = 1; // 0-9
for (let c = 0x41; c <= 0x5a; c++) IS_TCHAR[c] = 1; // A-Z
for (let c = 0x61; c <= 0x7a; c++) IS_TCHAR[c] = 1; // a-z

export class HttpRequestParser {
  private readonly limits: HttpParserLimits;

  // Received but unconsumed bytes: pending[0] starting at readOffset, then the rest in order.
  private pending: Buffer[] = [];
  private readOffset = 0;
  private buffered = 0;
  // How many bytes of the front were already searched for a terminator, so a head that
  // arrives in pieces is not searched from its start again on every receive.
  private scanned = 0;
  // The buffer joinFront() last built, and the view of its filled part (see joinFront).
  private joinSpace: Buffer | null = null;
  private joinedView: Buffer | null = null;

  private state: State = 'head';
  // Per message: header-section bytes and field lines used so far (head plus trailers).
  private headerBytes = 0;
  private fieldCount = 0;
  private bodyLimit = DEFAULT_BODY_LIMIT;
  private bodyLimitChecked = false;
  private bodyRemaining = 0; // Content-Length bytes left, or bytes left in the current chunk
  private chunkedTotal = 0; // decoded chunked body size announced so far
  private upgradeAfterEnd = false;

  constructor(limits?: Partial<HttpParserLimits>) {
    this.limits = { ...DEFAULT_LIMITS, ...limits };
  }

  get bufferedBytes(): number {
    return this.buffered;
  }

  /** Appends bytes. Never throws; problems surface as an 'error' event. */
  receive(data: Buffer): void {
    // After an error or takeRemaining() nobody will read these bytes: drop them so memory
    // stays bounded.
    if (this.state === 'dead' || this.state === 'stopped' || data.length === 0) return;
    this.pending.push(data);
    this.buffered += data.length;
  }

  /** The next event, or null when more bytes are needed (or the parser has finished). */
  nextEvent(): HttpEvent | null {
    for (;;) {
      const step = this.step();
      if (step !== AGAIN) return step;
    }
  }

  /** Maximum body size for the current request (default 1 MiB, reset for every request). */
  setBodyLimit(bytes: number): void {
    // Clamped to MAX_SAFE_INTEGER so every size we accept is exact in a JS number.
    this.bodyLimit = bytes >= 0 ? Math.min(bytes, Number.MAX_SAFE_INTEGER) : 0;
  }

  /** Stops the parser and returns the unconsumed bytes (after an upgrade: the new protocol's). */
  takeRemaining(): Buffer {
    if (this.pending.length > 0) this.pending[0] = this.pending[0]!.subarray(this.readOffset);
    const rest = this.pending.length === 1 ? this.pending[0]! : Buffer.concat(this.pending);
    this.pending = [];
    this.readOffset = 0;
    this.buffered = 0;
    this.state = 'stopped';
    return rest;
  }

  private step(): Step {
    switch (this.state) {
      case 'head':
        return this.readHead();
      case 'fixed-body':
        return this.readFixedBody();
      case 'chunk-size':
        return this.readChunkSize();
      case 'chunk-data':
        return this.readChunkData();
      case 'chunk-data-end':
        return this.readChunkDataEnd();
      case 'trailers':
        return this.readTrailer();
      default:
        return null; // upgraded, stopped or dead: nothing more to say
    }
  }

  // ---- Header section -------------------------------------------------------------------

  private readHead(): Step {
    // RFC 9112 §2.2: ignore empty lines before the request-line (some clients send an extra
    // CRLF after a POST body). They still count toward the header limit.
    while (this.peek(0) === CR) {
      const next = this.peek(1);
      if (next === undefined) return null;
      if (next !== LF) return this.fail(400, 'bare CR in request head');
      this.consume(2);
      this.headerBytes += 2;
      if (this.headerBytes > this.limits.maxHeaderBytes) return this.fail(431, 'header section too large');
    }

    const end = this.findTerminator(CRLF_CRLF, this.limits.maxHeaderBytes - this.headerBytes);
    if (end === NEED_MORE) return null;
    if (end === TOO_LONG) return this.fail(431, 'header section too large');
    if (end === BARE_LINE_BREAK) return this.fail(400, 'lines must end in CRLF');

    const start = this.readOffset;
    // Keep the last line's CRLF so that every line in `text` ends in CRLF.
    const text = this.pending[0]!.toString('latin1', start, end + 2);
    const size = end + 4 - start;
    this.consume(size);
    this.headerBytes += size;
    return this.parseHead(text);
  }

  private parseHead(text: string): Step {
    // request-line = method SP request-target SP HTTP-version CRLF, single spaces only.
    const lineEnd = text.indexOf('\r\n');
    const space1 = text.indexOf(' ');
    const space2 = space1 < 0 ? -1 : text.indexOf(' ', space1 + 1);
    if (space1 < 0 || space2 < 0 || space2 > lineEnd) return this.fail(400, 'malformed request line');

    if (!isToken(text, 0, space1)) return this.fail(400, 'invalid method');
    const method = text.slice(0, space1);

    const target = text.slice(space1 + 1, space2);
    const targetProblem = checkTarget(method, target);
    if (targetProblem !== null) return this.fail(400, targetProblem);

    const versionMinor = parseVersion(text, space2 + 1, lineEnd);
    if (versionMinor === 'malformed') return this.fail(400, 'malformed HTTP version');
    if (versionMinor === 'unsupported') return this.fail(505, 'HTTP version not supported');

    // field-line = field-name ":" OWS field-value OWS CRLF
    const headers = new Map<string, string>();
    let hostCount = 0;
    for (let pos = lineEnd + 2; pos < text.length; ) {
      const end = text.indexOf('\r\n', pos);
      if (++this.fieldCount > this.limits.maxHeaderCount) return this.fail(431, 'too many header fields');
      const field = parseFieldLine(text, pos, end);
      if (typeof field === 'string') return this.fail(400, field);
      if (field.name === 'host') hostCount++;
      // RFC 9110 §5.3: repeated fields are equivalent to one comma-joined field.
      const previous = headers.get(field.name);
      headers.set(field.name, previous === undefined ? field.value : previous + ', ' + field.value);
      pos = end + 2;
    }

    // RFC 9112 §3.2: HTTP/1.1 requires exactly one Host; nobody may send two.
    if (hostCount > 1) return this.fail(400, 'more than one Host header');
    if (hostCount === 0 && versionMinor === 1) return this.fail(400, 'missing Host header');

    // Body framing (RFC 9112 §6). A request with neither header has no body.
    let contentLength = 0;
    const contentLengthValue = headers.get('content-length');
    if (contentLengthValue !== undefined) {
      const parsed = parseContentLength(contentLengthValue);
      if (typeof parsed === 'string') return this.fail(400, parsed);
      contentLength = parsed;
    }
    let chunked = false;
    const transferEncoding = headers.get('transfer-encoding');
    if (transferEncoding !== undefined) {
      // Two framings at once is the classic request-smuggling setup (RFC 9112 §6.3): if a proxy
      // believed one and we the other, they would disagree on where the next request starts.
      if (contentLengthValue !== undefined) return this.fail(400, 'both Transfer-Encoding and Content-Length');
      if (versionMinor === 0) return this.fail(400, 'Transfer-Encoding in an HTTP/1.0 request');
      const codings = listItems(transferEncoding);
      if (codings.length === 0) return this.fail(400, 'empty Transfer-Encoding');
      if (codings.length !== 1 || codings[0] !== 'chunked') return this.fail(501, 'unsupported transfer coding');
      chunked = true;
    }

    const connection = headers.has('connection') ? listItems(headers.get('connection')!) : [];
    const close = connection.includes('close');
    const keepAlive = versionMinor === 1 ? !close : !close && connection.includes('keep-alive');
    const upgrade = connection.includes('upgrade') && headers.has('upgrade');

    const head: RequestHead = {
      method,
      target,
      versionMinor,
      headers,
      contentLength,
      chunked,
      keepAlive,
      upgrade,
    };
    this.bodyLimit = DEFAULT_BODY_LIMIT;
    this.bodyLimitChecked = false;
    this.bodyRemaining = contentLength;
    this.chunkedTotal = 0;
    this.upgradeAfterEnd = upgrade;
    this.state = chunked ? 'chunk-size' : 'fixed-body';
    return { kind: 'head', head };
  }

  // ---- Content-Length body ----------------------------------------------------------------

  private readFixedBody(): Step {
    // Checked on the first pull after 'head', so the caller has had its chance to setBodyLimit.
    if (!this.bodyLimitChecked) {
      this.bodyLimitChecked = true;
      if (this.bodyRemaining > this.bodyLimit) return this.fail(413, 'request body too large');
    }
    if (this.bodyRemaining === 0) return this.endMessage();
    if (this.buffered === 0) return null;
    const chunk = this.takeFront(this.bodyRemaining);
    this.bodyRemaining -= chunk.length;
    return { kind: 'data', chunk };
  }

  // ---- Chunked body (RFC 9112 §7.1) -----------------------------------------------------
  //
  //   5;name=value\r\n     chunk-size in hex, optional extensions (ignored)
  //   hello\r\n            chunk-data, then CRLF
  //   0\r\n                last-chunk
  //   Trailer: x\r\n       optional trailer fields (discarded)
  //   \r\n

  private readChunkSize(): Step {
    const end = this.findTerminator(CRLF, MAX_CHUNK_SIZE_LINE);
    if (end === NEED_MORE) return null;
    if (end === TOO_LONG) return this.fail(400, 'chunk size line too long');
    if (end === BARE_LINE_BREAK) return this.fail(400, 'lines must end in CRLF');

    const buffer = this.pending[0]!;
    const start = this.readOffset;
    let size = 0;
    let pos = start;
    for (; pos < end; pos++) {
      const digit = hexValue(buffer[pos]!);
      if (digit < 0) break;
      size = size * 16 + digit;
    }
    if (pos === start) return this.fail(400, 'missing chunk size');
    if (pos - start > MAX_CHUNK_SIZE_DIGITS) return this.fail(400, 'chunk size too large');
    if (pos < end && !isChunkExtension(buffer, pos, end)) return this.fail(400, 'malformed chunk extension');
    this.consume(end + 2 - start);

    if (size === 0) {
      this.state = 'trailers';
      return AGAIN;
    }
    // Refuse as soon as the announced size would pass the limit, before reading its data.
    if (this.chunkedTotal + size > this.bodyLimit) return this.fail(413, 'request body too large');
    this.chunkedTotal += size;
    this.bodyRemaining = size;
    this.state = 'chunk-data';
    return AGAIN;
  }

  private readChunkData(): Step {
    if (this.buffered === 0) return null;
    const chunk = this.takeFront(this.bodyRemaining);
    this.bodyRemaining -= chunk.length;
    if (this.bodyRemaining === 0) this.state = 'chunk-data-end';
    return { kind: 'data', chunk };
  }

  private readChunkDataEnd(): Step {
    const first = this.peek(0);
    const second = this.peek(1);
    if ((first !== undefined && first !== CR) || (second !== undefined && second !== LF)) {
      return this.fail(400, 'chunk data not followed by CRLF');
    }
    if (second === undefined) return null;
    this.consume(2);
    this.state = 'chunk-size';
    return AGAIN;
  }

  private readTrailer(): Step {
    const end = this.findTerminator(CRLF, this.limits.maxHeaderBytes - this.headerBytes);
    if (end === NEED_MORE) return null;
    if (end === TOO_LONG) return this.fail(431, 'header section too large');
    if (end === BARE_LINE_BREAK) return this.fail(400, 'lines must end in CRLF');

    const start = this.readOffset;
    const line = this.pending[0]!.toString('latin1', start, end);
    const size = end + 2 - start;
    this.consume(size);
    this.headerBytes += size;
    if (line.length === 0) return this.endMessage(); // the empty line ends the message

    // Trailers follow the header syntax rules, but we do not use them (RFC 9110 §6.5.1 lets a
    // recipient discard them), so they are validated and dropped.
    if (++this.fieldCount > this.limits.maxHeaderCount) return this.fail(431, 'too many header fields');
    const field = parseFieldLine(line, 0, line.length);
    if (typeof field === 'string') return this.fail(400, field);
    return AGAIN;
  }

  // ---- Message boundaries -----------------------------------------------------------------

  private endMessage(): Step {
    // After an upgrade request the following bytes belong to the new protocol: stop here.
    this.state = this.upgradeAfterEnd ? 'upgraded' : 'head';
    this.headerBytes = 0;
    this.fieldCount = 0;
    return END;
  }

  private fail(status: number, message: string): Step {
    this.state = 'dead';
    this.pending = [];
    this.readOffset = 0;
    this.buffered = 0;
    return { kind: 'error', status, message };
  }

  // ---- Buffer queue -----------------------------------------------------------------------

  /**
   * Finds `terminator` in the unconsumed bytes and returns its index in pending[0], or
   * NEED_MORE, TOO_LONG (it would end more than `budget` bytes in), or BARE_LINE_BREAK.
   * When the text spans several receives, they are first joined into one buffer (at most
   * budget + 1 bytes, enough to tell "fits" from "too long").
   */
  private findTerminator(terminator: Buffer, budget: number): number {
    for (;;) {
      const buffer = this.pending[0];
      if (buffer === undefined) return NEED_MORE;
      const start = this.readOffset;
      // Resume where the last search stopped, minus a partial terminator at its end.
      const from = start + Math.max(0, this.scanned - (terminator.length - 1));
      const at = buffer.indexOf(terminator, from);
      // Reject a bare CR or LF as soon as it arrives, rather than waiting for the terminator
      // or the limit. Bytes past the limit are not examined: that verdict is "too long".
      const checkedEnd = Math.min(at >= 0 ? at : buffer.length, start + budget);
      if (hasBareLineBreak(buffer, start, from, checkedEnd)) return BARE_LINE_BREAK;
      if (at >= 0) {
        // Found: from now on the front gets consumed, so never append to it again.
        this.scanned = 0;
        this.joinSpace = this.joinedView = null;
        return at + terminator.length - start > budget ? TOO_LONG : at;
      }
      this.scanned = buffer.length - start;
      if (this.scanned > budget) return TOO_LONG;
      if (this.pending.length === 1) return NEED_MORE;
      this.joinFront(budget + 1);
    }
  }

  /**
   * Replaces the front of the queue with one buffer holding its first `maxBytes` bytes.
   * The buffer gets spare room, and the next join appends to it instead of copying it all
   * again, so a client trickling a head one byte at a time costs linear copying.
   */
  private joinFront(maxBytes: number): void {
    const size = Math.min(this.buffered, maxBytes);
    let joined: Buffer;
    let filled = 0;
    if (this.pending[0] === this.joinedView && this.readOffset === 0 && size <= this.joinSpace!.length) {
      joined = this.joinSpace!; // its first joinedView.length bytes are already in place
      filled = this.pending.shift()!.length;
    } else {
      joined = Buffer.allocUnsafe(Math.min(maxBytes, 2 * size));
    }
    while (filled < size) {
      const buffer = this.pending[0]!;
      const end = Math.min(buffer.length, this.readOffset + size - filled);
      filled += buffer.copy(joined, filled, this.readOffset, end);
      if (end === buffer.length) {
        this.pending.shift();
        this.readOffset = 0;
      } else {
        this.readOffset = end;
      }
    }
    // Whatever was not joined stays queued behind the joined bytes.
    if (this.pending.length > 0) this.pending[0] = this.pending[0]!.subarray(this.readOffset);
    this.joinSpace = joined;
    this.joinedView = joined.subarray(0, size);
    this.pending.unshift(this.joinedView);
    this.readOffset = 0;
  }

  /** Byte at `index` past the read position, or undefined if not received yet. */
  private peek(index: number): number | undefined {
    let offset = this.readOffset + index;
    for (const buffer of this.pending) {
      if (offset < buffer.length) return buffer[offset];
      offset -= buffer.length;
    }
    return undefined;
  }

  /** Removes and returns up to `maxBytes` from the front, without copying. */
  private takeFront(maxBytes: number): Buffer {
    const buffer = this.pending[0]!;
    const end = Math.min(buffer.length, this.readOffset + maxBytes);
    const chunk = buffer.subarray(this.readOffset, end);
    this.consume(chunk.length);
    return chunk;
  }

  private consume(count: number): void {
    this.buffered -= count;
    while (count > 0) {
      const available = this.pending[0]!.length - this.readOffset;
      if (count < available) {
        this.readOffset += count;
        return;
      }
      count -= available;
      this.pending.shift();
      this.readOffset = 0;
    }
  }
}

// ---- Syntax helpers (pure functions over the decoded latin1 text or raw bytes) -------------

interface FieldLine {
  name: string;
  value: string;
}

/** Parses one field line text[start, end) (no CRLF); returns the problem as a string. */
function parseFieldLine(text: string, start: number, end: number): FieldLine | string {
  // obs-fold (RFC 9112 §5.2): a line starting with whitespace used to continue the previous
  // value. It is obsolete and a server may reject it; accepting it invites parser confusion.
  if (isOws(text.charCodeAt(start))) return 'obsolete line folding is not allowed';
  const colon = text.indexOf(':', start);
  if (colon < 0 || colon >= end) return 'header line without a colon';
  if (colon === start) return 'empty header name';
  // RFC 9112 §5.1: no whitespace between name and colon (it was another smuggling vector).
  if (isOws(text.charCodeAt(colon - 1))) return 'whitespace before colon';
  if (!isToken(text, start, colon)) return 'invalid header name';

  // The optional whitespace around the value is not part of it.
  let valueStart = colon + 1;
  let valueEnd = end;
  while (valueStart < valueEnd && isOws(text.charCodeAt(valueStart))) valueStart++;
  while (valueEnd > valueStart && isOws(text.charCodeAt(valueEnd - 1))) valueEnd--;
  for (let i = valueStart; i < valueEnd; i++) {
    const c = text.charCodeAt(i);
    // Visible ASCII, SP, HTAB and obs-text (0x80-0xFF) are allowed; other controls are not.
    if ((c < 0x20 && c !== HTAB) || c === 0x7f) return 'control character in header value';
  }
  return { name: text.slice(start, colon).toLowerCase(), value: text.slice(valueStart, valueEnd) };
}

/** Returns why the request-target is invalid, or null (RFC 9112 §3.2). */
function checkTarget(method: string, target: string): string | null {
  if (target.length === 0) return 'empty request target';
  for (let i = 0; i < target.length; i++) {
    const c = target.charCodeAt(i);
    if (c < 0x21 || c > 0x7e) return 'invalid character in request target';
  }
  if (target.charCodeAt(0) === 0x2f /* / */) return null; // origin-form: /path?query
  if (target === '*') return method === 'OPTIONS' ? null : '"*" target is only valid with OPTIONS';
  // absolute-form, as sent to proxies (and which servers must accept): http://host/path
  const lower = target.slice(0, 8).toLowerCase();
  if ((lower.startsWith('http://') && target.length > 7) || (lower === 'https://' && target.length > 8)) return null;
  return 'unsupported request target form';
}

/** HTTP-version = "HTTP/" DIGIT "." DIGIT; returns the minor version of 1.x we speak. */
function parseVersion(text: string, start: number, end: number): 0 | 1 | 'unsupported' | 'malformed' {
  if (
    end - start !== 8 ||
    !text.startsWith('HTTP/', start) ||
    !isDigit(text.charCodeAt(start + 5)) ||
    text.charCodeAt(start + 6) !== 0x2e /* . */ ||
    !isDigit(text.charCodeAt(start + 7))
  ) {
    return 'malformed';
  }
  if (text.charCodeAt(start + 5) !== 0x31 /* 1 */) return 'unsupported';
  const minor = text.charCodeAt(start + 7) - 0x30;
  return minor === 0 || minor === 1 ? minor : 'unsupported';
}

/**
 * Content-Length = 1*DIGIT. Repeated fields arrive comma-joined; RFC 9110 §8.6 allows
 * accepting them when every value is the same number. Returns the problem as a string.
 */
function parseContentLength(value: string): number | string {
  let length = -1;
  for (const item of value.split(',')) {
    const digits = trimOws(item);
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

/** Items of a comma-separated list header, trimmed and lower-cased; empty items are skipped. */
function listItems(value: string): string[] {
  const items: string[] = [];
  for (const item of value.split(',')) {
    const trimmed = trimOws(item);
    if (trimmed.length > 0) items.push(trimmed.toLowerCase());
  }
  return items;
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

/**
 * True if buffer[from, end) (part of a line-based text starting at lineStart) has an LF not
 * preceded by CR, or a CR followed by something other than LF. RFC 9112 §2.2 lets a server
 * reject these; accepting them is how parsers that split lines differently get confused.
 */
function hasBareLineBreak(buffer: Buffer, lineStart: number, from: number, end: number): boolean {
  for (let i = buffer.indexOf(LF, from); i >= 0 && i < end; i = buffer.indexOf(LF, i + 1)) {
    if (i === lineStart || buffer[i - 1] !== CR) return true;
  }
  for (let i = buffer.indexOf(CR, from); i >= 0 && i < end; i = buffer.indexOf(CR, i + 1)) {
    if (i + 1 < buffer.length && buffer[i + 1] !== LF) return true;
  }
  return false;
}

function isToken(text: string, start: number, end: number): boolean {
  if (start >= end) return false;
  for (let i = start; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c >= 128 || IS_TCHAR[c] === 0) return false;
  }
  return true;
}

function trimOws(text: string): string {
  let start = 0;
  let end = text.length;
  while (start < end && isOws(text.charCodeAt(start))) start++;
  while (end > start && isOws(text.charCodeAt(end - 1))) end--;
  return text.slice(start, end);
}

function isOws(c: number): boolean {
  return c === SP || c === HTAB;
}

function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}

function hexValue(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x61 && c <= 0x66) return c - 0x61 + 10; // a-f
  if (c >= 0x41 && c <= 0x46) return c - 0x41 + 10; // A-F
  return -1;
}
