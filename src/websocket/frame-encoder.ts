// Building WebSocket frames (RFC 6455 §5.2).
//
//   byte 0: FIN | RSV1 | RSV2 | RSV3 | opcode (4 bits)
//   byte 1: MASK | payload length (7 bits): 0–125 is the length itself,
//           126 means "a 16-bit length follows", 127 "a 64-bit length follows"
//   then:   the extended length (0, 2 or 8 bytes, big-endian),
//           the masking key (4 bytes, only when MASK is set),
//           the payload (masked: byte i is XORed with key[i % 4]).
//
// Only clients mask (§5.3); a server sends unmasked frames. RSV1 is set on
// a message compressed with permessage-deflate (RFC 7692 §6).

import { CloseCode, Opcode, isControlOpcode, isValidCloseCodeOnWire } from './opcodes.js';

const FIN_BIT = 0x80;
const RSV1_BIT = 0x40;
const MASK_BIT = 0x80;
/** Control frames carry at most 125 payload bytes (§5.5). */
const MAX_CONTROL_PAYLOAD = 125;
const TWO_POW_32 = 2 ** 32;

/** Header size for a payload of this length: 2 bytes, + 2 or 8 extended length, + 4 mask. */
function headerLength(payloadLength: number, masked: boolean): number {
  const extended = payloadLength < 126 ? 0 : payloadLength <= 0xffff ? 2 : 8;
  return 2 + extended + (masked ? 4 : 0);
}

/** Writes a frame header at the start of `target`; returns its length. */
function writeHeader(
  target: Buffer,
  opcode: number,
  payloadLength: number,
  fin: boolean,
  mask: Uint8Array | undefined,
  compressed: boolean,
): number {
  if (!Number.isInteger(opcode) || opcode < 0 || opcode > 0xf) {
    throw new RangeError(`opcode must be 0–15, got ${opcode}`);
  }
  if (!Number.isSafeInteger(payloadLength) || payloadLength < 0) {
    throw new RangeError(`payload length must be a non-negative safe integer, got ${payloadLength}`);
  }
  if (mask !== undefined && mask.length !== 4) {
    throw new RangeError(`a masking key is 4 bytes, got ${mask.length}`);
  }
  target[0] = (fin ? FIN_BIT : 0) | (compressed ? RSV1_BIT : 0) | opcode;
  const maskBit = mask === undefined ? 0 : MASK_BIT;
  let offset: number;
  if (payloadLength < 126) {
    target[1] = maskBit | payloadLength;
    offset = 2;
  } else if (payloadLength <= 0xffff) {
    target[1] = maskBit | 126;
    target.writeUInt16BE(payloadLength, 2);
    offset = 4;
  } else {
    // A 64-bit length whose most significant bit must be 0; JavaScript numbers
    // stop being exact at 2^53, so the high half is at most 2^21 - 1 here.
    target[1] = maskBit | 127;
    target.writeUInt32BE(Math.floor(payloadLength / TWO_POW_32), 2);
    target.writeUInt32BE(payloadLength >>> 0, 6);
    offset = 10;
  }
  if (mask !== undefined) {
    target.set(mask, offset);
    offset += 4;
  }
  return offset;
}

/**
 * Encodes just a frame header (for example to write it before a payload with
 * writev). `compressed` sets RSV1: the first frame of a compressed message.
 */
export function encodeFrameHeader(
  opcode: number,
  payloadLength: number,
  fin = true,
  mask?: Uint8Array,
  compressed = false,
): Buffer {
  const header = Buffer.allocUnsafe(headerLength(payloadLength, mask !== undefined));
  writeHeader(header, opcode, payloadLength, fin, mask, compressed);
  return header;
}

/**
 * Encodes a whole frame, header and payload in one buffer. With a mask the
 * payload is masked in that new buffer; the caller's payload is never changed.
 */
export function encodeFrame(
  opcode: number,
  payload: Uint8Array,
  options?: { fin?: boolean; mask?: Uint8Array; compressed?: boolean },
): Buffer {
  const fin = options?.fin ?? true;
  const mask = options?.mask;
  const compressed = options?.compressed ?? false;
  if (isControlOpcode(opcode) && (payload.length > MAX_CONTROL_PAYLOAD || !fin || compressed)) {
    throw new RangeError('control frames must be unfragmented and uncompressed, with a payload of at most 125 bytes');
  }
  const frame = Buffer.allocUnsafe(headerLength(payload.length, mask !== undefined) + payload.length);
  const offset = writeHeader(frame, opcode, payload.length, fin, mask, compressed);
  frame.set(payload, offset);
  if (mask !== undefined) {
    for (let i = 0; i < payload.length; i++) frame[offset + i] ^= mask[i & 3];
  }
  return frame;
}

/**
 * Encodes an unmasked (server) Close frame. The payload is the 2-byte status
 * code followed by a UTF-8 reason; since a control payload is at most 125
 * bytes, the reason is cut to 123 bytes at a character boundary.
 * `CloseCode.NoStatus` (1005) is never sent on the wire: it, or 0, produces
 * a Close frame with an empty payload, which is how "no status code" is
 * expressed (the reason is then dropped: it can only follow a code).
 * Any other code that is not valid on the wire throws a RangeError.
 */
export function encodeCloseFrame(code: number, reason = ''): Buffer {
  if (code === CloseCode.NoStatus || code === 0) return encodeFrame(Opcode.Close, Buffer.alloc(0));
  if (!isValidCloseCodeOnWire(code)) {
    throw new RangeError(`close code ${code} may not be sent in a Close frame`);
  }
  const reasonBytes = Buffer.from(reason, 'utf8');
  let reasonLength = Math.min(reasonBytes.length, MAX_CONTROL_PAYLOAD - 2);
  if (reasonLength < reasonBytes.length) {
    // Step back over continuation bytes (10xxxxxx) so the cut lands on the
    // first byte of a character and drops that whole character.
    while (reasonLength > 0 && (reasonBytes[reasonLength] & 0xc0) === 0x80) reasonLength--;
  }
  const payload = Buffer.allocUnsafe(2 + reasonLength);
  payload.writeUInt16BE(code, 0);
  reasonBytes.copy(payload, 2, 0, reasonLength);
  return encodeFrame(Opcode.Close, payload);
}

/**
 * Encodes an unmasked frame once so the same bytes can be written to many
 * sockets (broadcast). Identical to `encodeFrame(opcode, payload)`; the name
 * records the intent: the result is shared, so nobody may modify it. For a
 * message that may also go compressed, see PreparedMessage.
 */
export function prepareFrame(opcode: number, payload: Uint8Array): Buffer {
  return encodeFrame(opcode, payload);
}
