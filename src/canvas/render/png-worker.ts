// Worker thread: encodes PNGs for the render pool (png-pool.ts), one job at a time.
// Spawned as build/src/canvas/render/png-worker.js. A failing job answers with an
// error message; nothing a job does can take the main thread down.
import { parentPort } from 'node:worker_threads';
import { encodeRgbPngSync, expandPalette } from './png-encode.js';
import type { EncodeJob, EncodeResult } from './worker-messages.js';

const port = parentPort;
if (!port) throw new Error('png-worker.js must run as a worker thread');

port.on('message', (job: EncodeJob) => {
  let result: EncodeResult;
  let transfer: ArrayBuffer[] = [];
  try {
    const pixels = new Uint8Array(job.pixels);
    const rgb = job.format === 'indexed' ? expandPalette(pixels, job.paletteRgb) : pixels;
    const png = encodeRgbPngSync(rgb, job.width, job.height);
    // Transfer the PNG's bytes; copy first when the Buffer is a slice of a shared pool.
    let out: ArrayBuffer;
    if (png.byteOffset === 0 && png.byteLength === png.buffer.byteLength && png.buffer instanceof ArrayBuffer) {
      out = png.buffer;
    } else {
      const copy = new Uint8Array(png.byteLength);
      copy.set(png);
      out = copy.buffer;
    }
    result = { id: job.id, ok: true, png: out };
    transfer = [out];
  } catch (error) {
    result = { id: job?.id ?? -1, ok: false, message: error instanceof Error ? error.message : String(error) };
  }
  port.postMessage(result, transfer);
});
