// DIFF messages, built for the broadcaster: each section is encoded once into
// its own buffer and shared by every subscriber of that chunk; a subscriber's
// DIFF is DIFF_PREFIX followed by its sections, written with one writev.
import { MessageType, type DiffMessage, type DiffSection, type ProtocolFault } from './types.js';
import {
  U16_MAX,
  U32_MAX,
  U8_MAX,
  checkUint,
  malformed,
  readU16,
  readU32,
  tooShort,
  writeU16,
  writeU32,
} from './wire.js';

export const DIFF_TYPE = MessageType.Diff;

/** The one-byte head of every DIFF message. Shared: never write to it. */
export const DIFF_PREFIX = Uint8Array.of(DIFF_TYPE);

const SECTION_HEADER = 15; // b u8, cx u16, cy u16, fromVersion u32, toVersion u32, n u16
const SECTION_ENTRY = 3; // offset u16, color u8

/**
 * One section: the pixels at `offsets` of chunk (cx, cy) changed between the
 * two versions; their colours are read from `chunkData`, the chunk's current
 * pixels indexed by offset (so chunkSize² long even for an edge chunk), or
 * null for a chunk never written: all `background`.
 * Allocates only the returned buffer.
 */
export function encodeDiffSection(
  board: number,
  cx: number,
  cy: number,
  fromVersion: number,
  toVersion: number,
  offsets: Uint16Array,
  chunkData: Uint8Array | null,
  background: number,
): Uint8Array {
  const out = sectionWithHeader(board, cx, cy, fromVersion, toVersion, offsets.length);
  for (let i = 0, at = SECTION_HEADER; i < offsets.length; i++, at += SECTION_ENTRY) {
    const offset = offsets[i]!;
    out[at] = offset >>> 8;
    out[at + 1] = offset;
    out[at + 2] = chunkData === null ? background : chunkData[offset]!;
  }
  return out;
}

/** Encodes a section from its decoded values (tests, tools); the broadcaster uses encodeDiffSection. */
export function encodeDiffSectionValues(section: DiffSection): Uint8Array {
  const { offsets, colors } = section;
  if (colors.length !== offsets.length) throw new RangeError('offsets and colors must have the same length');
  const { board, cx, cy, fromVersion, toVersion } = section;
  const out = sectionWithHeader(board, cx, cy, fromVersion, toVersion, offsets.length);
  for (let i = 0, at = SECTION_HEADER; i < offsets.length; i++, at += SECTION_ENTRY) {
    writeU16(out, at, offsets[i]!);
    out[at + 2] = colors[i]!;
  }
  return out;
}

/** A section buffer of the right length with its header written. */
function sectionWithHeader(
  board: number,
  cx: number,
  cy: number,
  fromVersion: number,
  toVersion: number,
  n: number,
): Uint8Array {
  checkUint('board', board, U8_MAX);
  checkUint('cx', cx, U16_MAX);
  checkUint('cy', cy, U16_MAX);
  checkUint('fromVersion', fromVersion, U32_MAX);
  checkUint('toVersion', toVersion, U32_MAX);
  checkUint('offset count', n, U16_MAX);
  const out = new Uint8Array(SECTION_HEADER + n * SECTION_ENTRY);
  out[0] = board;
  writeU16(out, 1, cx);
  writeU16(out, 3, cy);
  writeU32(out, 5, fromVersion);
  writeU32(out, 9, toVersion);
  writeU16(out, 13, n);
  return out;
}

/** A whole DIFF message from sections made by encodeDiffSection. */
export function encodeDiff(sections: readonly Uint8Array[]): Uint8Array {
  let length = 1;
  for (const section of sections) length += section.length;
  const out = new Uint8Array(length);
  out[0] = DIFF_TYPE;
  let at = 1;
  for (const section of sections) {
    out.set(section, at);
    at += section.length;
  }
  return out;
}

/** Decodes a DIFF message (type byte included): one or more whole sections. */
export function decodeDiff(bytes: Uint8Array): DiffMessage | ProtocolFault {
  if (bytes.length === 1) return malformed('DIFF without sections');
  const sections: DiffSection[] = [];
  let at = 1;
  while (at < bytes.length) {
    if (bytes.length - at < SECTION_HEADER) return tooShort(`DIFF section at byte ${at}`, SECTION_HEADER);
    const n = readU16(bytes, at + 13);
    const end = at + SECTION_HEADER + n * SECTION_ENTRY;
    if (end > bytes.length) return malformed(`DIFF section at byte ${at} with n = ${n} cut short`);
    const offsets = new Uint16Array(n);
    const colors = new Uint8Array(n);
    for (let i = 0, entry = at + SECTION_HEADER; i < n; i++, entry += SECTION_ENTRY) {
      offsets[i] = readU16(bytes, entry);
      colors[i] = bytes[entry + 2]!;
    }
    sections.push({
      board: bytes[at]!,
      cx: readU16(bytes, at + 1),
      cy: readU16(bytes, at + 3),
      fromVersion: readU32(bytes, at + 5),
      toVersion: readU32(bytes, at + 9),
      offsets,
      colors,
    });
    at = end;
  }
  return { type: 'diff', sections };
}
