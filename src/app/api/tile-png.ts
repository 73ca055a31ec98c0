// A tile upload's PNG → palette indices. Every pixel must be exactly a colour of the
// board's palette; fully transparent pixels mean the background. The header is read
// before anything is decoded, so a small upload cannot claim a huge image.
import pngjs from 'pngjs';
import type { Board } from '../../canvas/board.js';
import { ApiError } from './errors.js';

const { PNG } = pngjs;

const SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
const IHDR_END = 33; // signature 8, chunk length 4, "IHDR" 4, 13 bytes of fields, CRC 4

export type TilePixels =
  | { ok: true; colors: Uint8Array }
  | { ok: false; x: number; y: number; color: string; alpha: number };

// RGB (r << 16 | g << 8 | b) → palette index, per board.
const lookups = new WeakMap<Board, Map<number, number>>();

function paletteLookup(board: Board): Map<number, number> {
  let lookup = lookups.get(board);
  if (lookup === undefined) {
    const rgb = board.paletteRgb;
    lookup = new Map();
    for (let i = 0; i < rgb.length / 3; i++) lookup.set((rgb[i * 3]! << 16) | (rgb[i * 3 + 1]! << 8) | rgb[i * 3 + 2]!, i);
    lookups.set(board, lookup);
  }
  return lookup;
}

const hex = (r: number, g: number, b: number): string =>
  '#' + ((r << 16) | (g << 8) | b).toString(16).toUpperCase().padStart(6, '0');

/** Checks signature, size and interlacing from the header (IHDR comes first in every PNG). */
function checkHeader(png: Buffer, tileSize: number): void {
  if (png.length < IHDR_END || !png.subarray(0, 8).equals(SIGNATURE) || png.toString('latin1', 12, 16) !== 'IHDR') {
    throw new ApiError(400, 'BAD_PNG', 'the body is not a PNG image');
  }
  const width = png.readUInt32BE(16);
  const height = png.readUInt32BE(20);
  if (width !== tileSize || height !== tileSize) {
    throw new ApiError(400, 'WRONG_SIZE', `a tile is ${tileSize}×${tileSize} pixels, this PNG is ${width}×${height}`, {}, { width, height, tileSize });
  }
  // pngjs inflates interlaced images without an output limit: refuse them rather than risk a zip bomb.
  if (png[28] !== 0) throw new ApiError(400, 'BAD_PNG', 'interlaced PNGs are not accepted; save the tile without interlacing');
}

export function tilePixels(png: Buffer, tileSize: number, board: Board): TilePixels {
  checkHeader(png, tileSize);
  let rgba: Buffer;
  try {
    rgba = PNG.sync.read(png).data; // always 8-bit RGBA, whatever the file's format
  } catch (error) {
    throw new ApiError(400, 'BAD_PNG', `the PNG cannot be decoded: ${(error as Error).message}`);
  }
  const lookup = paletteLookup(board);
  const { background } = board.config;
  const colors = new Uint8Array(tileSize * tileSize);
  for (let i = 0; i < colors.length; i++) {
    const r = rgba[i * 4]!;
    const g = rgba[i * 4 + 1]!;
    const b = rgba[i * 4 + 2]!;
    const alpha = rgba[i * 4 + 3]!;
    const index = alpha === 0 ? background : alpha === 255 ? lookup.get((r << 16) | (g << 8) | b) : undefined;
    if (index === undefined) return { ok: false, x: i % tileSize, y: Math.floor(i / tileSize), color: hex(r, g, b), alpha };
    colors[i] = index;
  }
  return { ok: true, colors };
}
