// A canvas bot on a raw TCP socket: no WebSocket library, so it costs the same against
// every server. It does the HTTP upgrade by hand (random key, checks the 101 and
// Sec-WebSocket-Accept), sends masked client frames, and parses the server's frames with
// the echo bench's FrameReader (7-bit, 126 and 127 lengths, frames and headers split
// across reads). All bots of a process read into one shared buffer (`onread`).
//
// It also speaks just enough of the Tessera protocol for the benchmark: it waits for
// HELLO, subscribes to chunks and counts the CHUNKs that answer, and sends PLACEs. What
// it does with DIFFs is the owner's business (`onDiff`).
//
// Asked to, it offers permessage-deflate (RFC 7692) and inflates what comes compressed
// (RSV1) with zlib; it never compresses what it sends (allowed: RSV1 is per message).
import { randomBytes } from 'node:crypto';
import { connect, type Socket } from 'node:net';
import { constants, inflateRawSync } from 'node:zlib';
import { FrameReader, OP_BINARY, OP_CLOSE, OP_PING, OP_PONG, maskedFrame } from '../echo/frames.js';
import { UpgradeResponse } from '../echo/upgrade-response.js';
import { encodePlace, encodeSubscribe, encodeTileWrite, type HelloJson } from '../../src/protocol/messages.js';

/** Safe to share: each read is fully handled (partial frames copied out) before the next. */
const READ_BUFFER = Buffer.allocUnsafe(256 * 1024);

// Server → client message types (docs/PROTOCOL.md).
export const T_HELLO = 0x01;
export const T_CHUNK = 0x02;
export const T_DIFF = 0x03;
export const T_ACK = 0x04;
export const T_REJECT = 0x05;

export interface Target {
  host: string;
  port: number;
  path: string;
}

/** What HELLO told us about the board we watch. */
export interface BoardInfo {
  index: number;
  width: number;
  height: number;
  chunkSize: number;
  tileSize: number | null;
}

/**
 * A DIFF message: buf[start, end), type byte included (inflated if it came compressed);
 * `now` is the read's time (epoch ms); `wireBytes` the frame's size on the wire, header
 * included. Only valid during the call.
 */
export type DiffHandler = (bot: Bot, buf: Buffer, start: number, end: number, now: number, wireBytes: number) => void;

const SYNC_FLUSH_TAIL = Buffer.from([0x00, 0x00, 0xff, 0xff]);
/**
 * The last few compressed payloads inflated in this process, and what they inflated to.
 * The bots of a process read the same shared compressed frames (no context takeover: the
 * same bytes always inflate to the same message), so each distinct one is inflated once
 * per process, not once per bot: the bench measures the server, not the generator's zlib.
 */
const inflated: { compressed: Buffer; message: Buffer }[] = [];
const INFLATED_KEPT = 16;

function inflate(buf: Buffer, start: number, end: number): Buffer {
  const length = end - start;
  // Newest first: in a tick every bot reads the same DIFF, the last one inflated.
  for (let i = inflated.length - 1; i >= 0; i--) {
    const entry = inflated[i]!;
    if (entry.compressed.length === length && buf.compare(entry.compressed, 0, length, start, end) === 0) return entry.message;
  }
  const compressed = Buffer.from(buf.subarray(start, end));
  const message = inflateRawSync(Buffer.concat([compressed, SYNC_FLUSH_TAIL]), { finishFlush: constants.Z_SYNC_FLUSH });
  if (inflated.length === INFLATED_KEPT) inflated.shift();
  inflated.push({ compressed, message });
  return message;
}

type State = 'connecting' | 'open' | 'closing' | 'closed';

/** Wall-clock milliseconds shared by every process on the machine, with µs resolution. */
export const epochNow = (): number => performance.timeOrigin + performance.now();

export class Bot {
  state: State = 'connecting';
  /** CHUNK messages (and their bytes, inflated), ACKs and REJECTs received. */
  chunksReceived = 0;
  chunkBytes = 0;
  acks = 0;
  rejects = 0;
  /** Set by the owner: called for every DIFF. */
  onDiff: DiffHandler = () => {};
  /** Called once when the TCP connection is gone. */
  onClosed: () => void = () => {};
  /** Called on REJECT with its reason byte. */
  onReject: (reason: number) => void = () => {};
  /** The board named at open (set by HELLO), and every board HELLO listed, by id. */
  board: BoardInfo | null = null;
  readonly boards = new Map<string, BoardInfo>();
  /** Whether the server accepted permessage-deflate. */
  compression = false;
  /** Bytes read off the socket (the upgrade response included). */
  bytesRead = 0;

