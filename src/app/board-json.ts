// A board as the API and HELLO describe it (docs/API.md, docs/PROTOCOL.md).
import type { Board } from '../canvas/board.js';
import type { WritePolicy } from '../placement/write-policy.js';

export function boardJson(board: Board, policy: WritePolicy) {
  const { id, title, width, height, chunkSize, palette, background, tileSize } = board.config;
  return { id, index: board.index, title, width, height, chunkSize, palette, background, tileSize, policy };
}
