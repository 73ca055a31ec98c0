// The pixels of a CHUNK message (docs/PROTOCOL.md, "CHUNK encodings"):
//   Raw   — chunkSize² colour bytes, row-major;
//   Runs  — (length u16 big-endian 1..65535, colour u8) repeated, lengths adding up to chunkSize²;
//   Empty — no bytes: the chunk was never written, every pixel is the background.
// The encoder picks whichever of Raw and Runs is shorter (Raw on a tie: it is cheaper to decode).
import { ChunkEncoding } from './types.js';

const RUN_BYTES = 3;
const MAX_RUN = 0xffff; // a run's length is u16, so a uniform 256×256 chunk takes two runs

// Runs are written here first (encoding is synchronous, so one buffer serves
// every call); once they would be no shorter than the raw pixels, raw wins.
const RUNS_SCRATCH = new Uint8Array(256 * 256);

/**
 * Encodes a chunk's pixels; `null` (never written) is Empty. Runs are chosen
 * only when strictly shorter than raw. The bytes are always a fresh copy, so
 * the caller may hold them while the board keeps changing.
 */
export function encodeChunkPixels(data: Uint8Array | null): { encoding: ChunkEncoding; bytes: Uint8Array } {
  if (data === null) return { encoding: ChunkEncoding.Empty, bytes: new Uint8Array(0) };
  const runs = data.length <= RUNS_SCRATCH.length ? RUNS_SCRATCH : new Uint8Array(data.length);
  let at = 0;
  let i = 0;
  while (i < data.length) {
    if (at + RUN_BYTES >= data.length) return { encoding: ChunkEncoding.Raw, bytes: data.slice() };
    const colour = data[i]!;
    const end = Math.min(data.length, i + MAX_RUN);
    let j = i + 1;
    while (j < end && data[j] === colour) j++;
    const length = j - i;
    runs[at] = length >>> 8;
    runs[at + 1] = length & 0xff;
    runs[at + 2] = colour;
    at += RUN_BYTES;
    i = j;
  }
  return { encoding: ChunkEncoding.Runs, bytes: runs.slice(0, at) };
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
