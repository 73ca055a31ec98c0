// Canvas benchmark runner:
//   node build/bench/canvas/run.js [--quick] [--only pixels-prd,reference,scale,scale-whole,scale-reference,scale-viewport,scale-viewport-reference,slow-client,http,sweep,compression]
//                                  [--generators N] [--sweep 250,500,1000,2000,5000] [--out DIR]
//                                  [--retries 1] [--quiet-wait 60] [--cpu-prof DIR] [--pairs 2]
// scale: 10,000 clients, whole board and 3×3 viewports; scale-whole: the whole-board run only;
// scale-reference: the whole-board run against the ws reference; scale-viewport and
// scale-viewport-reference: the 3×3-viewport run, ours and the reference. --cpu-prof DIR: each run's server
// writes a V8 CPU profile of the measured window into DIR.
// `compression` runs the pixels-prd load with bots that do not and that do offer
// permessage-deflate, alternately, --pairs times.
// Before each run it waits (up to --quiet-wait seconds) for the rest of the machine to be
// quiet, and runs again (up to --retries times) if other processes still took more than
// 10% of a core during the measured window, keeping the least disturbed attempt.
// Every scenario starts its own server on core 0 (ours, or the ws reference) with a board
// config written for it, runs the bot generator(s) on core 1, and stops the server. The
// Markdown report goes to stdout and to DIR/canvas-<date>.md (DIR: bench/results), with
// the latency chart next to it as canvas-<date>-latency.svg.
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { ROOT } from '../echo/children.js';
import { CpuWindow } from '../echo/cpu-window.js';
import { runGenerator } from '../echo/generator-process.js';
import type { RunningServer } from '../echo/server-process.js';
import { lineChart } from './chart.js';
import { QUIET_OTHER_CPU_PERCENT, driveLoad, loadNotes, waitForQuiet, type LoadResult, type LoadSpec } from './load.js';
import { fetchText } from './metrics-scrape.js';
import { serverProfile, startServer, storageMode, type ServerKind } from './server-setup.js';
import type { ServerConfig } from '../../src/config/settings.js';

type ServerSettings = ServerConfig;

const SCENARIOS = ['pixels-prd', 'reference', 'scale', 'scale-whole', 'scale-reference', 'scale-viewport', 'scale-viewport-reference', 'slow-client', 'http', 'sweep', 'compression'] as const;
type ScenarioName = (typeof SCENARIOS)[number];
const LOCAL_ADDRESSES = ['127.0.0.1', '127.0.0.2', '127.0.0.3', '127.0.0.4'];
const HTTP_GENERATOR = 'build/bench/echo/http-load.js';
const HTTP_PATHS = ['/api/boards/place/chunks/0/0', '/api/boards/place/chunks/0/0.png'];

// Targets of the scale scenario.
const SCALE_P99_TARGET_MS = 100;
const SCALE_RSS_TARGET_KIB = 20;

interface Options {
  quick: boolean;
  only: ScenarioName[];
  generators: number;
  sweep: number[];
  out: string;
  retries: number;
  quietWaitS: number;
  pairs: number;
  /** The slow-client scenario's stalled bots, and how many of them read again. */
  slowClients: number;
  resumeSlow: number;
}

function options(): Options {
  const usage = `usage: node build/bench/canvas/run.js [--quick] [--only ${SCENARIOS.join(',')}] [--generators 1] [--sweep 250,500,1000,2000,5000] [--out DIR] [--retries 1] [--quiet-wait 60] [--in-memory] [--cpu-prof DIR] [--pairs 2] [--slow-clients 20 --resume-slow 10]`;
  try {
    const { values } = parseArgs({
      options: {
        quick: { type: 'boolean' },
        only: { type: 'string' },
        generators: { type: 'string' },
        sweep: { type: 'string' },
        out: { type: 'string' },
        retries: { type: 'string' },
        'quiet-wait': { type: 'string' },
        'in-memory': { type: 'boolean' },
        'cpu-prof': { type: 'string' },
        pairs: { type: 'string' },
        'slow-clients': { type: 'string' },
        'resume-slow': { type: 'string' },
        help: { type: 'boolean' },
      },
    });
    if (values.help) throw new Error('');
    storageMode.inMemory = values['in-memory'] ?? false;
    serverProfile.dir = values['cpu-prof'] ?? '';
    const quick = values.quick ?? false;
    const only = (values.only ? values.only.split(',') : [...SCENARIOS]) as ScenarioName[];
    const unknown = only.filter((s) => !SCENARIOS.includes(s));
    if (unknown.length > 0) throw new Error(`unknown scenario: ${unknown.join(', ')}`);
    const generators = Number(values.generators ?? 1);
    if (!Number.isInteger(generators) || generators < 1 || generators > 8) throw new Error('--generators needs 1 to 8');
    const sweep = (values.sweep ?? (quick ? '' : '250,500,1000,2000,5000')).split(',').filter(Boolean).map(Number);
    if (sweep.some((n) => !Number.isInteger(n) || n < 1 || n > 15_000)) throw new Error('--sweep needs client counts from 1 to 15000');
    const retries = Number(values.retries ?? 1);
    if (!Number.isInteger(retries) || retries < 0 || retries > 5) throw new Error('--retries needs 0 to 5');
    const quietWaitS = Number(values['quiet-wait'] ?? 60);
    if (!(quietWaitS >= 0)) throw new Error('--quiet-wait needs a number of seconds ≥ 0');
    const pairs = Number(values.pairs ?? 2);
    if (!Number.isInteger(pairs) || pairs < 1 || pairs > 10) throw new Error('--pairs needs 1 to 10');
    const slowClients = Number(values['slow-clients'] ?? 20);
    const resumeSlow = Number(values['resume-slow'] ?? Math.min(10, slowClients));
    if (!Number.isInteger(slowClients) || slowClients < 1 || slowClients > 1000) throw new Error('--slow-clients needs 1 to 1000');
    if (!Number.isInteger(resumeSlow) || resumeSlow < 0 || resumeSlow > slowClients) throw new Error('--resume-slow needs 0 to --slow-clients');
    return { quick, only, generators, sweep, out: values.out ?? join(ROOT, 'bench/results'), retries, quietWaitS, pairs, slowClients, resumeSlow };
  } catch (err) {
    console.error(`${(err as Error).message}\n${usage}`.trim());
    process.exit(64);
  }
}

