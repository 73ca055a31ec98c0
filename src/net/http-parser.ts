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
//
// This file is the state machine; the syntax it applies lives beside it: request-line.ts,
// header-fields.ts (field lines), header-lists.ts (comma lists), body-framing.ts
// (Content-Length, chunked coding). Received bytes wait in a ByteQueue.
import { bodyFraming, MAX_CHUNK_SIZE_LINE, parseChunkSize } from './body-framing.js';
import { ByteQueue } from './byte-queue.js';
import { parseFieldLine } from './header-fields.js';
import { listHasToken } from './header-lists.js';
import { parseRequestLine } from './request-line.js';

export interface RequestHead {
  method: string; // token as sent, e.g. "GET"
  target: string; // request-target as sent, e.g. "/a/b?x=1"
  versionMinor: 0 | 1; // HTTP/1.0 or HTTP/1.1
  headers: Map<string, string>; // lower-cased names; repeated fields joined with ", " (RFC 9110 §5.3)
  contentLength: number; // body length when not chunked (0 when absent)
  chunked: boolean; // Transfer-Encoding: chunked
  keepAlive: boolean; // 1.1: unless "Connection: close"; 1.0: only with "Connection: keep-alive"
  upgrade: boolean; // Connection lists "upgrade" AND an Upgrade header is present
  text: string; // the request-line and field lines as received (latin1), each ending in CRLF; the blank line left out
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

const CR = 0x0d;
const LF = 0x0a;
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

export class HttpRequestParser {
  private readonly limits: HttpParserLimits;
  private readonly queue = new ByteQueue();
  // How many bytes of the front chunk were already searched for a terminator, so a head that
  // arrives in pieces is not searched from its start again on every receive.
  private scanned = 0;

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
    return this.queue.length;
  }

  /** Appends bytes. Never throws; problems surface as an 'error' event. */
  receive(data: Buffer): void {
    // After an error or takeRemaining() nobody will read these bytes: drop them so memory
    // stays bounded.
    if (this.state === 'dead' || this.state === 'stopped') return;
    this.queue.push(data);
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
    this.state = 'stopped';
    return this.queue.takeAll();
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
    const queue = this.queue;
    // RFC 9112 §2.2: ignore empty lines before the request-line (some clients send an extra
    // CRLF after a POST body). They still count toward the header limit.
    while (queue.peek(0) === CR) {
      const next = queue.peek(1);
      if (next === undefined) return null;
      if (next !== LF) return this.fail(400, 'bare CR in request head');
      queue.consume(2);
      this.headerBytes += 2;
      if (this.headerBytes > this.limits.maxHeaderBytes) return this.fail(431, 'header section too large');
    }

    const end = this.findTerminator(CRLF_CRLF, this.limits.maxHeaderBytes - this.headerBytes);
    if (end === NEED_MORE) return null;
    if (end === TOO_LONG) return this.fail(431, 'header section too large');
    if (end === BARE_LINE_BREAK) return this.fail(400, 'lines must end in CRLF');

    const start = queue.offset;
    // Keep the last line's CRLF so that every line in `text` ends in CRLF.
    const text = queue.front!.toString('latin1', start, end + 2);
    const size = end + 4 - start;
    queue.consume(size);
    this.headerBytes += size;
    return this.parseHead(text);
  }

  private parseHead(text: string): Step {
    const lineEnd = text.indexOf('\r\n');
    const line = parseRequestLine(text, lineEnd);
    if ('status' in line) return this.fail(line.status, line.message);

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
    if (hostCount === 0 && line.versionMinor === 1) return this.fail(400, 'missing Host header');

    const framing = bodyFraming(headers, line.versionMinor);
    if ('status' in framing) return this.fail(framing.status, framing.message);

    const connection = headers.get('connection');
    const close = listHasToken(connection, 'close');
    const keepAlive = line.versionMinor === 1 ? !close : !close && listHasToken(connection, 'keep-alive');
    const upgrade = listHasToken(connection, 'upgrade') && headers.has('upgrade');

    const head: RequestHead = {
      method: line.method,
      target: line.target,
      versionMinor: line.versionMinor,
      headers,
      contentLength: framing.contentLength,
      chunked: framing.chunked,
      keepAlive,
      upgrade,
      text, // already held: the header values are slices of it
    };
    this.bodyLimit = DEFAULT_BODY_LIMIT;
    this.bodyLimitChecked = false;
    this.bodyRemaining = framing.contentLength;
    this.chunkedTotal = 0;
    this.upgradeAfterEnd = upgrade;
    this.state = framing.chunked ? 'chunk-size' : 'fixed-body';
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
    if (this.queue.length === 0) return null;
    const chunk = this.queue.take(this.bodyRemaining);
    this.bodyRemaining -= chunk.length;
    return { kind: 'data', chunk };
  }

