// Client → server messages: encoders for the browser client and bots, and the
// server's decoder, which never throws (every input is someone's bytes).
import {
  MessageType,
  type ChunkListMessage,
  type ClientMessage,
  type PlaceBatchMessage,
  type ProtocolFault,
} from './types.js';
import {
  U16_MAX,
  U32_MAX,
  U8_MAX,
  checkUint,
  malformed,
  readF64,
  readU16,
  readU32,
  tooShort,
  unknownType,
  writeF64,
  writeU16,
  writeU32,
  wrongLength,
} from './wire.js';

// Lengths in bytes, type byte included.
const CHUNK_LIST_HEADER = 4; // type, b, n
const CHUNK_ENTRY = 4; // cx, cy
const PLACE_LENGTH = 11; // type, requestId, b, x, y, color
const PLACE_BATCH_HEADER = 8; // type, requestId, b, n
const BATCH_PIXEL = 5; // x, y, color
const TILE_WRITE_HEADER = 10; // type, requestId, b, tx, ty
const PING_LENGTH = 9; // type, clientTime

// ---- encoders ----

/** `chunks` holds cx, cy pairs: [cx0, cy0, cx1, cy1, …]. */
export function encodeSubscribe(board: number, chunks: ArrayLike<number>): Uint8Array {
  return encodeChunkList(MessageType.Subscribe, board, chunks);
}

/** `chunks` holds cx, cy pairs: [cx0, cy0, cx1, cy1, …]. */
export function encodeUnsubscribe(board: number, chunks: ArrayLike<number>): Uint8Array {
  return encodeChunkList(MessageType.Unsubscribe, board, chunks);
}

function encodeChunkList(type: number, board: number, chunks: ArrayLike<number>): Uint8Array {
  if (chunks.length % 2 !== 0) throw new RangeError('chunks must hold cx, cy pairs');
  const n = chunks.length / 2;
  checkUint('board', board, U8_MAX);
  checkUint('chunk count', n, U16_MAX);
  const out = new Uint8Array(CHUNK_LIST_HEADER + n * CHUNK_ENTRY);
  out[0] = type;
  out[1] = board;
  writeU16(out, 2, n);
  for (let i = 0; i < chunks.length; i++) {
    checkUint(i % 2 === 0 ? 'cx' : 'cy', chunks[i]!, U16_MAX);
    writeU16(out, CHUNK_LIST_HEADER + i * 2, chunks[i]!);
  }
  return out;
}

export function encodePlace(requestId: number, board: number, x: number, y: number, color: number): Uint8Array {
  checkUint('requestId', requestId, U32_MAX);
  checkUint('board', board, U8_MAX);
  checkUint('x', x, U16_MAX);
  checkUint('y', y, U16_MAX);
  checkUint('color', color, U8_MAX);
  const out = new Uint8Array(PLACE_LENGTH);
  out[0] = MessageType.Place;
  writeU32(out, 1, requestId);
  out[5] = board;
  writeU16(out, 6, x);
  writeU16(out, 8, y);
  out[10] = color;
  return out;
}

/** `pixels` holds x, y, color triples: [x0, y0, color0, x1, y1, color1, …]. */
export function encodePlaceBatch(requestId: number, board: number, pixels: ArrayLike<number>): Uint8Array {
  if (pixels.length % 3 !== 0) throw new RangeError('pixels must hold x, y, color triples');
  const count = pixels.length / 3;
  const out = placeBatchHeader(requestId, board, count);
  for (let i = 0; i < count; i++) {
    const x = pixels[i * 3]!;
    const y = pixels[i * 3 + 1]!;
    const color = pixels[i * 3 + 2]!;
    checkUint('x', x, U16_MAX);
    checkUint('y', y, U16_MAX);
    checkUint('color', color, U8_MAX);
    const at = PLACE_BATCH_HEADER + i * BATCH_PIXEL;
    writeU16(out, at, x);
    writeU16(out, at + 2, y);
    out[at + 4] = color;
  }
  return out;
}

/** Re-encodes a decoded batch, whose pixels are already in wire layout. */
function encodePlaceBatchMessage(message: PlaceBatchMessage): Uint8Array {
  if (message.pixels.length !== message.count * BATCH_PIXEL) {
    throw new RangeError(`pixels must be count × ${BATCH_PIXEL} bytes`);
  }
  const out = placeBatchHeader(message.requestId, message.board, message.count);
  out.set(message.pixels, PLACE_BATCH_HEADER);
  return out;
}

function placeBatchHeader(requestId: number, board: number, count: number): Uint8Array {
  checkUint('requestId', requestId, U32_MAX);
  checkUint('board', board, U8_MAX);
  checkUint('pixel count', count, U16_MAX);
  const out = new Uint8Array(PLACE_BATCH_HEADER + count * BATCH_PIXEL);
  out[0] = MessageType.PlaceBatch;
  writeU32(out, 1, requestId);
  out[5] = board;
  writeU16(out, 6, count);
  return out;
}

