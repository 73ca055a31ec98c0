// Byte-level helpers: big-endian integers read and written by hand, so the
// hot paths need no DataView (one allocation fewer per message).
import type { ProtocolFault } from './types.js';

export function readU16(bytes: Uint8Array, at: number): number {
  return (bytes[at]! << 8) | bytes[at + 1]!;
}

export function readU32(bytes: Uint8Array, at: number): number {
  // Multiply rather than shift the top byte: `<< 24` would make it negative.
  return bytes[at]! * 0x1000000 + ((bytes[at + 1]! << 16) | (bytes[at + 2]! << 8) | bytes[at + 3]!);
}

/** A Uint8Array store keeps the low 8 bits, so no masking is needed. */
export function writeU16(bytes: Uint8Array, at: number, value: number): void {
  bytes[at] = value >>> 8;
  bytes[at + 1] = value;
}

export function writeU32(bytes: Uint8Array, at: number, value: number): void {
  bytes[at] = value >>> 24;
  bytes[at + 1] = value >>> 16;
  bytes[at + 2] = value >>> 8;
  bytes[at + 3] = value;
}

export function readF64(bytes: Uint8Array, at: number): number {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getFloat64(at);
}

export function writeF64(bytes: Uint8Array, at: number, value: number): void {
  new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).setFloat64(at, value);
}

const utf8Encoder = new TextEncoder();
// fatal: invalid UTF-8 is a malformed message, not silently U+FFFD.
// ignoreBOM: keep a leading U+FEFF so decode → encode gives the same bytes.
const utf8Decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

export function encodeUtf8(text: string): Uint8Array {
  return utf8Encoder.encode(text);
}

/** The text, or null when the bytes are not valid UTF-8. */
export function decodeUtf8(bytes: Uint8Array): string | null {
  try {
    return utf8Decoder.decode(bytes);
  } catch {
    return null;
  }
}

/**
 * Encoders throw on values that do not fit their field: a silent wrap-around
 * (x = 70000 sent as 4464) would be far harder to find than an exception.
 */
export function checkUint(name: string, value: number, max: number): void {
  if (!Number.isInteger(value) || value < 0 || value > max) {
    throw new RangeError(`${name} must be an integer in 0..${max}, got ${value}`);
  }
}

export const U8_MAX = 0xff;
export const U16_MAX = 0xffff;
export const U32_MAX = 0xffffffff;

export function unknownType(type: number): ProtocolFault {
  return { type: 'fault', code: 1, message: `unknown message type 0x${type.toString(16).padStart(2, '0')}` };
}

export function malformed(message: string): ProtocolFault {
  return { type: 'fault', code: 2, message };
}

export function wrongLength(name: string, expected: number, actual: number): ProtocolFault {
  return malformed(`${name} must be ${expected} bytes, got ${actual}`);
}

export function tooShort(name: string, header: number): ProtocolFault {
  return malformed(`${name} shorter than its ${header}-byte header`);
}
