// PNG encoding off the event loop: a small pool of worker threads (png-worker.ts).
// Pixel buffers are transferred to the worker, the PNG bytes transferred back. Idle
// workers are unref'd so they never keep the process alive; closeRenderWorkers() ends
// them (tests, shutdown). A worker that fails rejects its jobs and is replaced lazily.
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { encodeRgbPngSync, expandPalette } from './png-encode.js';
import type { EncodeJob, EncodeResult } from './worker-messages.js';

/** Images of at most this many pixels (64×64) are encoded inline, on the calling thread. */
export const INLINE_MAX_PIXELS = 64 * 64;

/** A job failed in (or with) its worker. */
export class RenderWorkerError extends Error {
  override readonly name = 'RenderWorkerError';
}

interface PendingJob {
  resolve(png: Buffer): void;
  reject(error: Error): void;
}

interface Slot {
  readonly worker: Worker;
  readonly pending: Map<number, PendingJob>;
  dead: boolean;
}

const POOL_SIZE = Math.max(1, Math.min(2, availableParallelism() - 1));
const WORKER_URL = new URL('./png-worker.js', import.meta.url);

let slots: Slot[] = [];
let nextJobId = 1;

function retire(slot: Slot, error: Error): void {
  if (slot.dead) return;
  slot.dead = true;
  slots = slots.filter((s) => s !== slot);
  const jobs = [...slot.pending.values()];
  slot.pending.clear();
  for (const job of jobs) job.reject(error);
}

function spawn(): Slot {
  // No inherited Node flags: the worker only encodes PNGs, and a worker refuses
  // process-wide V8 flags such as the --max-semi-space-size that `npm start` passes.
  const worker = new Worker(WORKER_URL, { execArgv: [] });
  const slot: Slot = { worker, pending: new Map(), dead: false };
  worker.on('message', (result: EncodeResult) => {
    const job = slot.pending.get(result.id);
    if (!job) return;
    slot.pending.delete(result.id);
    if (slot.pending.size === 0) worker.unref();
    if (result.ok) job.resolve(Buffer.from(result.png));
    else job.reject(new RenderWorkerError(result.message));
  });
  worker.on('error', (error) => {
    retire(slot, new RenderWorkerError(`render worker failed: ${error instanceof Error ? error.message : String(error)}`));
  });
  worker.on('messageerror', (error) => {
    retire(slot, new RenderWorkerError(`render worker message could not be read: ${error.message}`));
    void worker.terminate();
  });
  worker.on('exit', (code) => {
    retire(slot, new RenderWorkerError(`render worker exited with code ${code}`));
  });
  worker.unref();
  slots.push(slot);
  return slot;
}

function pickSlot(): Slot {
  let best: Slot | undefined;
  for (const slot of slots) if (!best || slot.pending.size < best.pending.size) best = slot;
  if (!best || (best.pending.size > 0 && slots.length < POOL_SIZE)) return spawn();
  return best;
}

/** An ArrayBuffer holding exactly `bytes`: its own buffer when possible (then it is transferred), else a copy. */
function ownBuffer(bytes: Uint8Array): ArrayBuffer {
  if (bytes.buffer instanceof ArrayBuffer && bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength) {
    return bytes.buffer;
  }
  const copy = new Uint8Array(bytes.byteLength);
  copy.set(bytes);
  return copy.buffer;
}

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
type JobSpec = DistributiveOmit<EncodeJob, 'id'>;

function submit(spec: JobSpec): Promise<Buffer> {
  return new Promise<Buffer>((resolve, reject) => {
    let slot: Slot;
    try {
      slot = pickSlot();
    } catch (error) {
      reject(new RenderWorkerError(`cannot start a render worker: ${error instanceof Error ? error.message : String(error)}`));
      return;
    }
    const id = nextJobId++;
    const job = { ...spec, id } as EncodeJob;
    slot.pending.set(id, { resolve, reject });
    slot.worker.ref();
    try {
      slot.worker.postMessage(job, [job.pixels]);
    } catch (error) {
      slot.pending.delete(id);
      if (slot.pending.size === 0) slot.worker.unref();
      reject(new RenderWorkerError(`cannot send a job to the render worker: ${error instanceof Error ? error.message : String(error)}`));
    }
  });
}

function inline(encode: () => Buffer): Promise<Buffer> {
  try {
    return Promise.resolve(encode());
  } catch (error) {
    return Promise.reject(error instanceof Error ? error : new Error(String(error)));
  }
}

/**
 * Encodes RGB pixels (3 bytes per pixel, row-major) as a PNG. Images above 64×64 are
 * encoded in a worker thread; when `rgb` spans its whole ArrayBuffer, that buffer is
 * transferred (detached here), so don't use `rgb` after the call.
 */
export function encodeRgbPng(rgb: Uint8Array, width: number, height: number): Promise<Buffer> {
  if (width * height <= INLINE_MAX_PIXELS) return inline(() => encodeRgbPngSync(rgb, width, height));
  return submit({ format: 'rgb', width, height, pixels: ownBuffer(rgb) });
}

/**
 * Encodes palette indices (1 byte per pixel, row-major) as an RGB PNG; the palette is
 * applied in the worker. Same transfer rule as encodeRgbPng for `indices`.
 */
export function encodeIndexedPng(indices: Uint8Array, paletteRgb: Uint8Array, width: number, height: number): Promise<Buffer> {
  if (width * height <= INLINE_MAX_PIXELS) {
    return inline(() => encodeRgbPngSync(expandPalette(indices, paletteRgb), width, height));
  }
  return submit({ format: 'indexed', width, height, pixels: ownBuffer(indices), paletteRgb: Uint8Array.from(paletteRgb) });
}

/** Live workers and jobs in flight (for metrics and tests). */
export function renderWorkerStats(): { workers: number; pendingJobs: number } {
  let pendingJobs = 0;
  for (const slot of slots) pendingJobs += slot.pending.size;
  return { workers: slots.length, pendingJobs };
}

/** Terminates every render worker; jobs in flight reject. Later jobs start new workers. */
export async function closeRenderWorkers(): Promise<void> {
  const closing = slots;
  slots = [];
  await Promise.all(
    closing.map(async (slot) => {
      retire(slot, new RenderWorkerError('render workers closed'));
      await slot.worker.terminate();
    }),
  );
}
