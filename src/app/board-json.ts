// A board as the API and HELLO describe it (docs/API.md, docs/PROTOCOL.md).
import type { Board } from '../canvas/board.js';

export function boardJson(board: Board) {
  const { id, title, width, height, chunkSize, palette, background, tileSize, policy } = board.config;
  return { id, index: board.index, title, width, height, chunkSize, palette, background, tileSize, policy };
}