  private readonly mask: Buffer = randomBytes(4);
  private readonly socket: Socket;
  private readonly reader = new FrameReader((buf, frameStart, payloadStart, frameEnd) => {
    const opcode = buf[frameStart]! & 0x0f;
    if ((buf[frameStart]! & 0x40) === 0) return this.frame(opcode, buf, payloadStart, frameEnd, frameEnd - frameStart);
    if (!this.compression) throw new Error('RSV1 set without permessage-deflate');
    const message = inflate(buf, payloadStart, frameEnd);
    this.frame(opcode, message, 0, message.length, frameEnd - frameStart);
  });
  private readonly upgrade = new UpgradeResponse();
  private readNow = 0;
  private waiter: { resolve: () => void; reject: (err: Error) => void; done: () => boolean } | null = null;
  private paused = false;

  private constructor(target: Target, localAddress: string | undefined, private readonly boardId: string, deflate: boolean) {
    const key = this.upgrade.key;
    this.socket = connect({
      host: target.host,
      port: target.port,
      noDelay: true,
      ...(localAddress ? { localAddress } : {}),
      onread: {
        buffer: READ_BUFFER,
        callback: (nread, buf) => {
          this.bytesRead += nread;
          this.onData(buf as Buffer, nread);
          return true;
        },
      },
    });
    this.socket.once('connect', () => {
      this.socket.write(
        `GET ${target.path} HTTP/1.1\r\nHost: ${target.host}:${target.port}\r\nUpgrade: websocket\r\n` +
          `Connection: Upgrade\r\nSec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\n` +
          `Sec-WebSocket-Protocol: tessera.v1\r\n${deflate ? 'Sec-WebSocket-Extensions: permessage-deflate\r\n' : ''}\r\n`,
      );
    });
    this.socket.on('error', (err) => this.fail(err));
    this.socket.on('close', () => {
      const wasOpen = this.state !== 'connecting';
      this.state = 'closed';
      this.fail(new Error('connection closed'));
      if (wasOpen) this.onClosed();
    });
  }

  /** Connects, upgrades (offering permessage-deflate if `deflate`: then it must be accepted) and waits for HELLO naming board `boardId`. */
  static async open(target: Target, localAddress: string | undefined, boardId: string, timeoutMs: number, deflate = false): Promise<Bot> {
    const bot = new Bot(target, localAddress, boardId, deflate);
    await bot.until(() => bot.board !== null, timeoutMs, 'HELLO');
    if (deflate && !bot.compression) {
      bot.socket.destroy();
      throw new Error('the server did not accept permessage-deflate');
    }
    return bot;
  }

  /** SUBSCRIBE to `chunks` ([cx, cy, …]) of our board (or board index `board`) and wait for one CHUNK per chunk. */
  async subscribe(chunks: number[], timeoutMs: number, board = this.board!.index): Promise<void> {
    const want = this.chunksReceived + chunks.length / 2;
    this.send(encodeSubscribe(board, chunks));
    await this.until(() => this.chunksReceived >= want, timeoutMs, 'CHUNKs');
  }

  /** Waits until `count` ACKs have come in all. */
  acked(count: number, timeoutMs: number): Promise<void> {
    return this.until(() => this.acks >= count, timeoutMs, 'ACKs');
  }

  place(requestId: number, x: number, y: number, color: number): void {
    this.send(encodePlace(requestId, this.board!.index, x, y, color));
  }

  tileWrite(requestId: number, board: number, tx: number, ty: number, colors: Uint8Array): void {
    this.send(encodeTileWrite(requestId, board, tx, ty, colors));
  }

