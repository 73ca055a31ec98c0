// A minimal raw-socket WebSocket client for load generation: no WebSocket library, so
// it costs the same against every server. It does the upgrade handshake itself, sends
// caller-built masked frames as raw bytes and parses the server's unmasked frames.
import { randomBytes } from 'node:crypto';
import { connect, type Socket } from 'node:net';
import { FrameReader, OP_CLOSE, OP_PING, OP_PONG, maskedFrame } from './frames.js';
import { UpgradeResponse } from './upgrade-response.js';

/**
 * Every client reads into this one buffer (`onread`): no Buffer per read and no stream
 * 'data' machinery. Safe because each read is fully handled (partial frames copied out)
 * before the next one is delivered.
 */
const READ_BUFFER = Buffer.allocUnsafe(64 * 1024);

export interface Target {
  host: string;
  port: number;
  path: string;
}

/** Payload of one server frame: buf[start, end). `buf` is only valid during the call. */
export type MessageHandler = (buf: Buffer, start: number, end: number, opcode: number) => void;

type State = 'connecting' | 'open' | 'closing' | 'closed';

export class WsClient {
  state: State = 'connecting';
  /** Called for each data frame. */
  onMessage: MessageHandler = () => {};
  /** Called after all frames of one socket read have been handled (for batched replies). */
  onReadDone: () => void = () => {};
  /** Called once when the TCP connection is gone, whatever the reason. */
  onClosed: () => void = () => {};

  readonly mask: Buffer = randomBytes(4);
  private readonly socket: Socket;
  private readonly reader = new FrameReader((buf, frameStart, payloadStart, frameEnd) =>
    this.handleFrame(buf[frameStart]! & 0x0f, buf, payloadStart, frameEnd),
  );
  private readonly upgrade = new UpgradeResponse();
  private settle: ((err?: Error) => void) | null = null;

  private constructor(target: Target, localAddress: string | undefined, timeoutMs: number) {
    const key = this.upgrade.key;
    this.socket = connect({
      host: target.host,
      port: target.port,
      noDelay: true,
      ...(localAddress ? { localAddress } : {}),
      onread: {
        buffer: READ_BUFFER,
        callback: (nread, buf) => {
          this.onData(buf as Buffer, nread);
          return true;
        },
      },
    });
    this.socket.setTimeout(timeoutMs, () => this.fail(new Error('handshake timeout')));
    this.socket.once('connect', () => {
      this.socket.write(
        `GET ${target.path} HTTP/1.1\r\nHost: ${target.host}:${target.port}\r\nUpgrade: websocket\r\n` +
          `Connection: Upgrade\r\nSec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
      );
    });
    this.socket.on('error', (err) => this.fail(err));
    this.socket.on('close', () => {
      this.fail(new Error('connection closed during handshake'));
      this.state = 'closed';
      this.onClosed();
    });
  }

  /** Connects and completes the upgrade; rejects on error, non-101 answer or timeout. */
  static open(target: Target, localAddress: string | undefined, timeoutMs: number): Promise<WsClient> {
    return new Promise((resolve, reject) => {
      const client = new WsClient(target, localAddress, timeoutMs);
      client.settle = (err) => (err ? reject(err) : resolve(client));
    });
  }

  /** Writes raw, already framed and masked bytes. Returns true if they were flushed at once. */
  send(bytes: Buffer): boolean {
    if (this.state !== 'open') return false;
    this.socket.write(bytes);
    return this.socket.writableLength === 0;
  }

  /** Bytes queued in user space (not yet accepted by the kernel). */
  get pendingBytes(): number {
    return this.socket.writableLength;
  }

  /** Close handshake (code 1000); resolves when the TCP connection is gone, resetting it after `timeoutMs`. */
  close(timeoutMs: number): Promise<void> {
    if (this.state === 'closed') return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(() => this.socket.resetAndDestroy(), timeoutMs);
      this.socket.once('close', () => {
        clearTimeout(timer);
        resolve();
      });
      if (this.state === 'open') {
        this.state = 'closing';
        this.socket.write(maskedFrame(OP_CLOSE, Buffer.from([0x03, 0xe8]), this.mask));
      } else if (this.state === 'connecting') {
        this.socket.destroy();
      }
    });
  }

  private fail(err: Error): void {
    if (!this.settle) return;
    const settle = this.settle;
    this.settle = null;
    this.socket.destroy();
    settle(err);
  }

  /** Handles chunk[0, end); the chunk is only valid during the call. */
  private onData(chunk: Buffer, end: number): void {
    if (this.state === 'open' || this.state === 'closing') {
      try {
        this.reader.push(chunk, end);
      } catch {
        this.socket.destroy(); // unparseable stream: count it as a dropped connection
        return;
      }
      this.onReadDone();
      return;
    }
    if (this.state !== 'connecting') return;
    const restStart = this.upgrade.push(chunk, end);
    if (restStart === undefined) return;
    if (restStart instanceof Error) return this.fail(restStart);
    this.state = 'open';
    this.socket.setTimeout(0);
    const settle = this.settle;
    this.settle = null;
    settle?.();
    if (restStart < end) this.onData(chunk.subarray(restStart, end), end - restStart);
  }

  private handleFrame(opcode: number, buf: Buffer, start: number, end: number): void {
    if (opcode < 0x8) {
      this.onMessage(buf, start, end, opcode);
    } else if (opcode === OP_PING) {
      this.socket.write(maskedFrame(OP_PONG, Buffer.from(buf.subarray(start, end)), this.mask));
    } else if (opcode === OP_CLOSE) {
      if (this.state === 'open') this.socket.write(maskedFrame(OP_CLOSE, Buffer.from(buf.subarray(start, end)), this.mask));
      this.state = 'closing'; // the server closes TCP next; its FIN ends our side too
    }
  }
}
