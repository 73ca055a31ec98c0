// The pixels of a CHUNK message (docs/PROTOCOL.md, "CHUNK encodings"):
//   Raw   — chunkSize² colour bytes, row-major;
//   Runs  — (length u16 big-endian 1..65535, colour u8) repeated, lengths adding up to chunkSize²;
//   Empty — no bytes: the chunk was never written, every pixel is the background.
// The encoder picks whichever of Raw and Runs is shorter (Raw on a tie: it is cheaper to decode).

export const ChunkEncoding = { Raw: 0, Runs: 1, Empty: 2 } as const;
export type ChunkEncodingCode = (typeof ChunkEncoding)[keyof typeof ChunkEncoding];

const RUN_BYTES = 3;
const MAX_RUN = 0xffff; // a run's length is u16, so a uniform 256×256 chunk takes two runs

/** Number of runs `data` needs (runs longer than MAX_RUN are split). */
export function countRuns(data: Uint8Array): number {
  let runs = 0;
  let i = 0;
  while (i < data.length) {
    const colour = data[i]!;
    const end = Math.min(data.length, i + MAX_RUN);
    let j = i + 1;
    while (j < end && data[j] === colour) j++;
    runs++;
    i = j;
  }
  return runs;
}

/**
 * Encodes a chunk's pixels; `null` (never written) is Empty. The bytes are always a fresh
 * copy, so the caller may hold them while the board keeps changing.
 */
export function encodeChunkPixels(data: Uint8Array | null): { encoding: ChunkEncodingCode; bytes: Uint8Array } {
  if (data === null) return { encoding: ChunkEncoding.Empty, bytes: new Uint8Array(0) };
  const runs = countRuns(data);
  if (runs * RUN_BYTES >= data.length) return { encoding: ChunkEncoding.Raw, bytes: data.slice() };
  return { encoding: ChunkEncoding.Runs, bytes: encodeRuns(data, runs) };
}

function encodeRuns(data: Uint8Array, runs: number): Uint8Array {
  const bytes = new Uint8Array(runs * RUN_BYTES);
  let at = 0;
  let i = 0;
  while (i < data.length) {
    const colour = data[i]!;
    const end = Math.min(data.length, i + MAX_RUN);
    let j = i + 1;
    while (j < end && data[j] === colour) j++;
    const length = j - i;
    bytes[at] = length >>> 8;
    bytes[at + 1] = length & 0xff;
    bytes[at + 2] = colour;
    at += RUN_BYTES;
    i = j;
  }
  return bytes;
}

/** The chunkSize² pixels of a CHUNK message; throws on anything malformed. */
export function decodeChunkPixels(encoding: number, bytes: Uint8Array, chunkSize: number, background: number): Uint8Array {
  const size = chunkSize * chunkSize;
  switch (encoding) {
    case ChunkEncoding.Raw:
      if (bytes.length !== size) throw new Error(`raw chunk has ${bytes.length} bytes, expected ${size}`);
      return bytes.slice();
    case ChunkEncoding.Empty:
      if (bytes.length !== 0) throw new Error(`empty chunk carries ${bytes.length} bytes`);
      return new Uint8Array(size).fill(background);
    case ChunkEncoding.Runs:
      return decodeRuns(bytes, size);
    default:
      throw new Error(`unknown chunk encoding ${encoding}`);
  }
}

function decodeRuns(bytes: Uint8Array, size: number): Uint8Array {
  if (bytes.length % RUN_BYTES !== 0) throw new Error(`runs take ${RUN_BYTES} bytes each, got ${bytes.length} bytes`);
  const pixels = new Uint8Array(size);
  let filled = 0;
  for (let at = 0; at < bytes.length; at += RUN_BYTES) {
    const length = (bytes[at]! << 8) | bytes[at + 1]!;
    if (length === 0) throw new Error(`run at byte ${at} has length 0`);
    if (filled + length > size) throw new Error(`runs add up to more than ${size} pixels`);
    pixels.fill(bytes[at + 2]!, filled, filled + length);
    filled += length;
  }
  if (filled !== size) throw new Error(`runs add up to ${filled} pixels, expected ${size}`);
  return pixels;
}