// ---- scenario parameters ----

function scenarioSpecs(o: Options) {
  const warmupMs = o.quick ? 1000 : 3000;
  const durationMs = o.quick ? 3000 : 10_000;
  const drainMs = o.quick ? 1000 : 2000;
  const base: LoadSpec = {
    clients: 1000,
    slowClients: 0,
    resumeSlow: 0,
    pauseAtMs: null,
    resumeAtMs: null,
    ratePerSec: 200,
    warmupMs,
    durationMs,
    drainMs,
    generators: o.generators,
    localAddresses: LOCAL_ADDRESSES,
    viewportChunks: null,
    deflate: false,
    flood: null,
    quietWaitMs: o.quietWaitS * 1000,
    timelineMs: 1000,
    timelineMetrics: false,
  };
  const slowDurationMs = o.quick ? 20_000 : 45_000;
  const slowResumeAfterMs = o.quick ? 10_000 : 20_000;
  return {
    pixelsPrd: { tickHz: 60, load: base },
    scale: { tickHz: 20, load: { ...base, clients: 10_000, ratePerSec: 1000 } },
    // The same with each client watching a 3 × 3-chunk window (300 × 300 px) instead of the whole board.
    scaleViewport: { tickHz: 20, load: { ...base, clients: 10_000, ratePerSec: 1000, viewportChunks: 3 } },
    slow: {
      tickHz: 60,
      // Clients behind this long are closed; the default (30 s) in the full run, less in --quick so it shows.
      deadlineMs: o.quick ? 8000 : 30_000,
      load: {
        ...base,
        clients: 200,
        slowClients: o.slowClients,
        resumeSlow: o.resumeSlow,
        ratePerSec: 500,
        warmupMs: 2000,
        durationMs: slowDurationMs,
        pauseAtMs: 2000,
        resumeAtMs: 2000 + slowResumeAfterMs,
        // 300 whole 32×32 tiles/s on two chunks of `mosaic`, watched by the slow clients only: ~0.9 MB/s each.
        flood: { boardId: 'mosaic', chunksWide: 2, tilesPerSec: 300, painters: 4 },
        timelineMetrics: true,
      } satisfies LoadSpec,
    },
    http: { connections: 50, pipelining: 1, warmupS: o.quick ? 1 : 2, durationS: o.quick ? 3 : 10 },
  };
}

// ---- running ----

type Outcome<T> = { ok: true; value: T } | { ok: false; error: string };

async function withServer<T>(kind: ServerKind, settings: Partial<ServerSettings>, fn: (server: RunningServer) => Promise<T>): Promise<Outcome<T>> {
  let server: RunningServer | undefined;
  try {
    server = await startServer(kind, settings);
    return { ok: true, value: await fn(server) };
  } catch (err) {
    const output = server?.recentOutput();
    return { ok: false, error: (err as Error).message + (output ? `\nserver output:\n${output}` : '') };
  } finally {
    await server?.stop();
  }
}

let retries = 0;

async function runLoad(label: string, kind: ServerKind, settings: Partial<ServerSettings>, spec: LoadSpec): Promise<Outcome<LoadResult>> {
  let best: Outcome<LoadResult> | null = null;
  for (let attempt = 0; attempt <= retries; attempt++) {
    console.error(`[${label}] ${kind}: ${spec.clients + spec.slowClients} clients, ${settings.tickRateHz} Hz, ${spec.ratePerSec} px/s …${attempt > 0 ? ` (attempt ${attempt + 1})` : ''}`);
    const outcome = await withServer(kind, settings, (server) => driveLoad(server, kind === 'ours', spec, label));
    if (!outcome.ok) return best ?? outcome;
    if (best === null || !best.ok || outcome.value.otherCpuPercent < best.value.otherCpuPercent) best = outcome;
    if (outcome.value.otherCpuPercent <= QUIET_OTHER_CPU_PERCENT) break;
    if (attempt < retries) console.error(`  [${label}] other processes used ${outcome.value.otherCpuPercent.toFixed(0)}% of a core: running it again`);
  }
  return best!;
}

