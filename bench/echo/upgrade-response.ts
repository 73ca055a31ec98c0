// The server's answer to a bot's upgrade request, read off the stream: complete
// once the head has arrived; the bytes after it are the first frames.
import { randomBytes } from 'node:crypto';
import { acceptKeyFor } from '../../src/websocket/handshake.js';

const MAX_RESPONSE_HEAD = 16 * 1024;

export class UpgradeResponse {
  /** The Sec-WebSocket-Key to send. */
  readonly key = randomBytes(16).toString('base64');
  private readonly expectedAccept = acceptKeyFor(this.key);
  private head = '';
  /** The answer's Sec-WebSocket-Extensions ('' when none), once the head is complete. */
  extensions = '';

  /**
   * Takes chunk[0, end). Returns undefined while the head is incomplete, an
   * Error when the server refused or answered wrongly, or else the offset in
   * `chunk` where the frames begin.
   */
  push(chunk: Buffer, end: number): number | Error | undefined {
    this.head += chunk.toString('latin1', 0, end);
    const headEnd = this.head.indexOf('\r\n\r\n');
    if (headEnd < 0) return this.head.length > MAX_RESPONSE_HEAD ? new Error('response head too large') : undefined;
    const head = this.head.slice(0, headEnd);
    const restStart = end - (this.head.length - headEnd - 4);
    this.head = '';
    const status = head.slice(0, head.indexOf('\r\n'));
    if (!/^HTTP\/1\.1 101 /.test(status)) return new Error(`handshake answered "${status}"`);
    const accept = /\r\nsec-websocket-accept:[ \t]*(\S+)/i.exec(head)?.[1];
    if (accept !== this.expectedAccept) return new Error('bad Sec-WebSocket-Accept');
    this.extensions = /\r\nsec-websocket-extensions:[ \t]*([^\r]*)/i.exec(head)?.[1]?.trim() ?? '';
    return restStart;
  }
}