  // ---- Chunked body (the syntax is in body-framing.ts) -----------------------------------

  private readChunkSize(): Step {
    const end = this.findTerminator(CRLF, MAX_CHUNK_SIZE_LINE);
    if (end === NEED_MORE) return null;
    if (end === TOO_LONG) return this.fail(400, 'chunk size line too long');
    if (end === BARE_LINE_BREAK) return this.fail(400, 'lines must end in CRLF');

    const start = this.queue.offset;
    const size = parseChunkSize(this.queue.front!, start, end);
    if (typeof size === 'string') return this.fail(400, size);
    this.queue.consume(end + 2 - start);

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
    if (this.queue.length === 0) return null;
    const chunk = this.queue.take(this.bodyRemaining);
    this.bodyRemaining -= chunk.length;
    if (this.bodyRemaining === 0) this.state = 'chunk-data-end';
    return { kind: 'data', chunk };
  }

  private readChunkDataEnd(): Step {
    const first = this.queue.peek(0);
    const second = this.queue.peek(1);
    if ((first !== undefined && first !== CR) || (second !== undefined && second !== LF)) {
      return this.fail(400, 'chunk data not followed by CRLF');
    }
    if (second === undefined) return null;
    this.queue.consume(2);
    this.state = 'chunk-size';
    return AGAIN;
  }

  private readTrailer(): Step {
    const end = this.findTerminator(CRLF, this.limits.maxHeaderBytes - this.headerBytes);
    if (end === NEED_MORE) return null;
    if (end === TOO_LONG) return this.fail(431, 'header section too large');
    if (end === BARE_LINE_BREAK) return this.fail(400, 'lines must end in CRLF');

    const start = this.queue.offset;
    const line = this.queue.front!.toString('latin1', start, end);
    const size = end + 2 - start;
    this.queue.consume(size);
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
    this.queue.clear();
    return { kind: 'error', status, message };
  }

  // ---- Finding the end of a line or of the head -------------------------------------------

  /**
   * Finds `terminator` in the unconsumed bytes and returns its index in the queue's front
   * chunk, or NEED_MORE, TOO_LONG (it would end more than `budget` bytes in), or
   * BARE_LINE_BREAK. When the text spans several receives, they are first joined into one
   * chunk (at most budget + 1 bytes, enough to tell "fits" from "too long").
   */
  private findTerminator(terminator: Buffer, budget: number): number {
    const queue = this.queue;
    for (;;) {
      const buffer = queue.front;
      if (buffer === undefined) return NEED_MORE;
      const start = queue.offset;
      // Resume where the last search stopped, minus a partial terminator at its end.
      const from = start + Math.max(0, this.scanned - (terminator.length - 1));
      const at = buffer.indexOf(terminator, from);
      // Reject a bare CR or LF as soon as it arrives, rather than waiting for the terminator
      // or the limit. Bytes past the limit are not examined: that verdict is "too long".
      const checkedEnd = Math.min(at >= 0 ? at : buffer.length, start + budget);
      if (hasBareLineBreak(buffer, start, from, checkedEnd)) return BARE_LINE_BREAK;
      if (at >= 0) {
        this.scanned = 0;
        return at + terminator.length - start > budget ? TOO_LONG : at;
      }
      this.scanned = buffer.length - start;
      if (this.scanned > budget) return TOO_LONG;
      if (queue.frontLength === queue.length) return NEED_MORE;
      queue.join(budget + 1);
    }
  }
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
