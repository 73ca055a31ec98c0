// One bot load against one running server: start the generator processes (core 1), wait
// until all their bots are connected and subscribed, give them a common T0, sample the
// server (CPU from /proc at the window's edges, RSS and /metrics over time), then join
// the generators' send and receive times into delivery latencies.
import type { ChildProcess } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { Tail, closed, onLines, spawnPinnedNode, withTimeout } from '../echo/children.js';
import type { LoopDelay, RunningServer } from '../echo/server-process.js';
import { epochNow } from './bot-client.js';
import type { GeneratorConfig, GeneratorResult } from './gen-config.js';
import { scrapeMetrics, type MetricValues } from './metrics-scrape.js';
import { Schedule, sampleEveryFor, type ScheduleSpec } from './schedule.js';
import { SCRATCH, benchBoard, serverProfile } from './server-setup.js';

export const GENERATOR_SCRIPT = 'build/bench/canvas/bot-generator.js';
export const GENERATOR_CPU = 1;
export const BOARD_ID = 'place';

export interface LoadSpec {
  /** Normal clients (they place, read and are measured). */
  clients: number;
  slowClients: number;
  resumeSlow: number;
  /** ms after T0; null: never. */
  pauseAtMs: number | null;
  resumeAtMs: number | null;
  ratePerSec: number;
  warmupMs: number;
  durationMs: number;
  drainMs: number;
  generators: number;
  localAddresses: string[];
  viewportChunks: number | null;
  /** The bots offer permessage-deflate (ours accepts it on /ws by default). */
  deflate: boolean;
  /** The slow clients' busy region (see GeneratorConfig.flood), painted from the slow clients' process. */
  flood: GeneratorConfig['flood'];
  /** Before starting, wait at most this long for the other processes on the machine to go quiet. */
  quietWaitMs: number;
  /** Scrape /metrics (ours only) and read RSS every this many ms from T0 on. */
  timelineMs: number;
  /** Scrape /metrics for the timeline too (not only at the window's edges). */
  timelineMetrics: boolean;
  /** taskset's CPU list for the generators; default GENERATOR_CPU. */
  generatorCpus?: string;
}

export interface TimelinePoint {
  /** ms since the measured window started (negative: warm-up). */
  tMs: number;
  rssKiB: number;
  metrics: MetricValues | null;
}

