// PNG encoding off the event loop: a small pool of worker threads (png-worker.ts).
// Pixel buffers are transferred to the worker, the PNG bytes transferred back. Idle
// workers are unref'd so they never keep the process alive. The pool's owner (the app)
// closes it on shutdown. A worker that fails rejects its jobs and is replaced lazily.
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { encodeRgbPngSync, expandPalette } from './png-encode.js';
import type { EncodeJob, EncodeResult } from './worker-messages.js';

/** Images of at most this many pixels (64×64) are encoded inline, on the calling thread. */
const INLINE_MAX_PIXELS = 64 * 64;

const DEFAULT_POOL_SIZE = Math.max(1, Math.min(2, availableParallelism() - 1));
const WORKER_URL = new URL('./png-worker.js', import.meta.url);

/** What the renderers need: RGB or palette-indexed pixels in, an RGB PNG out. */
export interface PngEncoder {
  /**
   * Encodes RGB pixels (3 bytes per pixel, row-major). When `rgb` spans its whole
   * ArrayBuffer, that buffer may be transferred (detached here): don't use it after the call.
   */
  encodeRgb(rgb: Uint8Array, width: number, height: number): Promise<Buffer>;
  /** Encodes palette indices (1 byte per pixel, row-major); same transfer rule for `indices`. */
  encodeIndexed(indices: Uint8Array, paletteRgb: Uint8Array, width: number, height: number): Promise<Buffer>;
}

/** A job failed in (or with) its worker, or the pool is closed. */
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

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
type JobSpec = DistributiveOmit<EncodeJob, 'id'>;

export class PngPool implements PngEncoder {
  private slots: Slot[] = [];
  private nextJobId = 1;
  private closed = false;
  private readonly size: number;

  /** `size`: most worker threads (1 or 2 by default, leaving a core to the event loop). */
  constructor(options: { size?: number } = {}) {
    this.size = options.size ?? DEFAULT_POOL_SIZE;
  }

  /** Images above 64×64 are encoded in a worker thread, smaller ones inline. */
  encodeRgb(rgb: Uint8Array, width: number, height: number): Promise<Buffer> {
    if (width * height <= INLINE_MAX_PIXELS) return inline(() => encodeRgbPngSync(rgb, width, height));
    return this.submit({ format: 'rgb', width, height, pixels: ownBuffer(rgb) });
  }

  /** The palette is applied in the worker. */
  encodeIndexed(indices: Uint8Array, paletteRgb: Uint8Array, width: number, height: number): Promise<Buffer> {
    if (width * height <= INLINE_MAX_PIXELS) {
      return inline(() => encodeRgbPngSync(expandPalette(indices, paletteRgb), width, height));
    }
    return this.submit({ format: 'indexed', width, height, pixels: ownBuffer(indices), paletteRgb: Uint8Array.from(paletteRgb) });
  }

  /** Live workers and jobs in flight (for metrics and tests). */
  stats(): { workers: number; pendingJobs: number } {
    let pendingJobs = 0;
    for (const slot of this.slots) pendingJobs += slot.pending.size;
    return { workers: this.slots.length, pendingJobs };
  }

  /** Terminates every worker: jobs in flight reject, and so do later ones. Resolves once the threads have ended. */
  async close(): Promise<void> {
    this.closed = true;
    const closing = this.slots;
    this.slots = [];
    await Promise.all(
      closing.map(async (slot) => {
        this.retire(slot, new RenderWorkerError('PNG pool closed'));
        await slot.worker.terminate();
      }),
    );
  }

  private submit(spec: JobSpec): Promise<Buffer> {
    return new Promise<Buffer>((resolve, reject) => {
      if (this.closed) return reject(new RenderWorkerError('PNG pool closed'));
      let slot: Slot;
      try {
        slot = this.pickSlot();
      } catch (error) {
        return reject(new RenderWorkerError(`cannot start a render worker: ${messageOf(error)}`));
      }
      const id = this.nextJobId++;
      const job = { ...spec, id } as EncodeJob;
      slot.pending.set(id, { resolve, reject });
      slot.worker.ref();
      try {
        slot.worker.postMessage(job, [job.pixels]);
      } catch (error) {
        slot.pending.delete(id);
        if (slot.pending.size === 0) slot.worker.unref();
        reject(new RenderWorkerError(`cannot send a job to the render worker: ${messageOf(error)}`));
      }
    });
  }

  private pickSlot(): Slot {
    let best: Slot | undefined;
    for (const slot of this.slots) if (!best || slot.pending.size < best.pending.size) best = slot;
    if (!best || (best.pending.size > 0 && this.slots.length < this.size)) return this.spawn();
    return best;
  }

  private spawn(): Slot {
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
      this.retire(slot, new RenderWorkerError(`render worker failed: ${messageOf(error)}`));
    });
    worker.on('messageerror', (error) => {
      this.retire(slot, new RenderWorkerError(`render worker message could not be read: ${error.message}`));
      void worker.terminate();
    });
    worker.on('exit', (code) => {
      this.retire(slot, new RenderWorkerError(`render worker exited with code ${code}`));
    });
    worker.unref();
    this.slots.push(slot);
    return slot;
  }

  private retire(slot: Slot, error: Error): void {
    if (slot.dead) return;
    slot.dead = true;
    this.slots = this.slots.filter((s) => s !== slot);
    const jobs = [...slot.pending.values()];
    slot.pending.clear();
    for (const job of jobs) job.reject(error);
  }
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

function inline(encode: () => Buffer): Promise<Buffer> {
  try {
    return Promise.resolve(encode());
  } catch (error) {
    return Promise.reject(error instanceof Error ? error : new Error(String(error)));
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
