// The deterministic placement schedule every generator process shares. Placement number
// `seq` (0, 1, 2, …) is due at T0 + seq / rate, goes to pixel pixelOf(seq) in colour
// colorOf(seq). pixelOf is a bijection of the board's pixels, so within one run (fewer
// placements than pixels) every placement writes a different pixel and a receiver can
// tell from (x, y) alone which placement a DIFF entry is. Send and receive times are
// wall-clock ms (performance.timeOrigin + performance.now()), one clock for all the
// processes of the machine, so latencies can be joined across processes.

export interface ScheduleSpec {
  width: number;
  height: number;
  /** Aggregate placements per second, over all generators. */
  ratePerSec: number;
  warmupMs: number;
  durationMs: number;
  /** Record receivers for one placement in `sampleEvery` (of those in the measured window). */
  sampleEvery: number;
}

function gcd(a: number, b: number): number {
  while (b !== 0) [a, b] = [b, a % b];
  return a;
}

export class Schedule {
  readonly pixels: number;
  /** Placements in all: warm-up and measured window. */
  readonly total: number;
  /** First and one-past-last seq of the measured window. */
  readonly windowFirst: number;
  readonly windowEnd: number;
  private readonly stride: number;
  private readonly offset: number;
  private readonly intervalMs: number;

  constructor(readonly spec: ScheduleSpec) {
    this.pixels = spec.width * spec.height;
    this.intervalMs = 1000 / spec.ratePerSec;
    this.windowFirst = Math.ceil(spec.warmupMs / this.intervalMs);
    this.windowEnd = Math.ceil((spec.warmupMs + spec.durationMs) / this.intervalMs);
    this.total = this.windowEnd;
    if (this.total >= this.pixels) {
      throw new Error(`${this.total} placements would repeat pixels of a ${spec.width}×${spec.height} board: lower the rate or the duration`);
    }
    // A stride coprime with the pixel count near the golden ratio of it: consecutive
    // placements land far apart, all over the board.
    let stride = Math.floor(this.pixels * 0.618_033_988_7) | 1;
    while (gcd(stride, this.pixels) !== 1) stride += 2;
    this.stride = stride;
    this.offset = Math.floor(this.pixels / 7);
  }

  /** Pixel index (y · width + x) of placement `seq`. */
  pixelOf(seq: number): number {
    return (seq * this.stride + this.offset) % this.pixels; // < 2^53 for any board (≤ 2^32 pixels)
  }

  /** A colour other than 0 (the background of `place`), from a palette of `paletteSize`. */
  colorOf(seq: number, paletteSize = 16): number {
    return 1 + (seq % (paletteSize - 1));
  }

  /** When placement `seq` is due, ms after T0. */
  dueMs(seq: number): number {
    return seq * this.intervalMs;
  }

  inWindow(seq: number): boolean {
    return seq >= this.windowFirst && seq < this.windowEnd;
  }

  isSampled(seq: number): boolean {
    return this.inWindow(seq) && (seq - this.windowFirst) % this.spec.sampleEvery === 0;
  }

  /** Placements whose receivers are recorded. */
  get sampledCount(): number {
    return Math.ceil((this.windowEnd - this.windowFirst) / this.spec.sampleEvery);
  }

  /** pixel index → seq for sampled placements, −1 elsewhere: the receivers' lookup table. */
  sampledSeqByPixel(): Int32Array {
    const table = new Int32Array(this.pixels).fill(-1);
    for (let seq = this.windowFirst; seq < this.windowEnd; seq += this.spec.sampleEvery) table[this.pixelOf(seq)] = seq;
    return table;
  }
}

/** One placement in `sampleEvery`, so that about `targetPairs` (placement, receiver) pairs are recorded. */
export function sampleEveryFor(placementsInWindow: number, receivers: number, targetPairs = 3_000_000): number {
  return Math.max(1, Math.ceil((placementsInWindow * Math.max(1, receivers)) / targetPairs));
}
