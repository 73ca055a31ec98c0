// The timelapse stream (docs/API.md, "Timelapse format"): a header, then one record per
// placement in history order. Big-endian like the WebSocket protocol.
//
//   header  "TLPS" | version u8 (1) | width u16 | height u16 | chunkSize u16 | tileSize u16
//           | paletteSize u16 | paletteSize × (r u8, g u8, b u8) | startMs f64
//   record  varint (dt·2 + kind) | kind 0, a pixel: x u16, y u16, color u8
//                                 | kind 1, a tile:  tx u16, ty u16, tileSize² × color u8
//
// dt is the milliseconds since the previous record (the first: since startMs); varint is
// unsigned LEB128 (7 bits a byte, low bits first, high bit set on all but the last byte).
// Sans-I/O: the encoder fills pieces of bytes, the decoder reads a whole stream back.
import type { BoardConfig } from '../../canvas/board-config.js';
import { paletteToRgb } from '../../canvas/palette.js';
import type { StoredPlacement } from '../../storage/storage.js';

export const TIMELAPSE_MAGIC = 'TLPS';
export const TIMELAPSE_VERSION = 1;
// A piece is handed out once it holds this much: large enough to be cheap to send,
// small enough that a stream holds little.
const PIECE_BYTES = 32 * 1024;

export class TimelapseEncoder {
  private piece: Buffer;
  private length = 0;
  private previousMs: number;
  private readonly tileSize: number;

  constructor(board: BoardConfig, startMs: number) {
    const palette = paletteToRgb(board.palette);
    this.tileSize = board.tileSize ?? 0;
    this.previousMs = startMs;
    this.piece = Buffer.allocUnsafe(Math.max(PIECE_BYTES, 21 + palette.length) + this.recordBytes());
    this.length = this.piece.write(TIMELAPSE_MAGIC, 0, 'latin1');
    this.length = this.piece.writeUInt8(TIMELAPSE_VERSION, this.length);
    this.length = this.piece.writeUInt16BE(board.width, this.length);
    this.length = this.piece.writeUInt16BE(board.height, this.length);
    this.length = this.piece.writeUInt16BE(board.chunkSize, this.length);
    this.length = this.piece.writeUInt16BE(this.tileSize, this.length);
    this.length = this.piece.writeUInt16BE(palette.length / 3, this.length);
    this.piece.set(palette, this.length);
    this.length += palette.length;
    this.length = this.piece.writeDoubleBE(startMs, this.length);
  }

  /** Appends one record; returns a full piece to send when there is one, else null. */
  add(record: StoredPlacement): Buffer | null {
    const dt = Math.max(0, record.timeMs - this.previousMs);
    this.previousMs = Math.max(this.previousMs, record.timeMs);
    const piece = this.piece;
    let at = writeVarint(piece, this.length, dt * 2 + (record.kind === 'tile' ? 1 : 0));
    if (record.kind === 'pixel') {
      at = piece.writeUInt16BE(record.x, at);
      at = piece.writeUInt16BE(record.y, at);
      at = piece.writeUInt8(record.color, at);
    } else {
      at = piece.writeUInt16BE(record.tx, at);
      at = piece.writeUInt16BE(record.ty, at);
      piece.set(record.colors, at);
      at += record.colors.length;
    }
    this.length = at;
    return this.length >= PIECE_BYTES ? this.take() : null;
  }

  /** The bytes not handed out yet (the header, before any record), possibly none. */
  take(): Buffer {
    const full = this.piece.subarray(0, this.length);
    // The socket keeps `full` until it is sent: the next records go into a new buffer.
    this.piece = Buffer.allocUnsafe(PIECE_BYTES + this.recordBytes());
    this.length = 0;
    return full;
  }

  /** The most bytes one record takes: an 8-byte varint, two u16 and the colours. */
  private recordBytes(): number {
    return 8 + 4 + Math.max(1, this.tileSize * this.tileSize);
  }
}

/** Unsigned LEB128 of a whole number below 2^53; returns the offset after it. */
function writeVarint(buffer: Buffer, at: number, value: number): number {
  while (value >= 0x80) {
    buffer[at++] = (value % 0x80) | 0x80;
    value = Math.floor(value / 0x80);
  }
  buffer[at++] = value;
  return at;
}

export interface TimelapseHeader {
  width: number;
  height: number;
  chunkSize: number;
  tileSize: number;
  palette: Uint8Array; // r, g, b per colour
  startMs: number;
}

export type TimelapseRecord =
  | { kind: 'pixel'; timeMs: number; x: number; y: number; color: number }
  | { kind: 'tile'; timeMs: number; tx: number; ty: number; colors: Uint8Array };

/** Reads a whole timelapse stream (for tests and tools; a player would read it as it arrives). */
export function decodeTimelapse(bytes: Uint8Array): { header: TimelapseHeader; records: TimelapseRecord[] } {
  const data = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (data.toString('latin1', 0, 4) !== TIMELAPSE_MAGIC) throw new Error('not a timelapse stream');
  if (data[4] !== TIMELAPSE_VERSION) throw new Error(`timelapse version ${data[4]} is not ${TIMELAPSE_VERSION}`);
  const paletteSize = data.readUInt16BE(13);
  const palette = data.subarray(15, 15 + paletteSize * 3);
  let at = 15 + paletteSize * 3;
  const header = { width: data.readUInt16BE(5), height: data.readUInt16BE(7), chunkSize: data.readUInt16BE(9), tileSize: data.readUInt16BE(11), palette, startMs: data.readDoubleBE(at) };
  at += 8;
  const records: TimelapseRecord[] = [];
  let timeMs = header.startMs;
  while (at < data.length) {
    let value = 0;
    let scale = 1;
    for (;;) {
      const byte = data[at++]!;
      value += (byte & 0x7f) * scale;
      scale *= 0x80;
      if (byte < 0x80) break;
    }
    timeMs += Math.floor(value / 2);
    if (value % 2 === 0) {
      records.push({ kind: 'pixel', timeMs, x: data.readUInt16BE(at), y: data.readUInt16BE(at + 2), color: data[at + 4]! });
      at += 5;
    } else {
      const count = header.tileSize * header.tileSize;
      records.push({ kind: 'tile', timeMs, tx: data.readUInt16BE(at), ty: data.readUInt16BE(at + 2), colors: data.subarray(at + 4, at + 4 + count) });
      at += 4 + count;
    }
  }
  return { header, records };
}
