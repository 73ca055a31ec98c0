// A CHUNK message: a chunk's full current state, in its shortest encoding.
import type { Board } from '../canvas/board.js';
import { encodeChunk, encodeChunkPixels } from '../protocol/messages.js';

export function chunkMessage(board: Board, chunk: number): Uint8Array {
  const { encoding, bytes } = encodeChunkPixels(board.chunkData(chunk));
  const cx = chunk % board.chunksX;
  const cy = (chunk - cx) / board.chunksX;
  return encodeChunk(board.index, cx, cy, board.chunkVersion(chunk), encoding, bytes);
}
