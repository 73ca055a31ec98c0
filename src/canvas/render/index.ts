// Board images: whole-board and chunk PNGs, the overview pyramid, and the PNG worker pool.
export { ImageTooLargeError, MAX_BOARD_PNG_SIDE, TileNotFoundError, type RenderableBoard } from './types.js';
export { renderBoardPng, renderChunkPng } from './render.js';
export {
  OverviewPyramid,
  overviewInfo,
  overviewLevelCount,
  type OverviewInfo,
  type OverviewLevelInfo,
  type OverviewOptions,
} from './overview.js';
export { PngPool, RenderWorkerError, type PngEncoder } from './png-pool.js';
