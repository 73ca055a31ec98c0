// Server → client messages of moderation (docs/PROTOCOL.md): a board's region locks, a board's
// state (open or frozen, its event window), and "you are banned" before the server closes the
// connection with 1008.
import {
  MessageType, type BannedMessage, type BoardStateMessage, type LocksMessage, type PolicyMessage, type ProtocolFault, type ServerMessage,
} from './types.js';
import {
  U16_MAX, U8_MAX, checkUint, decodeUtf8, encodeUtf8, malformed, readF64, readU16, tooShort, writeF64, writeU16, wrongLength,
} from './wire.js';

const LOCKS_HEADER = 4; // type, b, n
const LOCK_ENTRY = 8; // x, y, width, height
const BOARD_STATE_LENGTH = 19; // type, b, flags, opensAt, closesAt
const BANNED_HEADER = 9; // type, expiresAt
const POLICY_HEADER = 2; // type, b

/** BOARD_STATE flags. */
export const BoardStateFlag = { Open: 0x01 } as const;

export function encodeLocks(board: number, locks: readonly LocksMessage['locks'][number][]): Uint8Array {
  checkUint('board', board, U8_MAX);
  checkUint('lock count', locks.length, U16_MAX);
  const out = new Uint8Array(LOCKS_HEADER + locks.length * LOCK_ENTRY);
  out[0] = MessageType.Locks;
  out[1] = board;
  writeU16(out, 2, locks.length);
  locks.forEach((lock, i) => {
    const at = LOCKS_HEADER + i * LOCK_ENTRY;
    for (const [k, name] of (['x', 'y', 'width', 'height'] as const).entries()) {
      checkUint(name, lock[name], U16_MAX);
      writeU16(out, at + 2 * k, lock[name]);
    }
  });
  return out;
}

/** opensAt / closesAt: ms since the Unix epoch, 0 for none. */
export function encodeBoardState(board: number, open: boolean, opensAt: number, closesAt: number): Uint8Array {
  checkUint('board', board, U8_MAX);
  const out = new Uint8Array(BOARD_STATE_LENGTH);
  out[0] = MessageType.BoardState;
  out[1] = board;
  out[2] = open ? BoardStateFlag.Open : 0;
  writeF64(out, 3, opensAt);
  writeF64(out, 11, closesAt);
  return out;
}

/** expiresAt: ms since the Unix epoch, 0 for never. */
export function encodeBanned(expiresAt: number, reason: string): Uint8Array {
  const text = encodeUtf8(reason);
  const out = new Uint8Array(BANNED_HEADER + text.length);
  out[0] = MessageType.Banned;
  writeF64(out, 1, expiresAt);
  out.set(text, BANNED_HEADER);
  return out;
}

/** json: the board's policy as HELLO's JSON has it (BoardPolicyJson). */
export function encodePolicy(board: number, json: string): Uint8Array {
  checkUint('board', board, U8_MAX);
  const text = encodeUtf8(json);
  const out = new Uint8Array(POLICY_HEADER + text.length);
  out[0] = MessageType.Policy;
  out[1] = board;
  out.set(text, POLICY_HEADER);
  return out;
}

export function decodeLocks(bytes: Uint8Array): ServerMessage | ProtocolFault {
  if (bytes.length < LOCKS_HEADER) return tooShort('LOCKS', LOCKS_HEADER);
  const n = readU16(bytes, 2);
  const expected = LOCKS_HEADER + n * LOCK_ENTRY;
  if (bytes.length !== expected) return wrongLength(`LOCKS with n = ${n}`, expected, bytes.length);
  const locks: LocksMessage['locks'] = [];
  for (let at = LOCKS_HEADER; at < expected; at += LOCK_ENTRY) {
    locks.push({ x: readU16(bytes, at), y: readU16(bytes, at + 2), width: readU16(bytes, at + 4), height: readU16(bytes, at + 6) });
  }
  return { type: 'locks', board: bytes[1]!, locks } satisfies LocksMessage;
}

export function decodeBoardState(bytes: Uint8Array): ServerMessage | ProtocolFault {
  if (bytes.length !== BOARD_STATE_LENGTH) return wrongLength('BOARD_STATE', BOARD_STATE_LENGTH, bytes.length);
  if ((bytes[2]! & ~BoardStateFlag.Open) !== 0) return malformed(`BOARD_STATE flags 0x${bytes[2]!.toString(16)} name an unknown flag`);
  return {
    type: 'board-state',
    board: bytes[1]!,
    open: (bytes[2]! & BoardStateFlag.Open) !== 0,
    opensAt: readF64(bytes, 3),
    closesAt: readF64(bytes, 11),
  } satisfies BoardStateMessage;
}

export function decodeBanned(bytes: Uint8Array): ServerMessage | ProtocolFault {
  if (bytes.length < BANNED_HEADER) return tooShort('BANNED', BANNED_HEADER);
  const reason = decodeUtf8(bytes.subarray(BANNED_HEADER));
  if (reason === null) return malformed('BANNED reason is not valid UTF-8');
  return { type: 'banned', expiresAt: readF64(bytes, 1), reason } satisfies BannedMessage;
}

export function decodePolicy(bytes: Uint8Array): ServerMessage | ProtocolFault {
  if (bytes.length < POLICY_HEADER) return tooShort('POLICY', POLICY_HEADER);
  const json = decodeUtf8(bytes.subarray(POLICY_HEADER));
  if (json === null) return malformed('POLICY JSON is not valid UTF-8');
  return { type: 'policy', board: bytes[1]!, json } satisfies PolicyMessage;
}
