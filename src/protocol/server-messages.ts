// Server → client messages: the server's encoders and the client's decoder.
// DIFF lives in diff.ts, shaped for the broadcaster.
import { decodeDiff, encodeDiff, encodeDiffSectionValues } from './diff.js';
import {
  decodeBanned, decodeBoardState, decodeLocks, decodePolicy, encodeBanned, encodeBoardState, encodeLocks, encodePolicy,
} from './moderation-messages.js';
import {
  MessageType,
  PROTOCOL_VERSION,
  type OnlineEntry,
  type ProtocolFault,
  type ServerMessage,
} from './types.js';
import {
  U16_MAX,
  U32_MAX,
  U8_MAX,
  checkUint,
  decodeUtf8,
  encodeUtf8,
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

export const SESSION_ID_LENGTH = 16;

// Lengths in bytes, type byte included.
const HELLO_HEADER = 22; // type, protocolVersion, sessionId, jsonLength
const CHUNK_HEADER = 11; // type, b, cx, cy, version, encoding
const ACK_LENGTH = 8; // type, requestId, count, color
const REJECT_LENGTH = 10; // type, requestId, reason, retryAfterMs
const QUOTA_LENGTH = 10; // type, b, available, capacity, nextInMs
const ONLINE_HEADER = 2; // type, n
const ONLINE_ENTRY = 5; // b, count
const PONG_LENGTH = 17; // type, clientTime, serverTime
const PROTOCOL_ERROR_HEADER = 2; // type, code

// ---- encoders ----

/** `protocolVersion` is for tests of a client's version check; the server leaves it. */
export function encodeHello(
  sessionId: Uint8Array,
  json: string,
  protocolVersion: number = PROTOCOL_VERSION,
): Uint8Array {
  if (sessionId.length !== SESSION_ID_LENGTH) throw new RangeError(`sessionId must be ${SESSION_ID_LENGTH} bytes`);
  checkUint('protocolVersion', protocolVersion, U8_MAX);
  const text = encodeUtf8(json);
  const out = new Uint8Array(HELLO_HEADER + text.length);
  out[0] = MessageType.Hello;
  out[1] = protocolVersion;
  out.set(sessionId, 2);
  writeU32(out, 18, text.length);
  out.set(text, HELLO_HEADER);
  return out;
}

/** `pixels` is already laid out per `encoding` (chunk-encoding.ts). */
export function encodeChunk(
  board: number,
  cx: number,
  cy: number,
  version: number,
  encoding: number,
  pixels: Uint8Array,
): Uint8Array {
  checkUint('board', board, U8_MAX);
  checkUint('cx', cx, U16_MAX);
  checkUint('cy', cy, U16_MAX);
  checkUint('version', version, U32_MAX);
  checkUint('encoding', encoding, U8_MAX);
  const out = new Uint8Array(CHUNK_HEADER + pixels.length);
  out[0] = MessageType.Chunk;
  out[1] = board;
  writeU16(out, 2, cx);
  writeU16(out, 4, cy);
  writeU32(out, 6, version);
  out[10] = encoding;
  out.set(pixels, CHUNK_HEADER);
  return out;
}

export function encodeAck(requestId: number, count: number, color: number): Uint8Array {
  checkUint('requestId', requestId, U32_MAX);
  checkUint('count', count, U16_MAX);
  checkUint('color', color, U8_MAX);
  const out = new Uint8Array(ACK_LENGTH);
  out[0] = MessageType.Ack;
  writeU32(out, 1, requestId);
  writeU16(out, 5, count);
  out[7] = color;
  return out;
}

export function encodeReject(requestId: number, reason: number, retryAfterMs: number): Uint8Array {
  checkUint('requestId', requestId, U32_MAX);
  checkUint('reason', reason, U8_MAX);
  checkUint('retryAfterMs', retryAfterMs, U32_MAX);
  const out = new Uint8Array(REJECT_LENGTH);
  out[0] = MessageType.Reject;
  writeU32(out, 1, requestId);
  out[5] = reason;
  writeU32(out, 6, retryAfterMs);
  return out;
}

export function encodeQuota(board: number, available: number, capacity: number, nextInMs: number): Uint8Array {
  checkUint('board', board, U8_MAX);
  checkUint('available', available, U16_MAX);
  checkUint('capacity', capacity, U16_MAX);
  checkUint('nextInMs', nextInMs, U32_MAX);
  const out = new Uint8Array(QUOTA_LENGTH);
  out[0] = MessageType.Quota;
  out[1] = board;
  writeU16(out, 2, available);
  writeU16(out, 4, capacity);
  writeU32(out, 6, nextInMs);
  return out;
}

export function encodeOnline(entries: readonly OnlineEntry[]): Uint8Array {
  checkUint('entry count', entries.length, U8_MAX);
  const out = new Uint8Array(ONLINE_HEADER + entries.length * ONLINE_ENTRY);
  out[0] = MessageType.Online;
  out[1] = entries.length;
  entries.forEach(({ board, count }, i) => {
    checkUint('board', board, U8_MAX);
    checkUint('count', count, U32_MAX);
    const at = ONLINE_HEADER + i * ONLINE_ENTRY;
    out[at] = board;
    writeU32(out, at + 1, count);
  });
  return out;
}

export function encodePong(clientTime: number, serverTime: number): Uint8Array {
  const out = new Uint8Array(PONG_LENGTH);
  out[0] = MessageType.Pong;
  writeF64(out, 1, clientTime);
  writeF64(out, 9, serverTime);
  return out;
}

export function encodeProtocolError(code: number, message: string): Uint8Array {
  checkUint('code', code, U8_MAX);
  const text = encodeUtf8(message);
  const out = new Uint8Array(PROTOCOL_ERROR_HEADER + text.length);
  out[0] = MessageType.ProtocolError;
  out[1] = code;
  out.set(text, PROTOCOL_ERROR_HEADER);
  return out;
}

/** Any server message, e.g. one that was decoded: decode → encode gives the same bytes. */
export function encodeServerMessage(message: ServerMessage): Uint8Array {
  switch (message.type) {
    case 'hello':
      return encodeHello(message.sessionId, message.json, message.protocolVersion);
    case 'chunk':
      return encodeChunk(message.board, message.cx, message.cy, message.version, message.encoding, message.pixels);
    case 'diff':
      return encodeDiff(message.sections.map(encodeDiffSectionValues));
    case 'ack':
      return encodeAck(message.requestId, message.count, message.color);
    case 'reject':
      return encodeReject(message.requestId, message.reason, message.retryAfterMs);
    case 'quota':
      return encodeQuota(message.board, message.available, message.capacity, message.nextInMs);
    case 'online':
      return encodeOnline(message.entries);
    case 'pong':
      return encodePong(message.clientTime, message.serverTime);
    case 'protocol-error':
      return encodeProtocolError(message.code, message.message);
    case 'locks':
      return encodeLocks(message.board, message.locks);
    case 'board-state':
      return encodeBoardState(message.board, message.open, message.opensAt, message.closesAt);
    case 'banned':
      return encodeBanned(message.expiresAt, message.reason);
    case 'policy':
      return encodePolicy(message.board, message.json);
  }
}

// ---- decoder ----

/**
 * Decodes one server message. Never throws: bytes that are not a well-formed
 * message give a fault (1 unknown type, 2 malformed). Views in the result
 * (sessionId, pixels) share `bytes`' memory.
 */
export function decodeServerMessage(bytes: Uint8Array): ServerMessage | ProtocolFault {
  if (bytes.length === 0) return malformed('empty message');
  const type = bytes[0]!;
  switch (type) {
    case MessageType.Hello:
      return decodeHello(bytes);
    case MessageType.Chunk:
      return decodeChunk(bytes);
    case MessageType.Diff:
      return decodeDiff(bytes);
    case MessageType.Ack:
      return decodeAck(bytes);
    case MessageType.Reject:
      return decodeReject(bytes);
    case MessageType.Quota:
      return decodeQuota(bytes);
    case MessageType.Online:
      return decodeOnline(bytes);
    case MessageType.Pong:
      return decodePong(bytes);
    case MessageType.ProtocolError:
      return decodeProtocolError(bytes);
    case MessageType.Locks:
      return decodeLocks(bytes);
    case MessageType.BoardState:
      return decodeBoardState(bytes);
    case MessageType.Banned:
      return decodeBanned(bytes);
    case MessageType.Policy:
      return decodePolicy(bytes);
    default:
      return unknownType(type);
  }
}

function decodeHello(bytes: Uint8Array): ServerMessage | ProtocolFault {
  if (bytes.length < HELLO_HEADER) return tooShort('HELLO', HELLO_HEADER);
  const jsonLength = readU32(bytes, 18);
  if (bytes.length !== HELLO_HEADER + jsonLength) {
    return wrongLength(`HELLO with jsonLength = ${jsonLength}`, HELLO_HEADER + jsonLength, bytes.length);
  }
  const json = decodeUtf8(bytes.subarray(HELLO_HEADER));
  if (json === null) return malformed('HELLO JSON is not valid UTF-8');
  return {
    type: 'hello',
    protocolVersion: bytes[1]!,
    sessionId: bytes.subarray(2, 2 + SESSION_ID_LENGTH),
    json,
  };
}

function decodeChunk(bytes: Uint8Array): ServerMessage | ProtocolFault {
  if (bytes.length < CHUNK_HEADER) return tooShort('CHUNK', CHUNK_HEADER);
  return {
    type: 'chunk',
    board: bytes[1]!,
    cx: readU16(bytes, 2),
    cy: readU16(bytes, 4),
    version: readU32(bytes, 6),
    encoding: bytes[10]!,
    pixels: bytes.subarray(CHUNK_HEADER),
  };
}

function decodeAck(bytes: Uint8Array): ServerMessage | ProtocolFault {
  if (bytes.length !== ACK_LENGTH) return wrongLength('ACK', ACK_LENGTH, bytes.length);
  return { type: 'ack', requestId: readU32(bytes, 1), count: readU16(bytes, 5), color: bytes[7]! };
}

function decodeReject(bytes: Uint8Array): ServerMessage | ProtocolFault {
  if (bytes.length !== REJECT_LENGTH) return wrongLength('REJECT', REJECT_LENGTH, bytes.length);
  return { type: 'reject', requestId: readU32(bytes, 1), reason: bytes[5]!, retryAfterMs: readU32(bytes, 6) };
}

function decodeQuota(bytes: Uint8Array): ServerMessage | ProtocolFault {
  if (bytes.length !== QUOTA_LENGTH) return wrongLength('QUOTA', QUOTA_LENGTH, bytes.length);
  return {
    type: 'quota',
    board: bytes[1]!,
    available: readU16(bytes, 2),
    capacity: readU16(bytes, 4),
    nextInMs: readU32(bytes, 6),
  };
}

function decodeOnline(bytes: Uint8Array): ServerMessage | ProtocolFault {
  if (bytes.length < ONLINE_HEADER) return tooShort('ONLINE', ONLINE_HEADER);
  const n = bytes[1]!;
  const expected = ONLINE_HEADER + n * ONLINE_ENTRY;
  if (bytes.length !== expected) return wrongLength(`ONLINE with n = ${n}`, expected, bytes.length);
  const entries: OnlineEntry[] = [];
  for (let at = ONLINE_HEADER; at < expected; at += ONLINE_ENTRY) {
    entries.push({ board: bytes[at]!, count: readU32(bytes, at + 1) });
  }
  return { type: 'online', entries };
}

function decodePong(bytes: Uint8Array): ServerMessage | ProtocolFault {
  if (bytes.length !== PONG_LENGTH) return wrongLength('PONG', PONG_LENGTH, bytes.length);
  return { type: 'pong', clientTime: readF64(bytes, 1), serverTime: readF64(bytes, 9) };
}

function decodeProtocolError(bytes: Uint8Array): ServerMessage | ProtocolFault {
  if (bytes.length < PROTOCOL_ERROR_HEADER) return tooShort('PROTOCOL_ERROR', PROTOCOL_ERROR_HEADER);
  const message = decodeUtf8(bytes.subarray(PROTOCOL_ERROR_HEADER));
  if (message === null) return malformed('PROTOCOL_ERROR message is not valid UTF-8');
  return { type: 'protocol-error', code: bytes[1]!, message };
}