export interface LatencyStats {
  count: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

/** Latency of the placements sent in [tMs, tMs + bucket) of the window. */
export interface LatencyBucket {
  tMs: number;
  count: number;
  p50: number;
  p99: number;
  max: number;
}

export interface LoadResult {
  spec: LoadSpec;
  sampleEvery: number;
  /** One normal client in this many parses DIFF entries (the latency figures are theirs); the others count messages. */
  parseEvery: number;
  generators: GeneratorResult[];
  normalConnected: number;
  slowConnected: number;
  failedConnects: number;
  connectErrors: [string, number][];
  connectMs: number;
  latency: LatencyStats;
  /** Per sampled placement, its first (parsing) receiver's latency. */
  firstReceiver: LatencyStats;
  latencyByTime: LatencyBucket[];
  /** The server's event-loop delay over the window (monitorEventLoopDelay in the preloaded hook). */
  serverLoopDelayP99Ms: number;
  serverLoopDelayMaxMs: number;
  /** The server's GC pauses over the window: total ms and the longest. */
  serverGcTotalMs: number;
  serverGcMaxMs: number;
  /** The worst generator's event-loop delay p99 over the window: latencies include up to this much of the bot's own lateness. */
  generatorLoopDelayP99Ms: number;
  /** Recorded pairs ÷ the pairs the subscriptions call for (sampled placements × their receivers). */
  deliveredPct: number;
  unmatchedPairs: number;
  diffMsgsPerSec: number;
  /** DIFF payload bytes (inflated) and DIFF frame bytes as on the wire (compressed, if they were), per second. */
  diffBytesPerSec: number;
  diffWireBytesPerSec: number;
  placementsPerSec: number;
  serverCpuSeconds: number;
  serverCpuPercent: number;
  serverUsPerMsg: number;
  /** The server's processes over the window (more than one with `--workers N`). */
  serverProcesses: number;
  /** redis-server and postgres processes over the window, % of one core (whoever else used them too). */
  servicesCpuPercent: number;
  generatorCpuPercent: number;
  /** Every other process on the machine over the window: more than a few % means the run was disturbed. */
  otherCpuPercent: number;
  sendLagP99Ms: number;
  rejects: number;
  /** RSS before the bots connected, with all connected and subscribed (both after a full GC), and the highest seen under load. */
  rssStartKiB: number;
  rssIdleKiB: number;
  rssPeakKiB: number;
  rssEndKiB: number;
  /** Ours only: from /metrics at the window's edges. */
  serverDiffMsgsPerSec: number;
  ticksPerSec: number;
  metricsStart: MetricValues | null;
  metricsEnd: MetricValues | null;
  timeline: TimelinePoint[];
  serverAlive: boolean;
}

interface GeneratorProcess {
  child: ChildProcess;
  ready: Promise<void>;
  result: Promise<GeneratorResult>;
}

function startGenerator(config: GeneratorConfig, timeoutMs: number, cpus: string): GeneratorProcess {
  const child = spawnPinnedNode(cpus, [GENERATOR_SCRIPT, JSON.stringify(config)]);
  const stderr = new Tail();
  let result: GeneratorResult | null = null;
  let onReady: () => void = () => {};
  const ready = new Promise<void>((resolve) => (onReady = resolve));
  onLines(child.stderr!, (line) => {
    stderr.push(line);
    console.error(`  [generator ${config.index}] ${line}`);
  });
  onLines(child.stdout!, (line) => {
    let event: { event?: string };
    try {
      event = JSON.parse(line) as { event?: string };
    } catch {
      console.error(`  [generator ${config.index}] ${line}`);
      return;
    }
    if (event.event === 'ready') {
      const e = event as { normal: number; slow: number; failed: number; connectMs: number };
      console.error(`  [generator ${config.index}] ready: ${e.normal + e.slow} bots (${e.failed} failed) in ${(e.connectMs / 1000).toFixed(1)} s`);
      onReady();
    } else if (event.event === 'result') result = event as GeneratorResult;
  });
  const resultPromise = withTimeout(closed(child), timeoutMs, `generator ${config.index}`)
    .catch((err: unknown) => {
      child.kill('SIGKILL');
      throw err;
    })
    .then((status) => {
      if (status.code !== 0 || result === null) {
        throw new Error(`generator ${config.index} failed (${status.signal ?? `exit ${status.code}`}): ${stderr.toString() || 'no output'}`);
      }
      return result;
    });
  // A generator that dies before it is ready fails `ready` too.
  const readyOrDied = Promise.race([ready, resultPromise.then(() => { throw new Error(`generator ${config.index} exited before it was ready`); })]);
  resultPromise.catch(() => {}); // observed through readyOrDied / result
  readyOrDied.catch(() => {});
  return { child, ready: readyOrDied, result: resultPromise };
}

function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

function stats(sorted: Float64Array): LatencyStats {
  return { count: sorted.length, p50: percentile(sorted, 50), p95: percentile(sorted, 95), p99: percentile(sorted, 99), max: sorted.length > 0 ? sorted[sorted.length - 1]! : NaN };
}

/** Joins every generator's receive times with the send times of whichever generator placed. */
function joinLatencies(prefixes: string[], total: number, windowStart: number, bucketMs: number): { latency: LatencyStats; first: LatencyStats; unmatched: number; byTime: LatencyBucket[] } {
  const send = new Float64Array(total).fill(NaN);
  for (const prefix of prefixes) {
    const bytes = readFileSync(`${prefix}.send`);
    const mine = new Float64Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 8);
    for (let i = 0; i < mine.length; i++) if (!Number.isNaN(mine[i]!)) send[i] = mine[i]!;
  }
  const parts: Float64Array[] = [];
  const firstSeen = new Float64Array(total).fill(Infinity);
  const buckets = new Map<number, number[]>();
  let unmatched = 0;
  for (const prefix of prefixes) {
    const seqBytes = readFileSync(`${prefix}.recv-seq`);
    const timeBytes = readFileSync(`${prefix}.recv-t`);
    const seqs = new Uint32Array(seqBytes.buffer.slice(seqBytes.byteOffset, seqBytes.byteOffset + seqBytes.byteLength));
    const times = new Float64Array(timeBytes.buffer.slice(timeBytes.byteOffset, timeBytes.byteOffset + timeBytes.byteLength));
    const latencies = new Float64Array(seqs.length);
    let n = 0;
    for (let i = 0; i < seqs.length; i++) {
      const sentAt = send[seqs[i]!]!;
      if (Number.isNaN(sentAt)) unmatched++;
      else {
        const latency = times[i]! - sentAt;
        latencies[n++] = latency;
        if (latency < firstSeen[seqs[i]!]!) firstSeen[seqs[i]!] = latency;
        const bucket = Math.floor((sentAt - windowStart) / bucketMs);
        let list = buckets.get(bucket);
        if (!list) buckets.set(bucket, (list = []));
        list.push(latency);
      }
    }
    parts.push(latencies.subarray(0, n));
  }
  const all = new Float64Array(parts.reduce((sum, p) => sum + p.length, 0));
  let at = 0;
  for (const part of parts) {
    all.set(part, at);
    at += part.length;
  }
  all.sort();
  const first = firstSeen.filter((t) => t !== Infinity).sort();
  return {
    latency: stats(all),
    first: stats(first),
    unmatched,
    byTime: [...buckets].sort((a, b) => a[0] - b[0]).map(([bucket, list]) => {
      const sorted = Float64Array.from(list).sort();
      return { tMs: bucket * bucketMs, count: sorted.length, p50: percentile(sorted, 50), p99: percentile(sorted, 99), max: sorted[sorted.length - 1]! };
    }),
  };
}