interface HttpRow {
  path: string;
  outcome: Outcome<{ requestsPerSec: number; p50: number; p99: number; serverUsPerRequest: number; serverCpu: number; generatorCpu: number; otherCpu: number; non2xx: number; errors: number; bytes: number }> | { ok: 'skipped'; reason: string };
}

async function runHttp(spec: ReturnType<typeof scenarioSpecs>['http'], quietWaitMs: number): Promise<Outcome<HttpRow[]>> {
  console.error('[http] ours …');
  return withServer('ours', { tickRateHz: 60 }, async (server) => {
    // Put some pixels on the board first (10,000 over the whole board, so about 100 in chunk (0, 0)).
    await driveLoad(server, true, {
      clients: 100, slowClients: 0, resumeSlow: 0, pauseAtMs: null, resumeAtMs: null, ratePerSec: 4000,
      warmupMs: 0, durationMs: 2500, drainMs: 500, generators: 1, localAddresses: LOCAL_ADDRESSES,
      viewportChunks: 1, deflate: false, flood: null, quietWaitMs: 0, timelineMs: 1000, timelineMetrics: false,
    }, 'http fill');
    const rows: HttpRow[] = [];
    for (const path of HTTP_PATHS) {
      const probe = await fetchText(server.host, server.port, path).catch((err: Error) => ({ status: 0, body: err.message }));
      if (probe.status === 404 || probe.status === 0) {
        rows.push({ path, outcome: { ok: 'skipped', reason: probe.status === 0 ? probe.body : 'GET answered 404: no such endpoint (yet)' } });
        continue;
      }
      if (probe.status !== 200) {
        // Say why, from the server's log line if it wrote one.
        const logged = server.recentOutput().split('\n').reverse().find((line) => line.includes(path)) ?? '';
        let why = '';
        try {
          why = String((JSON.parse(logged) as { error?: string }).error ?? '').split('\n')[0]!;
        } catch {
          why = logged.slice(0, 200);
        }
        rows.push({ path, outcome: { ok: false, error: `GET answered ${probe.status}${why ? ` — server log: ${why}` : ''}` } });
        continue;
      }
      await waitForQuiet([server.pid], quietWaitMs);
      const cpu = new CpuWindow(server.pid);
      const url = `http://${server.host}:${server.port}${path}`;
      try {
        const r = await runGenerator(HTTP_GENERATOR, [JSON.stringify({ url, ...spec })],
          (e, child) => cpu.onEvent(e.event, child.pid!), 120_000);
        const rps = Number(r.requestsPerSec);
        rows.push({
          path,
          outcome: {
            ok: true,
            value: {
              requestsPerSec: rps,
              p50: Number(r.latencyP50Ms),
              p99: Number(r.latencyP99Ms),
              serverCpu: cpu.serverPercent,
              serverUsPerRequest: (cpu.serverPercent / 100) * (1e6 / rps),
              generatorCpu: Number(r.generatorCpuPercent),
              otherCpu: cpu.otherPercent,
              non2xx: Number(r.non2xx),
              errors: Number(r.errors) + Number(r.timeouts),
              bytes: probe.body.length,
            },
          },
        });
      } catch (err) {
        rows.push({ path, outcome: { ok: false, error: (err as Error).message } });
      }
    }
    return rows;
  });
}

// ---- formatting ----

const n0 = (v: number) => (Number.isFinite(v) ? Math.round(v).toLocaleString('en-US') : 'n/a');
const n1 = (v: number) => (Number.isFinite(v) ? v.toLocaleString('en-US', { minimumFractionDigits: 1, maximumFractionDigits: 1 }) : 'n/a');
const n2 = (v: number) => (Number.isFinite(v) ? v.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 }) : 'n/a');
const mib = (kib: number) => n1(kib / 1024);
const secs = (ms: number) => `${ms / 1000} s`;

interface Row {
  label: string;
  server: string;
  tickHz: number;
  r: LoadResult;
}

