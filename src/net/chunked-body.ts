// Sends a StreamedBody (response.ts) on a socket with chunked transfer coding
// (RFC 9112 §7.1): each piece as its size in hex, CRLF, the bytes, CRLF; then
// the last chunk "0" CRLF CRLF (no trailers). The next piece is asked for only
// while fewer than STREAM_BUFFER_BYTES wait in the socket; past that the sender
// waits for the socket's 'drain' (passed on by its HttpConnection), so memory
// is bounded by that plus one piece, however long the body.
import type { Socket } from 'node:net';
import type { StreamedBody } from './response.js';

/** Pieces are pulled only while fewer bytes than this wait to be sent. */
export const STREAM_BUFFER_BYTES = 64 * 1024;

export const LAST_CHUNK = '0\r\n\r\n';

/** The line that opens a chunk of `size` bytes (size > 0: a zero size is the last chunk). */
export function chunkSizeLine(size: number): string {
  return `${size.toString(16)}\r\n`;
}

/** What the connection hears from its sender. */
export interface StreamListener {
  /** The reader is behind: the sender waits for 'drain' (a deadline may start now). */
  streamBlocked(): void;
  /** The body was sent in full (error null), or its iterator threw `error`. Not called after abort(). */
  streamEnded(error: unknown): void;
}

export class ChunkedBodySender {
  private readonly iterator: AsyncIterator<Uint8Array>;
  private state: 'pulling' | 'blocked' | 'done' = 'pulling';
  // Bound once per stream, so pulling a piece allocates no closure.
  private readonly onResult = (result: IteratorResult<Uint8Array>) => this.send(result);
  private readonly onError = (error: unknown) => this.finish(error ?? new Error('stream failed'));

  /** `chunked` false (an HTTP/1.0 reader): the pieces as they are, the body ending with the connection. */
  constructor(
    private readonly socket: Socket,
    body: StreamedBody,
    private readonly chunked: boolean,
    private readonly listener: StreamListener,
  ) {
    this.iterator = body[Symbol.asyncIterator]();
  }

  start(): void {
    this.pull();
  }

  /** The socket drained: pull again if we were waiting for that. */
  onDrain(): void {
    if (this.state !== 'blocked') return;
    this.state = 'pulling';
    this.pull();
  }

  /** The connection is gone: stop the producer (its finally blocks run). */
  abort(): void {
    if (this.state === 'done') return;
    this.state = 'done';
    this.iterator.return?.().catch(() => {});
  }

  private pull(): void {
    // The bound is at least the socket's high-water mark, so the write that crossed it
    // returned false and a 'drain' is sure to come.
    if (this.socket.writableLength >= Math.max(STREAM_BUFFER_BYTES, this.socket.writableHighWaterMark)) {
      this.state = 'blocked';
      this.listener.streamBlocked();
      return;
    }
    let next: Promise<IteratorResult<Uint8Array>>;
    try {
      next = this.iterator.next();
    } catch (error) {
      return this.finish(error);
    }
    next.then(this.onResult, this.onError);
  }

  private send(result: IteratorResult<Uint8Array>): void {
    if (this.state === 'done') return; // aborted while the piece was being made
    if (result.done) {
      if (this.chunked) this.socket.write(LAST_CHUNK);
      return this.finish(null);
    }
    const piece = result.value;
    if (piece.length > 0) { // an empty chunk would end the body
      if (this.chunked) {
        this.socket.cork(); // size line, piece and CRLF leave as one write
        this.socket.write(chunkSizeLine(piece.length));
        this.socket.write(piece);
        this.socket.write('\r\n');
        this.socket.uncork();
      } else {
        this.socket.write(piece);
      }
    }
    this.pull();
  }

  private finish(error: unknown): void {
    if (this.state === 'done') return;
    this.state = 'done';
    this.listener.streamEnded(error);
  }
}
