// The fields of a WebSocket frame header (RFC 6455 §5.2), each with where it
// lies, its bits, its value and what it means: how FrameDissector explains a
// header to people.
import { Opcode } from './opcodes.js';

const OPCODE_NAMES: Record<number, string> = {
  [Opcode.Continuation]: 'continuation',
  [Opcode.Text]: 'text',
  [Opcode.Binary]: 'binary',
  [Opcode.Close]: 'close',
  [Opcode.Ping]: 'ping',
  [Opcode.Pong]: 'pong',
};

/** Is `opcode` one RFC 6455 defines (the others are reserved, §5.2)? */
export function isKnownOpcode(opcode: number): boolean {
  return opcode in OPCODE_NAMES;
}

export function opcodeName(opcode: number): string {
  return OPCODE_NAMES[opcode] ?? `reserved (0x${opcode.toString(16)})`;
}

/** One field of a frame: bytes [start, end) of the frame, or some bits of the byte at `start`. */
export interface FrameField {
  name: string;
  start: number;
  end: number;
  /** For fields smaller than a byte: the bits, as "1... ....". */
  bits?: string;
  value: string;
  meaning: string;
}

/** The fields of `header` (whole: 2 to 14 bytes), read as `read` says; `deflate`: permessage-deflate was negotiated. */
export function headerFields(header: Uint8Array, read: { payloadLength: number; lengthBits: 7 | 16 | 64; maskAt: number }, deflate: boolean): FrameField[] {
  const byte0 = header[0]!;
  const byte1 = header[1]!;
  const { payloadLength, lengthBits, maskAt } = read;
  const opcode = byte0 & 0x0f;
  const masked = (byte1 & 0x80) !== 0;
  const length7 = byte1 & 0x7f;
  const unexplained = 'set without an extension that defines it';
  const fields: FrameField[] = [
    bitField('FIN', 0, 0x80, byte0, (byte0 & 0x80) !== 0 ? 'final frame of its message' : 'more frames of this message follow'),
    bitField('RSV1', 0, 0x40, byte0, (byte0 & 0x40) === 0 ? 'clear' : deflate ? 'compressed message (permessage-deflate, RFC 7692 §6)' : unexplained),
    bitField('RSV2', 0, 0x20, byte0, (byte0 & 0x20) === 0 ? 'clear' : unexplained),
    bitField('RSV3', 0, 0x10, byte0, (byte0 & 0x10) === 0 ? 'clear' : unexplained),
    { name: 'opcode', start: 0, end: 1, bits: bitString(0x0f, byte0), value: `0x${opcode.toString(16)}`, meaning: opcodeName(opcode) },
    bitField('MASK', 1, 0x80, byte1, masked ? 'payload masked with the key below (client → server)' : 'payload not masked (server → client)'),
    {
      name: 'payload length', start: 1, end: 2, bits: bitString(0x7f, byte1), value: String(length7),
      meaning: lengthBits === 7 ? `${payloadLength} bytes (7-bit form: 0–125)` : `${length7}: the length follows in ${lengthBits} bits`,
    },
  ];
  if (lengthBits !== 7) {
    fields.push({
      name: `extended payload length (${lengthBits}-bit)`, start: 2, end: lengthBits === 16 ? 4 : 10,
      value: String(payloadLength), meaning: `${payloadLength} bytes`,
    });
  }
  if (masked) {
    fields.push({ name: 'masking key', start: maskAt, end: maskAt + 4, value: hex(header.subarray(maskAt, maskAt + 4)), meaning: 'XORed over the payload, byte i with key[i mod 4] (§5.3)' });
  }
  fields.push({ name: 'payload', start: header.length, end: header.length + payloadLength, value: `${payloadLength} bytes`, meaning: payloadMeaning(opcode, masked) });
  return fields;
}

function bitField(name: string, at: number, mask: number, byte: number, meaning: string): FrameField {
  return { name, start: at, end: at + 1, bits: bitString(mask, byte), value: (byte & mask) !== 0 ? '1' : '0', meaning };
}

/** The bits of `byte` under `mask`, the others as dots: bitString(0x80, 0x81) = "1... ....". */
export function bitString(mask: number, byte: number): string {
  let out = '';
  for (let bit = 7; bit >= 0; bit--) {
    out += (mask >> bit) & 1 ? String((byte >> bit) & 1) : '.';
    if (bit === 4) out += ' ';
  }
  return out;
}

function payloadMeaning(opcode: number, masked: boolean): string {
  const what = opcode === Opcode.Close ? 'status code (2 bytes) and UTF-8 reason'
    : opcode === Opcode.Ping || opcode === Opcode.Pong ? 'application data, echoed by the pong'
      : opcode === Opcode.Text ? 'UTF-8 text' : opcode === Opcode.Binary ? 'binary data' : 'the next part of the message';
  return masked ? `${what}, masked` : what;
}

export function hex(bytes: Uint8Array): string {
  let out = '';
  for (let i = 0; i < bytes.length; i++) out += (i === 0 ? '' : ' ') + bytes[i]!.toString(16).padStart(2, '0');
  return out;
}