function latencyTable(rows: Row[]): string[] {
  const lines = [
    '| run | server | clients | tick Hz | px/s | p50 ms | p95 ms | p99 ms | max ms | first receiver p50 ms | server loop delay p99 / max ms | generator loop delay p99 ms | delivered % | DIFF msg/s | server ticks/s | server CPU s | server CPU % | server CPU µs / DIFF msg | server RSS MiB (idle → peak) | generator CPU % | other processes CPU % |',
    '|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
  ];
  for (const { label, server, tickHz, r } of rows) {
    const clients = r.normalConnected + (r.slowConnected > 0 ? ` + ${r.slowConnected} slow` : '');
    lines.push(`| ${label} | ${server} | ${clients} | ${tickHz} | ${n0(r.placementsPerSec)} | ${n1(r.latency.p50)} | ${n1(r.latency.p95)} | ${n1(r.latency.p99)} | ${n1(r.latency.max)} | ` +
      `${n1(r.firstReceiver.p50)} | ${n0(r.serverLoopDelayP99Ms)} / ${n0(r.serverLoopDelayMaxMs)} | ${n0(r.generatorLoopDelayP99Ms)} | ${n2(r.deliveredPct)} | ${n0(r.diffMsgsPerSec)} | ${Number.isFinite(r.ticksPerSec) ? n1(r.ticksPerSec) : '—'} | ${n2(r.serverCpuSeconds)} | ${n0(r.serverCpuPercent)} | ${n2(r.serverUsPerMsg)} | ` +
      `${mib(r.rssIdleKiB)} → ${mib(r.rssPeakKiB)} | ${n0(r.generatorCpuPercent)}${r.generatorCpuPercent >= 90 ? ' ⚠' : ''} | ${n0(r.otherCpuPercent)}${r.otherCpuPercent > 10 ? ' ⚠' : ''} |`);
  }
  return lines;
}

function failedLine(label: string, error: string): string {
  return `- ${label}: FAILED — ${error.split('\n').join(' ⏎ ')}`;
}

