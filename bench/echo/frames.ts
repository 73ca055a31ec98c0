// Minimal RFC 6455 framing shared by the load client and the bare reference server.
// Deliberately unvalidated (no UTF-8, reserved-bit or control-frame checks): it only
// has to be correct for well-formed traffic and cheap.

export const OP_TEXT = 0x1;
export const OP_BINARY = 0x2;
export const OP_CLOSE = 0x8;
export const OP_PING = 0x9;
export const OP_PONG = 0xa;

const MAX_FRAME = 16 * 1024 * 1024 + 14;

/** Total size of the frame starting at `off`, or -1 if its header is not complete in [off, end). */
export function frameSize(buf: Buffer, off: number, end: number): number {
  if (end - off < 2) return -1;
  const b1 = buf[off + 1]!;
  let len = b1 & 0x7f;
  let header = 2;
  if (len === 126) {
    if (end - off < 4) return -1;
    len = buf.readUInt16BE(off + 2);
    header = 4;
  } else if (len === 127) {
    if (end - off < 10) return -1;
    if (buf.readUInt32BE(off + 2) !== 0) throw new Error('frame larger than 4 GiB');
    len = buf.readUInt32BE(off + 6);
    header = 10;
  }
  if (b1 & 0x80) header += 4;
  if (header + len > MAX_FRAME) throw new Error(`frame of ${header + len} bytes is too large`);
  return header + len;
}

/** Offset of the payload of a frame whose header is complete at `off`. */
export function payloadOffset(buf: Buffer, off: number): number {
  const b1 = buf[off + 1]!;
  const len = b1 & 0x7f;
  const header = len === 126 ? 4 : len === 127 ? 10 : 2;
  return off + header + (b1 & 0x80 ? 4 : 0);
}

/** Writes a frame header (FIN set, no mask) for `length` payload bytes; returns bytes written. */
export function writeHeader(out: Buffer, off: number, opcode: number, length: number, masked: boolean): number {
  const maskBit = masked ? 0x80 : 0;
  out[off] = 0x80 | opcode;
  if (length < 126) {
    out[off + 1] = maskBit | length;
    return 2;
  }
  if (length < 0x10000) {
    out[off + 1] = maskBit | 126;
    out.writeUInt16BE(length, off + 2);
    return 4;
  }
  out[off + 1] = maskBit | 127;
  out.writeUInt32BE(0, off + 2);
  out.writeUInt32BE(length, off + 6);
  return 10;
}

/** A complete client frame (FIN, masked with `mask`) carrying `payload`. */
export function maskedFrame(opcode: number, payload: Buffer, mask: Buffer): Buffer {
  const headerLen = payload.length < 126 ? 2 : payload.length < 0x10000 ? 4 : 10;
  const frame = Buffer.allocUnsafe(headerLen + 4 + payload.length);
  writeHeader(frame, 0, opcode, payload.length, true);
  mask.copy(frame, headerLen, 0, 4);
  const start = headerLen + 4;
  for (let i = 0; i < payload.length; i++) frame[start + i] = payload[i]! ^ mask[i & 3]!;
  return frame;
}

/**
 * Called once per complete frame. `buf` is only valid during the call (it may be the
 * reader's reusable carry buffer); the payload is buf[payloadStart, frameEnd).
 */
export type FrameHandler = (buf: Buffer, frameStart: number, payloadStart: number, frameEnd: number) => void;

/**
 * Splits a byte stream into frames. Frames wholly inside a chunk are handed over in
 * place; a frame split across reads is assembled in a reusable per-reader buffer.
 */
export class FrameReader {
  private carry: Buffer = Buffer.alloc(0);
  private carryLen = 0;

  constructor(private readonly onFrame: FrameHandler) {}

  /** Bytes held back from earlier chunks (an incomplete frame). */
  get buffered(): number {
    return this.carryLen;
  }

  /** Parses chunk[0, end); the chunk may be reused by the caller afterwards. */
  push(chunk: Buffer, end: number = chunk.length): void {
    let off = 0;
    if (this.carryLen > 0) {
      off = this.completeCarried(chunk, end);
      if (off < 0) return;
    }
    while (off < end) {
      const size = frameSize(chunk, off, end);
      if (size < 0 || off + size > end) {
        this.append(chunk, off, end);
        return;
      }
      this.onFrame(chunk, off, payloadOffset(chunk, off), off + size);
      off += size;
    }
  }

  /** Feeds the carried frame from `chunk`; returns where the chunk's own frames start, or -1. */
  private completeCarried(chunk: Buffer, end: number): number {
    let off = 0;
    let size = frameSize(this.carry, 0, this.carryLen);
    while (size < 0 && off < end) {
      this.append(chunk, off, off + 1); // header bytes: at most 13 of them
      off++;
      size = frameSize(this.carry, 0, this.carryLen);
    }
    if (size < 0) return -1;
    const take = Math.min(size - this.carryLen, end - off);
    this.append(chunk, off, off + take);
    off += take;
    if (this.carryLen < size) return -1;
    this.carryLen = 0;
    this.onFrame(this.carry, 0, payloadOffset(this.carry, 0), size);
    return off;
  }

  private append(src: Buffer, start: number, end: number): void {
    const needed = this.carryLen + (end - start);
    if (needed > this.carry.length) {
      const grown = Buffer.allocUnsafe(Math.max(needed, this.carry.length * 2, 256));
      this.carry.copy(grown, 0, 0, this.carryLen);
      this.carry = grown;
    }
    src.copy(this.carry, this.carryLen, start, end);
    this.carryLen = needed;
  }
}