  /** One binary message, framed and masked. */
  send(payload: Uint8Array): void {
    if (this.state !== 'open') return;
    this.socket.write(maskedFrame(OP_BINARY, Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength), this.mask));
  }

  /** Stop reading the socket: the server's writes pile up in the kernel, then in its own buffers. */
  pause(): void {
    this.paused = true;
    this.socket.pause();
  }

  resume(): void {
    this.paused = false;
    this.socket.resume();
  }

  get isPaused(): boolean {
    return this.paused;
  }

  /** Close handshake (1000); resolves when TCP is gone, resetting it after `timeoutMs`. */
  close(timeoutMs: number): Promise<void> {
    if (this.state === 'closed') return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(() => this.socket.resetAndDestroy(), timeoutMs);
      this.socket.once('close', () => {
        clearTimeout(timer);
        resolve();
      });
      if (this.paused) this.socket.resume();
      if (this.state === 'open') {
        this.state = 'closing';
        this.socket.write(maskedFrame(OP_CLOSE, Buffer.from([0x03, 0xe8]), this.mask));
      } else this.socket.destroy();
    });
  }

  private until(done: () => boolean, timeoutMs: number, what: string): Promise<void> {
    if (done()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => this.fail(new Error(`no ${what} within ${timeoutMs} ms`)), timeoutMs);
      this.waiter = {
        done,
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
        reject: (err) => {
          clearTimeout(timer);
          reject(err);
        },
      };
    });
  }

  private check(): void {
    if (this.waiter?.done()) {
      const { resolve } = this.waiter;
      this.waiter = null;
      resolve();
    }
  }

  private fail(err: Error): void {
    if (!this.waiter) return;
    const { reject } = this.waiter;
    this.waiter = null;
    this.socket.destroy();
    reject(err);
  }

  private onData(chunk: Buffer, end: number): void {
    if (this.state === 'open' || this.state === 'closing') {
      this.readNow = epochNow();
      try {
        this.reader.push(chunk, end);
      } catch (err) {
        this.socket.destroy(err as Error);
        return;
      }
      if (this.waiter) this.check();
      return;
    }
    if (this.state !== 'connecting') return;
    const restStart = this.upgrade.push(chunk, end);
    if (restStart === undefined) return;
    if (restStart instanceof Error) return this.fail(restStart);
    this.compression = this.upgrade.extensions.startsWith('permessage-deflate');
    this.state = 'open';
    if (restStart < end) this.onData(chunk.subarray(restStart, end), end - restStart);
  }

  private frame(opcode: number, buf: Buffer, start: number, end: number, wireBytes: number): void {
    if (opcode === OP_BINARY) {
      if (end <= start) return;
      switch (buf[start]) {
        case T_DIFF:
          this.onDiff(this, buf, start, end, this.readNow, wireBytes);
          return;
        case T_CHUNK:
          this.chunksReceived++;
          this.chunkBytes += end - start;
          return;
        case T_ACK:
          this.acks++;
          return;
        case T_REJECT:
          this.rejects++;
          this.onReject(end - start >= 6 ? buf[start + 5]! : 0);
          return;
        case T_HELLO:
          this.hello(buf, start, end);
          return;
        default:
          return; // QUOTA, ONLINE, PONG, PROTOCOL_ERROR: not needed here
      }
    } else if (opcode === OP_PING) {
      this.socket.write(maskedFrame(OP_PONG, Buffer.from(buf.subarray(start, end)), this.mask));
    } else if (opcode === OP_CLOSE) {
      if (this.state === 'open') this.socket.write(maskedFrame(OP_CLOSE, Buffer.from(buf.subarray(start, end)), this.mask));
      this.state = 'closing'; // the server closes TCP next
    }
  }

  /** HELLO: version 1, 16-byte session, u32 JSON length, JSON. Learns the boards' indices and sizes. */
  private hello(buf: Buffer, start: number, end: number): void {
    if (end - start < 22 || buf[start + 1] !== 1) return this.fail(new Error('HELLO is not protocol version 1'));
    const length = buf.readUInt32BE(start + 18);
    const json = JSON.parse(buf.toString('utf8', start + 22, start + 22 + length)) as HelloJson;
    json.boards.forEach((b, index) => {
      this.boards.set(b.id, { index, width: b.width, height: b.height, chunkSize: b.chunkSize, tileSize: b.tileSize });
    });
    const board = this.boards.get(this.boardId);
    if (!board) return this.fail(new Error(`HELLO has no board "${this.boardId}"`));
    this.board = board;
  }
}