/** `colors` is the tile's tileSize² colours, row-major. */
export function encodeTileWrite(
  requestId: number,
  board: number,
  tx: number,
  ty: number,
  colors: Uint8Array,
): Uint8Array {
  checkUint('requestId', requestId, U32_MAX);
  checkUint('board', board, U8_MAX);
  checkUint('tx', tx, U16_MAX);
  checkUint('ty', ty, U16_MAX);
  const out = new Uint8Array(TILE_WRITE_HEADER + colors.length);
  out[0] = MessageType.TileWrite;
  writeU32(out, 1, requestId);
  out[5] = board;
  writeU16(out, 6, tx);
  writeU16(out, 8, ty);
  out.set(colors, TILE_WRITE_HEADER);
  return out;
}

export function encodePing(clientTime: number): Uint8Array {
  const out = new Uint8Array(PING_LENGTH);
  out[0] = MessageType.Ping;
  writeF64(out, 1, clientTime);
  return out;
}

/** Any client message, e.g. one that was decoded: decode → encode gives the same bytes. */
export function encodeClientMessage(message: ClientMessage): Uint8Array {
  switch (message.type) {
    case 'subscribe':
      return encodeSubscribe(message.board, message.chunks);
    case 'unsubscribe':
      return encodeUnsubscribe(message.board, message.chunks);
    case 'place':
      return encodePlace(message.requestId, message.board, message.x, message.y, message.color);
    case 'place-batch':
      return encodePlaceBatchMessage(message);
    case 'tile-write':
      return encodeTileWrite(message.requestId, message.board, message.tx, message.ty, message.colors);
    case 'ping':
      return encodePing(message.clientTime);
  }
}

// ---- decoder ----

/**
 * Decodes one client message. Never throws: bytes that are not a well-formed
 * message give a fault (1 unknown type, 2 wrong length for its type).
 * Views in the result (pixels, colors) share `bytes`' memory.
 */
export function decodeClientMessage(bytes: Uint8Array): ClientMessage | ProtocolFault {
  if (bytes.length === 0) return malformed('empty message');
  const type = bytes[0]!;
  switch (type) {
    case MessageType.Subscribe:
      return decodeChunkList('subscribe', bytes);
    case MessageType.Unsubscribe:
      return decodeChunkList('unsubscribe', bytes);
    case MessageType.Place:
      return decodePlace(bytes);
    case MessageType.PlaceBatch:
      return decodePlaceBatch(bytes);
    case MessageType.TileWrite:
      return decodeTileWrite(bytes);
    case MessageType.Ping:
      return decodePing(bytes);
    default:
      return unknownType(type);
  }
}

function decodeChunkList(type: ChunkListMessage['type'], bytes: Uint8Array): ChunkListMessage | ProtocolFault {
  const name = type.toUpperCase();
  if (bytes.length < CHUNK_LIST_HEADER) return tooShort(name, CHUNK_LIST_HEADER);
  const n = readU16(bytes, 2);
  const expected = CHUNK_LIST_HEADER + n * CHUNK_ENTRY;
  if (bytes.length !== expected) return wrongLength(`${name} with n = ${n}`, expected, bytes.length);
  // Copied, not viewed: the wire is big-endian, Uint16Array is the platform's order.
  const chunks = new Uint16Array(n * 2);
  for (let i = 0; i < chunks.length; i++) chunks[i] = readU16(bytes, CHUNK_LIST_HEADER + i * 2);
  return { type, board: bytes[1]!, chunks };
}

function decodePlace(bytes: Uint8Array): ClientMessage | ProtocolFault {
  if (bytes.length !== PLACE_LENGTH) return wrongLength('PLACE', PLACE_LENGTH, bytes.length);
  return {
    type: 'place',
    requestId: readU32(bytes, 1),
    board: bytes[5]!,
    x: readU16(bytes, 6),
    y: readU16(bytes, 8),
    color: bytes[10]!,
  };
}

function decodePlaceBatch(bytes: Uint8Array): ClientMessage | ProtocolFault {
  if (bytes.length < PLACE_BATCH_HEADER) return tooShort('PLACE_BATCH', PLACE_BATCH_HEADER);
  const count = readU16(bytes, 6);
  const expected = PLACE_BATCH_HEADER + count * BATCH_PIXEL;
  if (bytes.length !== expected) return wrongLength(`PLACE_BATCH with n = ${count}`, expected, bytes.length);
  return {
    type: 'place-batch',
    requestId: readU32(bytes, 1),
    board: bytes[5]!,
    pixels: bytes.subarray(PLACE_BATCH_HEADER),
    count,
  };
}

function decodeTileWrite(bytes: Uint8Array): ClientMessage | ProtocolFault {
  if (bytes.length < TILE_WRITE_HEADER) return tooShort('TILE_WRITE', TILE_WRITE_HEADER);
  return {
    type: 'tile-write',
    requestId: readU32(bytes, 1),
    board: bytes[5]!,
    tx: readU16(bytes, 6),
    ty: readU16(bytes, 8),
    colors: bytes.subarray(TILE_WRITE_HEADER),
  };
}

function decodePing(bytes: Uint8Array): ClientMessage | ProtocolFault {
  if (bytes.length !== PING_LENGTH) return wrongLength('PING', PING_LENGTH, bytes.length);
  return { type: 'ping', clientTime: readF64(bytes, 1) };
}
