// Bot generator child: `node build/bench/canvas/bot-generator.js '<GeneratorConfig JSON>'`.
// 1. opens its bots (bounded handshakes in flight), each subscribes and waits for its CHUNKs;
// 2. prints {"event":"ready"} and waits for the runner's `go <T0>` line on stdin (T0 in
//    wall-clock ms, the same for every generator);
// 3. sends its share of the placement schedule (seq ≡ index mod generators) from T0 on,
//    recording each send time; one normal bot in `parseEvery` records, for sampled
//    placements, the time it read the DIFF holding that pixel (the others count DIFFs);
//    slow bots pause and resume on schedule;
// 4. after the last placement and the drain time, writes the times to binary files, closes
//    its bots, prints {"event":"result",…} and exits 0.
import { writeFileSync } from 'node:fs';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { CpuMeter, emit } from '../echo/gen-common.js';
import { onLines } from '../echo/lines.js';
import { Bot, T_DIFF, epochNow } from './bot-client.js';
import type { GeneratorConfig, GeneratorResult } from './gen-config.js';
import { Schedule } from './schedule.js';

const CLOSE_TIMEOUT_MS = 3000;

/** Growable (seq, time) pair store. */
class Pairs {
  seqs: Uint32Array;
  times: Float64Array;
  length = 0;
  constructor(capacity: number) {
    this.seqs = new Uint32Array(Math.max(1024, capacity));
    this.times = new Float64Array(Math.max(1024, capacity));
  }
  push(seq: number, time: number): void {
    if (this.length === this.seqs.length) {
      const seqs = new Uint32Array(this.length * 2);
      const times = new Float64Array(this.length * 2);
      seqs.set(this.seqs);
      times.set(this.times);
      this.seqs = seqs;
      this.times = times;
    }
    this.seqs[this.length] = seq;
    this.times[this.length++] = time;
  }
}

function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

/** Resolves with T0 from the runner's `go <T0>` line; exits if the runner goes away. */
function waitForGo(): Promise<number> {
  return new Promise((resolve) => {
    onLines(process.stdin, (line) => {
      const match = /^go (\d+(?:\.\d+)?)$/.exec(line.trim());
      if (match) resolve(Number(match[1]));
    });
    process.stdin.on('end', () => process.exit(2));
    process.stdin.resume();
  });
}