/**
 * CPU seconds used so far by every process on the machine, each with its reaped children's
 * (cutime + cstime): a short-lived process (a test run, a compiler) that starts and exits
 * within the window shows up in its parent's children's time once it is waited for.
 */
function allProcessCpu(): Map<number, number> {
  const times = new Map<number, number>();
  for (const name of readdirSync('/proc')) {
    const pid = Number(name);
    if (!Number.isInteger(pid)) continue;
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      times.set(pid, (Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14])) / 100); // utime stime cutime cstime, USER_HZ
    } catch {
      // gone meanwhile
    }
  }
  return times;
}

/**
 * CPU % (of one core) used over the window by processes other than `mine`. A process's CPU
 * ends up in its parent's children's time when it exits, so: what the processes alive at the
 * end gained (all of it for those born meanwhile), minus what the processes that exited
 * meanwhile had already used at the start (their parent's gain counts their whole life).
 */
function otherCpuPercent(before: Map<number, number>, after: Map<number, number>, mine: Set<number>, wallS: number): number {
  let other = 0;
  for (const [pid, seconds] of after) if (!mine.has(pid)) other += seconds - (before.get(pid) ?? 0);
  for (const [pid, seconds] of before) if (!mine.has(pid) && !after.has(pid)) other -= seconds;
  return (Math.max(0, other) / wallS) * 100;
}

const SERVICES = new Set(['redis-server', 'postgres']);

