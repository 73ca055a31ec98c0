// A deliberately dumb WebSocket client on a raw socket, for sending frames
// no real client would send and reading the server's exact answer.
import { randomBytes } from 'node:crypto';
import type { Socket } from 'node:net';
import { openSocket } from './raw.js';

export const UPGRADE_HEADERS = 'Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n';

export interface RawWebSocket {
  socket: Socket;
  /** The 101 response's head, as text. */
  response: string;
  /** Server frames parsed so far, in order; `closed` resolves when TCP closes. */
  frames: ServerFrame[];
  closed: Promise<void>;
  nextFrame(): Promise<ServerFrame>;
}

export interface ServerFrame {
  fin: boolean;
  /** permessage-deflate's "compressed" bit. */
  rsv1: boolean;
  opcode: number;
  payload: Buffer;
}

export async function rawWebSocket(port: number, path = '/echo', extraHeaders = ''): Promise<RawWebSocket> {
  const socket = await openSocket(port);
  socket.write(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n${UPGRADE_HEADERS}${extraHeaders}\r\n`);
  let buffer = Buffer.alloc(0);
  const frames: ServerFrame[] = [];
  const waiters: ((frame: ServerFrame) => void)[] = [];
  let upgraded = false;
  let response = '';
  let taken = 0;
  let onUpgrade!: () => void;
  let onFail!: (error: Error) => void;
  const upgrade = new Promise<void>((resolve, reject) => ((onUpgrade = resolve), (onFail = reject)));
  socket.on('data', (chunk) => {
    buffer = Buffer.concat([buffer, chunk]);
    if (!upgraded) {
      const end = buffer.indexOf('\r\n\r\n');
      if (end === -1) return;
      const head = buffer.toString('latin1', 0, end);
      if (!head.startsWith('HTTP/1.1 101 ')) return onFail(new Error(`handshake refused: ${head}`));
      upgraded = true;
      response = head;
      buffer = buffer.subarray(end + 4);
      onUpgrade();
    }
    for (;;) {
      const frame = parseServerFrame(buffer);
      if (frame === null) break;
      buffer = buffer.subarray(frame.size);
      frames.push(frame.frame);
      waiters.shift()?.(frame.frame);
    }
  });
  const closed = new Promise<void>((resolve) => socket.on('close', () => resolve()));
  socket.on('error', () => {});
  closed.then(() => onFail(new Error('closed before the handshake')));
  await upgrade;
  return {
    socket,
    response,
    frames,
    closed,
    nextFrame() {
      const ready = frames[taken];
      if (ready) {
        taken++;
        return Promise.resolve(ready);
      }
      return new Promise((resolve, reject) => {
        waiters.push((frame) => {
          taken++;
          resolve(frame);
        });
        closed.then(() => reject(new Error('closed while waiting for a frame')));
      });
    },
  };
}

function parseServerFrame(buffer: Buffer): { frame: ServerFrame; size: number } | null {
  if (buffer.length < 2) return null;
  let length = buffer[1]! & 0x7f;
  let offset = 2;
  if (length === 126) {
    if (buffer.length < 4) return null;
    length = buffer.readUInt16BE(2);
    offset = 4;
  } else if (length === 127) {
    if (buffer.length < 10) return null;
    length = Number(buffer.readBigUInt64BE(2));
    offset = 10;
  }
  if (buffer.length < offset + length) return null;
  const frame = {
    fin: (buffer[0]! & 0x80) !== 0,
    rsv1: (buffer[0]! & 0x40) !== 0,
    opcode: buffer[0]! & 0x0f,
    payload: Buffer.from(buffer.subarray(offset, offset + length)),
  };
  return { frame, size: offset + length };
}

/** A client frame, built by hand: first byte as given (FIN/RSV/opcode), masked unless told otherwise. */
export function clientFrame(firstByte: number, payload: Buffer | string = '', options: { masked?: boolean; length?: number } = {}): Buffer {
  const data = typeof payload === 'string' ? Buffer.from(payload) : payload;
  const masked = options.masked ?? true;
  const length = options.length ?? data.length;
  const maskBit = masked ? 0x80 : 0;
  let header: Buffer;
  if (length < 126) header = Buffer.from([firstByte, maskBit | length]);
  else if (length < 65536) {
    header = Buffer.from([firstByte, maskBit | 126, 0, 0]);
    header.writeUInt16BE(length, 2);
  } else {
    header = Buffer.alloc(10);
    header[0] = firstByte;
    header[1] = maskBit | 127;
    header.writeBigUInt64BE(BigInt(length), 2);
  }
  if (!masked) return Buffer.concat([header, data]);
  const mask = randomBytes(4);
  const body = Buffer.from(data);
  for (let i = 0; i < body.length; i++) body[i]! ^= mask[i & 3]!;
  return Buffer.concat([header, mask, body]);
}

export function closePayload(code: number, reason = ''): Buffer {
  const payload = Buffer.alloc(2 + Buffer.byteLength(reason));
  payload.writeUInt16BE(code, 0);
  payload.write(reason, 2);
  return payload;
}

/** The code of a close frame (1005 when it has none). */
export function closeCodeOf(frame: ServerFrame): number {
  if (frame.opcode !== 0x8) throw new Error(`expected a close frame, got opcode ${frame.opcode}`);
  return frame.payload.length >= 2 ? frame.payload.readUInt16BE(0) : 1005;
}