async function main(cfg: GeneratorConfig): Promise<void> {
  const schedule = new Schedule(cfg.schedule);
  const goPromise = waitForGo();

  // ---- connect and subscribe ----
  const total = cfg.normalClients + cfg.slowClients;
  const bots: (Bot | null)[] = new Array(total).fill(null);
  const errors = new Map<string, number>();
  let failed = 0;
  let next = 0;
  const started = performance.now();
  let chunksX = 0;
  let chunksY = 0;
  const viewportOf = (i: number): number[] => {
    const side = cfg.viewportChunks;
    const chunks: number[] = [];
    if (side === null) {
      for (let cy = 0; cy < chunksY; cy++) for (let cx = 0; cx < chunksX; cx++) chunks.push(cx, cy);
      return chunks;
    }
    const w = Math.min(side, chunksX);
    const h = Math.min(side, chunksY);
    const g = i + cfg.index * 100_003;
    const x0 = (g * 7) % (chunksX - w + 1);
    const y0 = ((g * 13) >>> 1) % (chunksY - h + 1);
    for (let cy = y0; cy < y0 + h; cy++) for (let cx = x0; cx < x0 + w; cx++) chunks.push(cx, cy);
    return chunks;
  };
  const floodChunks = (): number[] => {
    const chunks: number[] = [];
    for (let cx = 0; cx < (cfg.flood?.chunksWide ?? 0); cx++) chunks.push(cx, 0);
    return chunks;
  };
  const worker = async (): Promise<void> => {
    while (next < total && failed < Math.max(50, total / 10)) {
      const i = next++;
      const local = cfg.localAddresses[(i + cfg.index) % cfg.localAddresses.length];
      try {
        const bot = await Bot.open(cfg.target, local, cfg.boardId, cfg.handshakeTimeoutMs, cfg.deflate);
        if (chunksX === 0) {
          chunksX = Math.ceil(bot.board!.width / bot.board!.chunkSize);
          chunksY = Math.ceil(bot.board!.height / bot.board!.chunkSize);
        }
        await bot.subscribe(viewportOf(i), cfg.handshakeTimeoutMs);
        if (i >= cfg.normalClients && cfg.flood) {
          const flooded = bot.boards.get(cfg.flood.boardId);
          if (!flooded) throw new Error(`HELLO has no board "${cfg.flood.boardId}"`);
          await bot.subscribe(floodChunks(), cfg.handshakeTimeoutMs, flooded.index);
        }
        bots[i] = bot;
      } catch (err) {
        failed++;
        const message = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
        errors.set(message, (errors.get(message) ?? 0) + 1);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(cfg.concurrency, total) }, worker));
  const connectMs = performance.now() - started;
  const painters: Bot[] = [];
  if (cfg.flood) {
    for (let i = 0; i < cfg.flood.painters; i++) painters.push(await Bot.open(cfg.target, cfg.localAddresses[0], cfg.flood.boardId, cfg.handshakeTimeoutMs));
  }
  const normal = bots.slice(0, cfg.normalClients).filter((b): b is Bot => b !== null);
  const slow = bots.slice(cfg.normalClients).filter((b): b is Bot => b !== null);
  if (normal.length + slow.length === 0 || (cfg.placements && normal.length === 0)) {
    throw new Error(`no bot connected: ${JSON.stringify([...errors])}`);
  }
  const board = (normal[0] ?? slow[0])!.board!;
  if (board.width !== cfg.schedule.width || board.height !== cfg.schedule.height) {
    throw new Error(`board is ${board.width}×${board.height}, the schedule expects ${cfg.schedule.width}×${cfg.schedule.height}`);
  }

  // ---- what the receivers look for ----
  const sampledByPixel = schedule.sampledSeqByPixel();
  const { width, chunkSize, index: boardIndex } = board;
  // Expected pairs: per chunk, how many sampled placements land in it; per bot, the sum over its chunks.
  const sampledPerChunk = new Float64Array(chunksX * chunksY);
  for (let p = 0; p < sampledByPixel.length; p++) {
    if (sampledByPixel[p]! >= 0) sampledPerChunk[Math.floor(Math.floor(p / width) / chunkSize) * chunksX + Math.floor((p % width) / chunkSize)]!++;
  }
  const parses = (i: number) => i % cfg.parseEvery === 0;
  let expectedPairs = 0;
  bots.slice(0, cfg.normalClients).forEach((bot, i) => {
    if (bot === null || !parses(i)) return;
    const chunks = viewportOf(i);
    for (let k = 0; k < chunks.length; k += 2) expectedPairs += sampledPerChunk[chunks[k + 1]! * chunksX + chunks[k]!]!;
  });
  const pairs = new Pairs(Math.ceil(expectedPairs * 1.02));

  emit('ready', { normal: normal.length, slow: slow.length, failed, connectMs });
  const t0 = await goPromise;
  const windowStart = t0 + cfg.schedule.warmupMs;
  const windowEnd = windowStart + cfg.schedule.durationMs;

  let diffsInWindow = 0;
  let diffBytesInWindow = 0;
  let diffWireBytesInWindow = 0;
  let slowDiffsInWindow = 0;
  let colorMismatches = 0;
  let droppedNormal = 0;
  let slowClosed = 0;
  let stopping = false;
  const rejectReasons: Record<string, number> = {};

  const onNormalDiff = (_bot: Bot, buf: Buffer, start: number, end: number, now: number, wireBytes: number): void => {
    if (now >= windowStart && now < windowEnd) {
      diffsInWindow++;
      diffBytesInWindow += end - start;
      diffWireBytesInWindow += wireBytes;
    }
    if (buf[start] !== T_DIFF) return;
    let at = start + 1;
    while (at + 15 <= end) {
      const b = buf[at]!;
      const cx = (buf[at + 1]! << 8) | buf[at + 2]!;
      const cy = (buf[at + 3]! << 8) | buf[at + 4]!;
      const n = (buf[at + 13]! << 8) | buf[at + 14]!;
      let e = at + 15;
      const stop = Math.min(end, e + n * 3);
      if (b === boardIndex) {
        const x0 = cx * chunkSize;
        const rowBase = cy * chunkSize;
        for (; e < stop; e += 3) {
          const offset = (buf[e]! << 8) | buf[e + 1]!;
          const row = (offset / chunkSize) | 0;
          const seq = sampledByPixel[(rowBase + row) * width + x0 + (offset - row * chunkSize)]!;
          if (seq >= 0) {
            pairs.push(seq, now);
            if (buf[e + 2] !== schedule.colorOf(seq)) colorMismatches++;
          }
        }
      }
      at = stop;
    }
  };
  const onCountedDiff = (_bot: Bot, _buf: Buffer, start: number, end: number, now: number): void => {
    if (now >= windowStart && now < windowEnd) {
      diffsInWindow++;
      diffBytesInWindow += end - start;
    }
  };
  const onSlowDiff = (_bot: Bot, _buf: Buffer, _start: number, _end: number, now: number): void => {
    if (now >= windowStart && now < windowEnd) slowDiffsInWindow++;
  };
  bots.slice(0, cfg.normalClients).forEach((bot, i) => {
    if (bot !== null) bot.onDiff = parses(i) ? onNormalDiff : onCountedDiff;
  });
  for (const bot of normal) {
    bot.onClosed = () => {
      if (!stopping) droppedNormal++;
    };
    bot.onReject = (reason) => {
      rejectReasons[reason] = (rejectReasons[reason] ?? 0) + 1;
    };
  }
  for (const bot of slow) {
    bot.onDiff = onSlowDiff;
    bot.onClosed = () => {
      if (!stopping) slowClosed++;
    };
  }

  // ---- timeline ----
  const at = (ms: number, fn: () => void) => setTimeout(fn, Math.max(0, t0 + ms - epochNow()));
  const cpu = new CpuMeter();
  let cpuPercent = NaN;
  const loopDelay = monitorEventLoopDelay({ resolution: 5 });
  at(cfg.schedule.warmupMs, () => {
    cpu.reset();
    loopDelay.enable();
  });
  at(cfg.schedule.warmupMs + cfg.schedule.durationMs, () => {
    cpuPercent = cpu.percent();
    loopDelay.disable();
  });
  let slowChunksAtPause = 0;
  if (cfg.pauseAtMs !== null) {
    at(cfg.pauseAtMs, () => {
      for (const b of slow) {
        slowChunksAtPause += b.chunksReceived;
        b.pause();
      }
    });
  }
  if (cfg.resumeAtMs !== null) at(cfg.resumeAtMs, () => slow.slice(0, cfg.resumeSlow).forEach((b) => b.resume()));

  // ---- placements ----
  const sendTimes = new Float64Array(schedule.total).fill(NaN);
  const lags: number[] = [];
  let seq = cfg.placements ? cfg.index : schedule.total;
  let placed = 0;
  let placedInWindow = 0;
  // Flood: tile k goes to tile k mod (64 per chunk × chunksWide) of the region, in colour 1 + ⌊k / tiles⌋ mod 200.
  let tile = 0;
  const flood = painters.length > 0 ? cfg.flood : null;
  const floodBoard = painters[0]?.board ?? null;
  const tileSize = floodBoard?.tileSize ?? 0;
  const tilesPerChunkSide = floodBoard && tileSize > 0 ? floodBoard.chunkSize / tileSize : 0;
  const regionTiles = flood ? tilesPerChunkSide * tilesPerChunkSide * flood.chunksWide : 0;
  const tileColors: Uint8Array[] = Array.from({ length: 200 }, (_, c) => new Uint8Array(tileSize * tileSize).fill(1 + c));
  const paintUntil = cfg.schedule.warmupMs + cfg.schedule.durationMs;
  if (flood && (floodBoard === null || tileSize === 0)) throw new Error(`board "${flood.boardId}" has no tiles`);
  await new Promise<void>((resolve) => {
    const pump = () => {
      const elapsed = epochNow() - t0;
      if (flood) {
        while ((tile * 1000) / flood.tilesPerSec <= Math.min(elapsed, paintUntil)) {
          const t = tile % regionTiles;
          const inChunk = t % (tilesPerChunkSide * tilesPerChunkSide);
          const tx = Math.floor(t / (tilesPerChunkSide * tilesPerChunkSide)) * tilesPerChunkSide + (inChunk % tilesPerChunkSide);
          const ty = Math.floor(inChunk / tilesPerChunkSide);
          painters[tile % painters.length]!.tileWrite(tile, floodBoard!.index, tx, ty, tileColors[Math.floor(tile / regionTiles) % 200]!);
          tile++;
        }
      }
      while (seq < schedule.total && schedule.dueMs(seq) <= elapsed) {
        const bot = normal[Math.floor(seq / cfg.generators) % normal.length]!;
        const pixel = schedule.pixelOf(seq);
        bot.place(seq, pixel % width, Math.floor(pixel / width), schedule.colorOf(seq));
        const now = epochNow();
        sendTimes[seq] = now;
        lags.push(now - t0 - schedule.dueMs(seq));
        placed++;
        if (schedule.inWindow(seq)) placedInWindow++;
        seq += cfg.generators;
      }
      if (seq >= schedule.total && (!flood || (tile * 1000) / flood.tilesPerSec > paintUntil)) {
        clearInterval(timer);
        resolve();
      }
    };
    const timer = setInterval(pump, 1);
    pump();
  });
  await new Promise((resolve) => at(cfg.schedule.warmupMs + cfg.schedule.durationMs + cfg.drainMs, () => resolve(undefined)));
  stopping = true;

  // ---- results ----
  writeFileSync(`${cfg.outPrefix}.send`, new Uint8Array(sendTimes.buffer));
  writeFileSync(`${cfg.outPrefix}.recv-seq`, new Uint8Array(pairs.seqs.buffer, 0, pairs.length * 4));
  writeFileSync(`${cfg.outPrefix}.recv-t`, new Uint8Array(pairs.times.buffer, 0, pairs.length * 8));
  const sortedLags = Float64Array.from(lags).sort();
  let acks = 0;
  let rejects = 0;
  for (const bot of normal) {
    acks += bot.acks;
    rejects += bot.rejects;
  }
  const result: GeneratorResult = {
    event: 'result',
    index: cfg.index,
    normalConnected: normal.length,
    slowConnected: slow.length,
    failedConnects: failed,
    connectErrors: [...errors].sort((a, b) => b[1] - a[1]),
    connectMs,
    placed,
    placedInWindow,
    acks,
    rejects,
    rejectReasons,
    sendLagP50Ms: percentile(sortedLags, 50),
    sendLagP99Ms: percentile(sortedLags, 99),
    sendLagMaxMs: sortedLags.length > 0 ? sortedLags[sortedLags.length - 1]! : NaN,
    diffsInWindow,
    diffBytesInWindow,
    diffWireBytesInWindow,
    slowDiffsInWindow,
    pairs: pairs.length,
    expectedPairs,
    colorMismatches,
    droppedNormal,
    slowClosed,
    slowChunksAfterPause: slow.reduce((sum, b) => sum + b.chunksReceived, 0) - slowChunksAtPause,
    tilesWritten: tile,
    cpuPercent,
    loopDelayP99Ms: loopDelay.count > 0 ? loopDelay.percentile(99) / 1e6 : NaN,
    loopDelayMaxMs: loopDelay.count > 0 ? loopDelay.max / 1e6 : NaN,
  };
  await Promise.all([...normal, ...slow, ...painters].map((b) => b.close(CLOSE_TIMEOUT_MS)));
  process.stdout.write(JSON.stringify(result) + '\n');
}

try {
  await main(JSON.parse(process.argv[2] ?? '{}') as GeneratorConfig);
  process.exit(0);
} catch (err) {
  console.error('canvas bot generator failed:', err);
  process.exit(1);
}