/** CPU % (of one core) of the Redis and PostgreSQL processes alive at the end of the window. */
function servicesCpuPercent(before: Map<number, number>, after: Map<number, number>, wallS: number): number {
  let used = 0;
  for (const [pid, seconds] of after) {
    let name = '';
    try {
      name = readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
    } catch {
      continue;
    }
    if (SERVICES.has(name)) used += seconds - (before.get(pid) ?? 0);
  }
  return (used / wallS) * 100;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Other processes must use less than this (% of one core) for the machine to count as quiet. */
export const QUIET_OTHER_CPU_PERCENT = 10;

/**
 * Waits (at most `maxWaitMs`) until the other processes on the machine use less than
 * QUIET_OTHER_CPU_PERCENT over a second: on two cores, someone else's build or test run
 * would take a core from the server or the generator. Returns the last reading.
 */
export async function waitForQuiet(mine: number[], maxWaitMs: number): Promise<number> {
  const deadline = performance.now() + maxWaitMs;
  const own = new Set([process.pid, ...mine]);
  let said = false;
  for (;;) {
    const before = allProcessCpu();
    const t = performance.now();
    await sleep(1000);
    const other = otherCpuPercent(before, allProcessCpu(), own, (performance.now() - t) / 1000);
    if (other < QUIET_OTHER_CPU_PERCENT || performance.now() >= deadline) {
      if (said) console.error(`  other processes now at ${other.toFixed(0)}% of a core${other < QUIET_OTHER_CPU_PERCENT ? '' : ': going ahead anyway'}`);
      return other;
    }
    if (!said) console.error(`  waiting for a quiet machine (other processes use ${other.toFixed(0)}% of a core) …`);
    said = true;
  }
}
let loadCount = 0;

/** Runs `spec` against `server` (already started); `kind` says whether /metrics exists. */
export async function driveLoad(server: RunningServer, ours: boolean, spec: LoadSpec, label: string): Promise<LoadResult> {
  const board = benchBoard(BOARD_ID);
  // Past 1,000 clients, only about 1,000 of them parse DIFF entries (one in parseEvery).
  const parseEvery = Math.max(1, Math.floor(spec.clients / 1000));
  const parsing = Math.ceil(spec.clients / parseEvery);
  const receivers = spec.viewportChunks === null ? parsing : parsing * Math.min(1, (spec.viewportChunks / (board.width / board.chunkSize)) ** 2);
  const placementsInWindow = (spec.ratePerSec * spec.durationMs) / 1000;
  const sampleEvery = sampleEveryFor(placementsInWindow, receivers);
  const schedule: ScheduleSpec = {
    width: board.width,
    height: board.height,
    ratePerSec: spec.ratePerSec,
    warmupMs: spec.warmupMs,
    durationMs: spec.durationMs,
    sampleEvery,
  };
  const total = new Schedule(schedule).total; // also checks the schedule fits the board

  await waitForQuiet([server.pid], spec.quietWaitMs);
  await server.gc();
  const rssStartKiB = server.rssKiB();

  // ---- generators: connect, subscribe, wait ----
  const run = ++loadCount;
  const split = (n: number, g: number) => Math.floor(n / spec.generators) + (g < n % spec.generators ? 1 : 0);
  const timeoutMs = 120_000 + spec.warmupMs + spec.durationMs + spec.drainMs;
  const processes: GeneratorProcess[] = [];
  const prefixes: string[] = [];
  // The placing / measuring generators, and (if any) one more process for the slow clients and
  // their painters, so that a slow client's burst of reading after a pause cannot stall the
  // event loop that timestamps the normal clients' reads.
  const roles: { index: number; normal: number; slow: number; resume: number; places: boolean; flood: GeneratorConfig['flood'] }[] = [];
  for (let g = 0; g < spec.generators; g++) roles.push({ index: g, normal: split(spec.clients, g), slow: 0, resume: 0, places: true, flood: null });
  if (spec.slowClients > 0) {
    roles.push({ index: spec.generators, normal: 0, slow: spec.slowClients, resume: spec.resumeSlow, places: false, flood: spec.flood });
  }
  for (const role of roles) {
    const outPrefix = join(SCRATCH, `load-${run}-gen-${role.index}`);
    prefixes.push(outPrefix);
    processes.push(startGenerator({
      index: role.index,
      generators: spec.generators,
      placements: role.places,
      target: { host: server.host, port: server.port, path: '/ws' },
      localAddresses: spec.localAddresses,
      boardId: BOARD_ID,
      normalClients: role.normal,
      slowClients: role.slow,
      resumeSlow: role.resume,
      pauseAtMs: spec.pauseAtMs,
      resumeAtMs: spec.resumeAtMs,
      viewportChunks: spec.viewportChunks,
      deflate: spec.deflate,
      flood: role.flood,
      parseEvery,
      concurrency: 200,
      handshakeTimeoutMs: 30_000,
      schedule,
      drainMs: spec.drainMs,
      outPrefix,
    }, timeoutMs, spec.generatorCpus ?? String(GENERATOR_CPU)));
  }
  try {
    await Promise.all(processes.map((p) => p.ready));
  } catch (err) {
    for (const p of processes) p.child.kill('SIGKILL');
    throw err;
  }
  await server.gc();
  const rssIdleKiB = server.rssKiB();

  // ---- the run ----
  const t0 = epochNow() + 300;
  for (const p of processes) p.child.stdin!.write(`go ${t0}\n`);
  const windowStart = t0 + spec.warmupMs;
  const windowEnd = windowStart + spec.durationMs;
  const at = (time: number) => sleep(Math.max(0, time - epochNow()));

  let cpu0 = NaN;
  let cpu1 = NaN;
  let wall0 = 0;
  let wall1 = 0;
  let metricsStart: MetricValues | null = null;
  let metricsEnd: MetricValues | null = null;
  let all0 = new Map<number, number>();
  let all1 = new Map<number, number>();
  let serverLoop: LoopDelay = { p99Ms: NaN, maxMs: NaN, gc: { count: NaN, totalMs: NaN, maxMs: NaN } };
  let serverIds: number[] = [server.pid];
  const scrape = async () => (ours && server.alive ? scrapeMetrics(server.host, server.port).catch(() => null) : null);
  const windowSampler = (async () => {
    await at(windowStart);
    all0 = allProcessCpu();
    serverIds = server.processIds();
    cpu0 = server.cpuSeconds(serverIds);
    wall0 = epochNow();
    if (server.alive) server.resetLoopDelay();
    if (server.alive && serverProfile.dir) server.startProfile();
    metricsStart = await scrape();
    await at(windowEnd);
    if (server.alive && serverProfile.dir) server.stopProfile(join(serverProfile.dir, `${label.replace(/[^\w-]+/g, '-')}-${server.spec.name}-${run}.cpuprofile`));
    if (server.alive) serverLoop = await server.loopDelay().catch(() => serverLoop);
    cpu1 = server.cpuSeconds(serverIds);
    wall1 = epochNow();
    all1 = allProcessCpu();
    metricsEnd = await scrape();
  })();

  const timeline: TimelinePoint[] = [];
  let rssPeakKiB = rssIdleKiB;
  let sampling = true;
  const timelineSampler = (async () => {
    let next = t0;
    while (sampling && server.alive) {
      await at(next);
      if (!sampling || !server.alive) break;
      const rssKiB = server.rssKiB();
      if (epochNow() < windowEnd + spec.drainMs) rssPeakKiB = Math.max(rssPeakKiB, rssKiB);
      timeline.push({ tMs: epochNow() - windowStart, rssKiB, metrics: spec.timelineMetrics ? await scrape() : null });
      next += spec.timelineMs;
    }
  })();

  let results: GeneratorResult[];
  try {
    results = await Promise.all(processes.map((p) => p.result));
  } finally {
    sampling = false;
    for (const p of processes) p.child.kill('SIGKILL'); // no-op for those that exited
  }
  await windowSampler;
  await timelineSampler;
  const rssEndKiB = server.alive ? server.rssKiB() : NaN;

  const { latency, first, unmatched, byTime } = joinLatencies(prefixes, total, windowStart, spec.timelineMs);
  const sum = (key: keyof GeneratorResult) => results.reduce((s, r) => s + (r[key] as number), 0);
  const windowS = spec.durationMs / 1000;
  const serverWallS = (wall1 - wall0) / 1000;
  const serverCpuSeconds = cpu1 - cpu0;
  const diffMsgs = sum('diffsInWindow');
  const counterDelta = (name: string) => {
    const a = (metricsStart as MetricValues | null)?.get(name);
    const b = (metricsEnd as MetricValues | null)?.get(name);
    return a === undefined || b === undefined ? NaN : (b - a) / serverWallS;
  };
  console.error(`  [${label}] p50 ${latency.p50.toFixed(1)} ms, p99 ${latency.p99.toFixed(1)} ms over ${latency.count} pairs; ` +
    `first receiver p50 ${first.p50.toFixed(1)} ms; ${Math.round(diffMsgs / windowS)} DIFF/s; server ${((serverCpuSeconds / serverWallS) * 100).toFixed(0)}% CPU, ` +
    `loop delay p99 ${serverLoop.p99Ms.toFixed(0)} ms (max ${serverLoop.maxMs.toFixed(0)}), GC ${serverLoop.gc.totalMs.toFixed(0)} ms (longest ${serverLoop.gc.maxMs.toFixed(0)}); generator ${sum('cpuPercent').toFixed(0)}% CPU, ` +
    `loop delay p99 ${Math.max(...results.map((r) => r.loopDelayP99Ms)).toFixed(0)} ms`);
  return {
    spec,
    sampleEvery,
    parseEvery,
    generators: results,
    normalConnected: sum('normalConnected'),
    slowConnected: sum('slowConnected'),
    failedConnects: sum('failedConnects'),
    connectErrors: results.flatMap((r) => r.connectErrors),
    connectMs: Math.max(...results.map((r) => r.connectMs)),
    latency,
    firstReceiver: first,
    latencyByTime: byTime,
    serverLoopDelayP99Ms: serverLoop.p99Ms,
    serverLoopDelayMaxMs: serverLoop.maxMs,
    serverGcTotalMs: serverLoop.gc.totalMs,
    serverGcMaxMs: serverLoop.gc.maxMs,
    generatorLoopDelayP99Ms: Math.max(...results.map((r) => r.loopDelayP99Ms)),
    deliveredPct: (sum('pairs') / sum('expectedPairs')) * 100,
    unmatchedPairs: unmatched,
    diffMsgsPerSec: diffMsgs / windowS,
    diffBytesPerSec: sum('diffBytesInWindow') / windowS,
    diffWireBytesPerSec: sum('diffWireBytesInWindow') / windowS,
    placementsPerSec: sum('placedInWindow') / windowS,
    serverCpuSeconds,
    serverCpuPercent: (serverCpuSeconds / serverWallS) * 100,
    serverUsPerMsg: diffMsgs > 0 ? (serverCpuSeconds * 1e6) / diffMsgs : NaN,
    generatorCpuPercent: sum('cpuPercent'),
    serverProcesses: serverIds.length,
    servicesCpuPercent: servicesCpuPercent(all0, all1, serverWallS),
    otherCpuPercent: otherCpuPercent(all0, all1, new Set([...serverIds, process.pid, ...processes.map((p) => p.child.pid!)]), serverWallS),
    sendLagP99Ms: Math.max(...results.map((r) => r.sendLagP99Ms)),
    rejects: sum('rejects'),
    rssStartKiB,
    rssIdleKiB,
    rssPeakKiB,
    rssEndKiB,
    serverDiffMsgsPerSec: counterDelta('tessera_diff_messages_total'),
    ticksPerSec: counterDelta('tessera_ticks_total'),
    metricsStart,
    metricsEnd,
    timeline,
    serverAlive: server.alive,
  };
}

/** Observations worth a note under the tables. */
export function loadNotes(label: string, r: LoadResult): string[] {
  const notes: string[] = [];
  if (r.generatorCpuPercent >= 90) {
    notes.push(`${label}: the generator used ${r.generatorCpuPercent.toFixed(0)}% of its core — the generator, not the server, is the bottleneck; ` +
      'latencies include its own queueing and the server numbers are lower bounds');
  }
  if (r.otherCpuPercent > QUIET_OTHER_CPU_PERCENT) {
    notes.push(`${label}: other processes used ${r.otherCpuPercent.toFixed(0)}% of a core during the window — the machine was not quiet, rerun to trust this row`);
  }
  if (r.failedConnects > 0) notes.push(`${label}: ${r.failedConnects} bots failed to connect ${JSON.stringify(r.connectErrors)}`);
  const dropped = r.generators.reduce((s, g) => s + g.droppedNormal, 0);
  if (dropped > 0) notes.push(`${label}: ${dropped} normal bots lost their connection during the run`);
  if (r.rejects > 0) notes.push(`${label}: ${r.rejects} placements rejected ${JSON.stringify(r.generators.map((g) => g.rejectReasons))}`);
  const mismatches = r.generators.reduce((s, g) => s + g.colorMismatches, 0);
  if (mismatches > 0) notes.push(`${label}: ${mismatches} delivered pixels had an unexpected colour`);
  if (r.unmatchedPairs > 0) notes.push(`${label}: ${r.unmatchedPairs} receptions matched no send time`);
  if (r.deliveredPct < 99.9) notes.push(`${label}: only ${r.deliveredPct.toFixed(2)}% of the expected (placement, receiver) pairs arrived within the drain time`);
  if (r.sendLagP99Ms > 20) notes.push(`${label}: the generator sent placements late (p99 ${r.sendLagP99Ms.toFixed(0)} ms after their due time): its event loop was busy`);
  for (const g of r.generators) {
    if (g.loopDelayP99Ms > 20) {
      notes.push(`${label}: generator ${g.index}'s event loop was late by up to ${g.loopDelayMaxMs.toFixed(0)} ms (p99 ${g.loopDelayP99Ms.toFixed(0)} ms): ` +
        'its reads, and so the measured latencies, include that delay');
    }
  }
  if (!r.serverAlive) notes.push(`${label}: the server exited during the run`);
  return notes;
}
