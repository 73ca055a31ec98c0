// Board images: whole-board and chunk PNGs, the overview pyramid, and the PNG worker pool.
export { ImageTooLargeError, MAX_BOARD_PNG_SIDE, TileNotFoundError, type RenderableBoard } from './types.js';
export { renderBoardPng, renderChunkPng } from './render.js';
export {
  DEFAULT_MAX_CACHED_TILES,
  DEFAULT_TILE_PIXELS,
  OverviewPyramid,
  overviewInfo,
  overviewLevelCount,
  type OverviewInfo,
  type OverviewLevelInfo,
  type OverviewOptions,
} from './overview.js';
export {
  INLINE_MAX_PIXELS,
  RenderWorkerError,
  closeRenderWorkers,
  encodeIndexedPng,
  encodeRgbPng,
  renderWorkerStats,
} from './png-pool.js';