async function main(): Promise<void> {
  const o = options();
  retries = o.retries;
  const specs = scenarioSpecs(o);
  const has = (s: ScenarioName) => o.only.includes(s);
  const rows: Row[] = [];
  const notes: string[] = [];
  const record = (label: string, server: string, tickHz: number, outcome: Outcome<LoadResult>): LoadResult | null => {
    if (!outcome.ok) {
      notes.push(failedLine(label, outcome.error).slice(2));
      console.error(`[${label}] FAILED: ${outcome.error}`);
      return null;
    }
    rows.push({ label, server, tickHz, r: outcome.value });
    notes.push(...loadNotes(label, outcome.value));
    return outcome.value;
  };

  // a. pixels-prd
  let prd: LoadResult | null = null;
  if (has('pixels-prd') || has('reference')) {
    prd = record('pixels-prd', 'ours', specs.pixelsPrd.tickHz, await runLoad('pixels-prd', 'ours', { tickRateHz: specs.pixelsPrd.tickHz }, specs.pixelsPrd.load));
  }

  // c. reference
  let ref: LoadResult | null = null;
  if (has('reference')) {
    ref = record('reference', 'ws reference', specs.pixelsPrd.tickHz, await runLoad('reference', 'reference', { tickRateHz: specs.pixelsPrd.tickHz }, specs.pixelsPrd.load));
  }

  // b. scale
  let scale: LoadResult | null = null;
  let scaleRef: LoadResult | null = null;
  let scaleViewport: LoadResult | null = null;
  if (has('scale') || has('scale-whole')) {
    scale = record('scale', 'ours', specs.scale.tickHz, await runLoad('scale', 'ours', { tickRateHz: specs.scale.tickHz }, specs.scale.load));
  }
  if (has('scale-reference')) {
    scaleRef = record('scale', 'ws reference', specs.scale.tickHz, await runLoad('scale, reference', 'reference', { tickRateHz: specs.scale.tickHz }, specs.scale.load));
  }
  let scaleViewportRef: LoadResult | null = null;
  if (has('scale-viewport-reference')) {
    scaleViewportRef = record('scale, 3×3 viewports', 'ws reference', specs.scaleViewport.tickHz,
      await runLoad('scale, 3×3 viewports, reference', 'reference', { tickRateHz: specs.scaleViewport.tickHz }, specs.scaleViewport.load));
  }
  if (has('scale') || has('scale-viewport')) {
    scaleViewport = record('scale, 3×3 viewports', 'ours', specs.scaleViewport.tickHz,
      await runLoad('scale, 3×3 viewports', 'ours', { tickRateHz: specs.scaleViewport.tickHz }, specs.scaleViewport.load));
  }

  // d. slow-client
  let slow: LoadResult | null = null;
  if (has('slow-client')) {
    slow = record('slow-client', 'ours', specs.slow.tickHz, await runLoad('slow-client', 'ours',
      { tickRateHz: specs.slow.tickHz, slowClientDeadlineMs: specs.slow.deadlineMs }, specs.slow.load));
  }

  // e. http
  let http: Outcome<HttpRow[]> | null = null;
  if (has('http')) http = await runHttp(specs.http, o.quietWaitS * 1000);

  // Latency against clients: the pixels-prd load at several client counts.
  const sweepPoints: { clients: number; r: LoadResult }[] = [];
  if (prd && prd.normalConnected > 0) sweepPoints.push({ clients: specs.pixelsPrd.load.clients, r: prd });
  if (has('sweep')) {
    for (const clients of o.sweep) {
      if (prd && clients === specs.pixelsPrd.load.clients) continue;
      const r = record(`sweep ${clients}`, 'ours', specs.pixelsPrd.tickHz,
        await runLoad(`sweep ${clients}`, 'ours', { tickRateHz: specs.pixelsPrd.tickHz }, { ...specs.pixelsPrd.load, clients }));
      if (r) sweepPoints.push({ clients, r });
    }
  }
  sweepPoints.sort((a, b) => a.clients - b.clients);

  // f. compression: the pixels-prd load, bots without and with permessage-deflate, alternately.
  const compressionRuns: { deflate: boolean; r: LoadResult }[] = [];
  if (has('compression')) {
    for (let pair = 1; pair <= o.pairs; pair++) {
      for (const deflate of [false, true]) {
        const label = `pixels-prd, ${deflate ? 'deflate' : 'plain'} #${pair}`;
        const r = record(label, 'ours', specs.pixelsPrd.tickHz,
          await runLoad(label, 'ours', { tickRateHz: specs.pixelsPrd.tickHz }, { ...specs.pixelsPrd.load, deflate }));
        if (r) compressionRuns.push({ deflate, r });
      }
    }
  }

  // ---- report ----
  const date = new Date().toISOString().slice(0, 19).replace(/:/g, '-');
  const svgName = `canvas-${date}-latency.svg`;
  const p = specs.pixelsPrd.load;
  const out: string[] = [
    `# Canvas benchmark ${date}${o.quick ? ' (quick)' : ''}`,
    '',
    `Node ${process.version}, ${cpus().length} × ${cpus()[0]?.model ?? 'unknown CPU'}. Server pinned to core 0, bot generator${o.generators > 1 ? `s (${o.generators} processes)` : ''} to core 1 (taskset). ` +
      'Boards of `bench/canvas/bench-config.json` (config/default.json with rate limits lifted), fresh server per run. ' +
      'Bots are raw-socket WebSocket clients subscribed to all 100 chunks of `place` (1000×1000) unless the run says otherwise; placements are spread round-robin over them, one pixel per PLACE, never the same pixel twice. ' +
      'Latency = time a receiving bot read the DIFF holding a pixel − time the placing bot wrote its PLACE (one wall clock for all processes), over every (placement, receiver) pair of the sampled placements. ' +
      `Windows: ${secs(p.warmupMs)} warm-up, ${secs(p.durationMs)} measured, ${secs(p.drainMs)} drain.`,
    '',
    '## Delivery latency and cost',
    '',
    ...latencyTable(rows),
    '',
    '"delivered %": pairs received ÷ pairs expected (sampled placements × subscribed receivers); "server CPU µs / DIFF msg": server CPU time (utime + stime from /proc) ÷ DIFF messages the bots read in the window; ' +
      '"server ticks/s": broadcast ticks actually run (ours, from /metrics; below the tick rate means ticks overran). ' +
      '⚠ on generator CPU: ≥ 90% of its core — the generator, not the server, is the bottleneck. "other processes CPU %": everything else on the machine (should be ~0; ⚠ above 10%: the run was disturbed).',
  ];

  if (prd || ref) {
    out.push('', `## Ours vs a ws reference server (${n0(p.clients)} clients, ${specs.pixelsPrd.tickHz} Hz, ${p.ratePerSec} px/s)`, '');
    if (prd && ref) {
      const cmp = (label: string, a: number, b: number, f: (v: number) => string) =>
        `| ${label} | ${f(a)} | ${f(b)} | ${Number.isFinite(a / b) ? `${(a / b).toFixed(2)}×` : ''} |`;
      out.push('| metric | ours | ws reference | ours ÷ reference |', '|---|---:|---:|---:|',
        cmp('server CPU µs per delivered DIFF message ↓', prd.serverUsPerMsg, ref.serverUsPerMsg, n2),
        cmp('server CPU % (core 0)', prd.serverCpuPercent, ref.serverCpuPercent, n0),
        cmp('DIFF messages delivered / s', prd.diffMsgsPerSec, ref.diffMsgsPerSec, n0),
        cmp('delivery p50 ms ↓', prd.latency.p50, ref.latency.p50, n1),
        cmp('delivery p99 ms ↓', prd.latency.p99, ref.latency.p99, n1),
        cmp('server RSS MiB, all subscribed (idle, after GC)', prd.rssIdleKiB / 1024, ref.rssIdleKiB / 1024, n1),
        cmp('generator CPU %', prd.generatorCpuPercent, ref.generatorCpuPercent, n0));
      const lower = prd.serverUsPerMsg < ref.serverUsPerMsg;
      out.push('', `Target "ours costs less CPU per delivered message than the ws reference": **${lower ? 'met' : 'missed'}** ` +
        `(${n2(prd.serverUsPerMsg)} vs ${n2(ref.serverUsPerMsg)} µs). The reference builds each client's DIFF with one Buffer and one ws.send per client per tick; ` +
        'ours encodes each changed chunk once and writes one shared prepared frame to every client that watches the same chunks.');
    } else out.push('Not measured (one of the two runs failed or was not selected).');
  }

  const scaleRuns: [string, LoadResult][] = [];
  if (scale) scaleRuns.push(['whole board', scale]);
  if (scaleRef) scaleRuns.push(['whole board, ws reference', scaleRef]);
  if (scaleViewport) scaleRuns.push(['3×3-chunk viewports', scaleViewport]);
  if (scaleViewportRef) scaleRuns.push(['3×3-chunk viewports, ws reference', scaleViewportRef]);
  if (scaleRuns.length > 0) {
    const s = specs.scale.load;
    const perConn = (r: LoadResult, kib: number) => (kib - r.rssStartKiB) / r.normalConnected;
    const verdict = (ok: boolean) => (ok ? 'met' : '**missed**');
    const row = (label: string, values: string[], target = '') => `| ${label} | ${values.join(' | ')} | ${target} |`;
    const each = (f: (r: LoadResult) => string) => scaleRuns.map(([, r]) => f(r));
    out.push('', `## Scale (${n0(s.clients)} clients over 127.0.0.1–4, ${specs.scale.tickHz} Hz, ${n0(s.ratePerSec)} px/s)`, '',
      `| metric | ${scaleRuns.map(([name]) => name).join(' | ')} | target |`, `|---|${scaleRuns.map(() => '---:|').join('')}---|`,
      row('delivery p99 ms', each((r) => `${n1(r.latency.p99)} (${verdict(r.latency.p99 <= SCALE_P99_TARGET_MS)})`), `≤ ${SCALE_P99_TARGET_MS}`),
      row('server RSS per connection, all subscribed, idle after GC, KiB', each((r) => `${n2(perConn(r, r.rssIdleKiB))} (${verdict(perConn(r, r.rssIdleKiB) <= SCALE_RSS_TARGET_KIB)})`), `≤ ${SCALE_RSS_TARGET_KIB}`),
      row('server RSS per connection, peak under load, KiB', each((r) => `${n2(perConn(r, r.rssPeakKiB))} (${verdict(perConn(r, r.rssPeakKiB) <= SCALE_RSS_TARGET_KIB)})`), `≤ ${SCALE_RSS_TARGET_KIB}`),
      row('delivery p50 / p95 / max ms', each((r) => `${n1(r.latency.p50)} / ${n1(r.latency.p95)} / ${n1(r.latency.max)}`)),
      row('first receiver of a placement: p50 / p99 ms', each((r) => `${n1(r.firstReceiver.p50)} / ${n1(r.firstReceiver.p99)}`)),
      row('server event-loop delay p99 / max ms', each((r) => `${n0(r.serverLoopDelayP99Ms)} / ${n0(r.serverLoopDelayMaxMs)}`)),
      row('server GC pauses in the window: total / longest ms', each((r) => `${n0(r.serverGcTotalMs)} / ${n0(r.serverGcMaxMs)}`)),
      row('generator event-loop delay p99 ms', each((r) => n0(r.generatorLoopDelayP99Ms))),
      row('clients parsing DIFF entries (latency sample)', each((r) => `1 in ${r.parseEvery}`)),
      row('delivered %', each((r) => n2(r.deliveredPct))),
      row('DIFF messages delivered / s', each((r) => n0(r.diffMsgsPerSec))),
      row('server ticks / s', each((r) => n1(r.ticksPerSec)), `${specs.scale.tickHz}`),
      row('server CPU %', each((r) => n0(r.serverCpuPercent))),
      row('server CPU µs per DIFF message', each((r) => n2(r.serverUsPerMsg))),
      row('generator CPU %', each((r) => `${n0(r.generatorCpuPercent)}${r.generatorCpuPercent >= 90 ? ' ⚠ generator-bound' : ''}`)),
      row('connect + subscribe all bots, s', each((r) => n1(r.connectMs / 1000))),
      '', 'RSS per connection = (RSS with every bot connected and subscribed − RSS before they connected) ÷ connections, both after a forced full GC; ' +
        'the peak is the highest RSS sampled (once a second) during the run, over the same baseline. ' +
        'A tick that takes longer than its interval delays the next one, so "server ticks / s" below the tick rate means the broadcaster could not keep up: ' +
        'each tick then carries more changes, to every client, and latency grows with the backlog.');
    for (const [name, r] of scaleRuns) {
      const bound = r.generatorCpuPercent >= 90 ? 'the generator (core 1) is saturated' : r.serverCpuPercent >= 90 ? 'the server (core 0) is saturated' : '';
      if (bound) out.push('', `${name}: ${bound} (${n0(r.diffMsgsPerSec)} DIFF messages/s read, one socket write on the server and one read in the generator each).`);
    }
  }

  if (slow) {
    const s = specs.slow.load;
    const m = slow.metricsEnd;
    const get = (name: string) => m?.get(name) ?? NaN;
    const rss = slow.timeline.map((t) => t.rssKiB);
    out.push('', `## Slow clients (${s.clients} normal + ${s.slowClients} that stop reading; ${specs.slow.tickHz} Hz)`, '',
      `The ${s.slowClients} slow bots watch what the normal ones watch (all of \`place\`) plus a busy region: ${s.flood!.painters} painter connections TILE_WRITE ` +
        `${s.flood!.tilesPerSec} whole 32×32 tiles/s on ${s.flood!.chunksWide} chunks of \`${s.flood!.boardId}\` (~0.9 MB/s of DIFFs per watcher; nobody else watches them). ` +
        `They stop reading their sockets when the window starts; ${s.resumeSlow} of them read again ${secs(s.resumeAtMs! - s.pauseAtMs!)} later, the others never do. ` +
        `A paused loopback socket absorbs ~4 MiB in the kernel before the server's own buffer grows. Server: slowClientHighWaterBytes 256 KiB, hard limit 4 MiB, ` +
        `slowClientDeadlineMs ${n0(specs.slow.deadlineMs)}${specs.slow.deadlineMs !== 30_000 ? ' (lowered from the default 30 s so the quick run shows it)' : ' (the default)'}. ` +
        `Normal clients: ${n0(s.ratePerSec)} px/s on \`place\`, ${secs(s.durationMs)} measured. ` +
        '(In the first table, this row\'s DIFF messages are the normal clients\' only, while the server CPU also covers the tile flood.)', '',
      '| metric | value |', '|---|---:|',
      `| normal clients' delivery p50 / p99 / max ms | ${n1(slow.latency.p50)} / ${n1(slow.latency.p99)} / ${n1(slow.latency.max)} |`,
      `| normal clients' delivered % | ${n2(slow.deliveredPct)} |`,
      `| tessera_slow_clients_closed_total | ${n0(get('tessera_slow_clients_closed_total'))} |`,
      `| tessera_catch_ups_total | ${n0(get('tessera_catch_ups_total'))} |`,
      `| tessera_clients_behind (end of window / highest seen) | ${n0(get('tessera_clients_behind'))} / ${n0(Math.max(...slow.timeline.map((t) => t.metrics?.get('tessera_clients_behind') ?? 0)))} |`,
      `| CHUNKs read by the slow bots after they paused (catch-ups) | ${n0(slow.generators.reduce((a, g) => a + g.slowChunksAfterPause, 0))} |`,
      `| server RSS MiB: idle → min / max during the run | ${mib(slow.rssIdleKiB)} → ${mib(Math.min(...rss))} / ${mib(Math.max(...rss))} |`,
      '', 'Over time (t = 0 at the start of the window, when the slow bots stop reading):', '',
      `| t s | server RSS MiB | clients behind | catch-ups | slow closed | normal clients' p50 / p99 ms, placements of [t, t + ${secs(s.timelineMs)}) |`,
      '|---:|---:|---:|---:|---:|---:|');
    const step = Math.max(1, Math.round(slow.timeline.length / 24));
    const byTime = new Map(slow.latencyByTime.map((b) => [b.tMs, b]));
    slow.timeline.forEach((t, i) => {
      if (i % step !== 0 && i !== slow!.timeline.length - 1) return;
      const v = (name: string) => n0(t.metrics?.get(name) ?? NaN);
      const b = byTime.get(Math.round(t.tMs / s.timelineMs) * s.timelineMs);
      out.push(`| ${n1(t.tMs / 1000)} | ${mib(t.rssKiB)} | ${v('tessera_clients_behind')} | ${v('tessera_catch_ups_total')} | ${v('tessera_slow_clients_closed_total')} | ` +
        `${b ? `${n1(b.p50)} / ${n1(b.p99)}` : ''} |`);
    });
  }

  if (http) {
    const h = specs.http;
    out.push('', `## HTTP (autocannon, ${h.connections} connections, pipelining ${h.pipelining}, ${h.durationS} s measured after ${h.warmupS} s warm-up; 10,000 pixels placed first)`, '');
    if (!http.ok) out.push(failedLine('http', http.error));
    else {
      out.push('| endpoint | requests/s | p50 ms | p99 ms | server CPU % | server CPU µs / request | generator CPU % | other processes CPU % | response bytes |', '|---|---:|---:|---:|---:|---:|---:|---:|---:|');
      for (const row of http.value) {
        if (row.outcome.ok === 'skipped') out.push(`| \`GET ${row.path}\` | skipped: ${row.outcome.reason} | | | | | | | |`);
        else if (!row.outcome.ok) out.push(`| \`GET ${row.path}\` | failed: ${row.outcome.error.split('\n')[0]!.replace(/\|/g, '\\|')} | | | | | | | |`);
        else {
          const v = row.outcome.value;
          out.push(`| \`GET ${row.path}\` | ${n0(v.requestsPerSec)} | ${n0(v.p50)} | ${n0(v.p99)} | ${n0(v.serverCpu)} | ${n1(v.serverUsPerRequest)} | ${n0(v.generatorCpu)} | ${n0(v.otherCpu)}${v.otherCpu > QUIET_OTHER_CPU_PERCENT ? ' ⚠' : ''} | ${n0(v.bytes)} |`);
          if (v.non2xx > 0 || v.errors > 0) notes.push(`http ${row.path}: ${v.non2xx} non-2xx answers, ${v.errors} errors/timeouts`);
          if (v.generatorCpu >= 90) notes.push(`http ${row.path}: autocannon used ${n0(v.generatorCpu)}% of its core — the generator is the bottleneck`);
        }
      }
      out.push('', 'autocannon reports latency at 1 ms resolution.');
    }
  }

  if (sweepPoints.length > 0) {
    const svg = lineChart(`Delivery latency, ${specs.pixelsPrd.tickHz} Hz, ${p.ratePerSec} px/s, whole board`, 'clients (log scale)', 'placement → delivery, ms', [
      { name: 'p50', colour: '#1f77b4', points: sweepPoints.map(({ clients, r }) => ({ x: clients, y: r.latency.p50 })) },
      { name: 'p99', colour: '#d62728', points: sweepPoints.map(({ clients, r }) => ({ x: clients, y: r.latency.p99 })) },
    ]);
    mkdirSync(o.out, { recursive: true });
    writeFileSync(join(o.out, svgName), svg);
    out.push('', `## Latency against clients (${specs.pixelsPrd.tickHz} Hz, ${p.ratePerSec} px/s)`, '', `![p50 and p99 delivery latency against clients](${svgName})`, '',
      '| clients | p50 ms | p99 ms | DIFF msg/s | server CPU % | server CPU µs / msg | generator CPU % |', '|---:|---:|---:|---:|---:|---:|---:|',
      ...sweepPoints.map(({ clients, r }) =>
        `| ${n0(clients)} | ${n1(r.latency.p50)} | ${n1(r.latency.p99)} | ${n0(r.diffMsgsPerSec)} | ${n0(r.serverCpuPercent)} | ${n2(r.serverUsPerMsg)} | ${n0(r.generatorCpuPercent)}${r.generatorCpuPercent >= 90 ? ' ⚠' : ''} |`));
    const tick = 1000 / specs.pixelsPrd.tickHz;
    out.push('', `A placement waits for the next tick (every ${n1(tick)} ms, so ${n1(tick / 2)} ms on average) before it is broadcast: that is the floor of p50.`);
  }

  if (compressionRuns.length > 0) {
    const perMsg = (r: LoadResult, perSec: number) => perSec / r.diffMsgsPerSec;
    const row = (label: string, deflate: boolean, r: LoadResult) =>
      `| ${label} | ${deflate ? 'permessage-deflate' : 'none'} | ${n1(r.latency.p50)} | ${n1(r.latency.p99)} | ${n0(r.diffMsgsPerSec)} | ` +
      `${n1(perMsg(r, r.diffWireBytesPerSec))} | ${n1(perMsg(r, r.diffBytesPerSec))} | ${n2(r.serverUsPerMsg)} | ${n0(r.serverCpuPercent)} | ` +
      `${n0(r.generatorCpuPercent)}${r.generatorCpuPercent >= 90 ? ' ⚠' : ''} | ${n0(r.otherCpuPercent)}${r.otherCpuPercent > QUIET_OTHER_CPU_PERCENT ? ' ⚠' : ''} |`;
    out.push('', `## Compression (${n0(p.clients)} clients, ${specs.pixelsPrd.tickHz} Hz, ${p.ratePerSec} px/s; bots without and with permessage-deflate, alternately)`, '',
      '| run | compression | p50 ms | p99 ms | DIFF msg/s | DIFF bytes on the wire / msg | DIFF payload bytes / msg | server CPU µs / DIFF msg | server CPU % | generator CPU % | other processes CPU % |',
      '|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
      ...compressionRuns.map(({ deflate, r }, i) => row(`#${Math.floor(i / 2) + 1}`, deflate, r)));
    out.push('', '"on the wire": the DIFF frames as the bots read them off the socket, header included (compressed when negotiated); ' +
      '"payload": the DIFF messages themselves (inflated). With permessage-deflate each tick\'s shared DIFF is compressed once for every bot; ' +
      'the bots of a process inflate each distinct compressed frame once (the same bytes always inflate to the same message), so the generator\'s zlib does not bound the run.');
  }

  if (notes.length > 0) out.push('', 'Notes:', ...notes.map((n) => `- ${n}`));
  out.push('');
  const report = out.join('\n');
  console.log(report);
  mkdirSync(o.out, { recursive: true });
  const file = join(o.out, `canvas-${date}.md`);
  writeFileSync(file, report);
  console.error(`written to ${file}${sweepPoints.length > 0 ? ` and ${join(o.out, svgName)}` : ''}`);
}

await main();
