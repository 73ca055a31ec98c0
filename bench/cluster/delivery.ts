// Cluster bench: what delivery costs in one process against `--workers 2` on this machine, with
// the canvas bench's bots (bench/canvas: bot-generator, load, server-setup) watching the whole
// board of `place` (1000 × 1000, 100 chunks) at a 20 Hz tick and a steady placement rate.
//
//   node scripts/build.mjs && node build/bench/cluster/delivery.js [--clients 5000,10000] [--pairs 2]
//        [--modes single,workers2] [--rate 1000] [--seconds 10] [--lock /tmp/bench.lock]
//
// Modes: `single` is one process on SQLite (`npm start`); `cluster1` one process on Redis +
// PostgreSQL; `workers2` is `--workers 2` on Redis + PostgreSQL (a primary and two workers
// sharing the port). Each run is a process of its own started through `flock LOCK`, so other
// benches on the machine interleave between runs rather than during them; the modes alternate
// (A B, B A, …) at each client count. A cluster run uses a PostgreSQL schema and a Redis key
// prefix of its own (test/support/cluster.ts), dropped and deleted when it ends.
//
// Nothing is pinned: the server (all its processes) and the bot generator share both cores, so
// the bot's CPU is reported next to the server's. Server CPU is utime + stime from /proc of the
// server's process and its children (the workers), over the measured window.
import { spawn } from 'node:child_process';
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { ROOT, onLines } from '../echo/children.js';
import { RunningServer } from '../echo/server-process.js';
import { driveLoad, loadNotes, type LoadResult, type LoadSpec } from '../canvas/load.js';
import { fetchText } from '../canvas/metrics-scrape.js';
import { serverSpec, writeScenarioConfig } from '../canvas/server-setup.js';
import { newClusterRun, removeClusterRun, type ClusterRun } from '../../test/support/cluster.js';

const MODES = ['single', 'cluster1', 'workers2'] as const;
type Mode = (typeof MODES)[number];
const TICK_HZ = 20;
const ALL_CPUS = '0,1';
const RUN_LIMIT_MS = 150_000;
const READY_IN_A_ROW = 20;

const { values } = parseArgs({
  options: {
    clients: { type: 'string', default: '5000,10000' },
    pairs: { type: 'string', default: '2' },
    modes: { type: 'string', default: 'single,workers2' },
    rate: { type: 'string', default: '1000' },
    seconds: { type: 'string', default: '10' },
    lock: { type: 'string', default: '/tmp/bench.lock' },
    run: { type: 'string' },
  },
});
const RATE = Number(values.rate);
const SECONDS = Number(values.seconds);

interface RunResult {
  mode: Mode;
  clients: number;
  loadAvg: number[];
  error?: string;
  r?: Pick<LoadResult, 'normalConnected' | 'placementsPerSec' | 'diffMsgsPerSec' | 'diffBytesPerSec' | 'serverCpuPercent' | 'serverUsPerMsg' | 'serverProcesses' |
    'generatorCpuPercent' | 'servicesCpuPercent' | 'otherCpuPercent' | 'deliveredPct' | 'rssIdleKiB' | 'connectMs'> & { p50: number; p99: number; notes: string[] };
}

function loadSpec(clients: number): LoadSpec {
  return {
    clients, slowClients: 0, resumeSlow: 0, pauseAtMs: null, resumeAtMs: null, ratePerSec: RATE,
    warmupMs: 3000, durationMs: SECONDS * 1000, drainMs: 2000, generators: 1,
    localAddresses: ['127.0.0.1', '127.0.0.2', '127.0.0.3', '127.0.0.4'], viewportChunks: null, deflate: false, flood: null,
    // Other helpers share the machine: wait a little for quiet, then measure and report "other CPU".
    quietWaitMs: 5000, timelineMs: 1000, timelineMetrics: false, generatorCpus: ALL_CPUS,
  };
}

/** Until `needed` answers in a row are 200: with round-robin over the workers, every one of them is ready. */
async function allReady(server: RunningServer): Promise<void> {
  const deadline = Date.now() + 30_000;
  let inARow = 0;
  while (inARow < READY_IN_A_ROW) {
    const { status } = await fetchText(server.host, server.port, '/health/ready').catch(() => ({ status: 0 }));
    inARow = status === 200 ? inARow + 1 : 0;
    if (Date.now() > deadline) throw new Error('the server is not ready after 30 s');
    if (status !== 200) await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** One run, in this process (started by `flock`): prints its RunResult as one JSON line. */
async function runOne(mode: Mode, clients: number): Promise<void> {
  setTimeout(() => {
    console.error(`run ${mode} ${clients}: not done within ${RUN_LIMIT_MS / 1000} s`);
    process.exit(3);
  }, RUN_LIMIT_MS).unref();
  const result: RunResult = { mode, clients, loadAvg: loadavg() };
  const cluster: ClusterRun | null = mode === 'single' ? null : newClusterRun();
  let server: RunningServer | null = null;
  try {
    const config = writeScenarioConfig({ tickRateHz: TICK_HZ });
    const storage = cluster === null ? undefined
      : [...(mode === 'workers2' ? ['--workers', '2'] : []), '--redis', cluster.redisUrl, '--database', cluster.databaseUrl];
    server = await RunningServer.start({ ...serverSpec('ours', config, storage), cpus: ALL_CPUS, listeners: mode === 'workers2' ? 2 : 1 });
    await allReady(server);
    const r = await driveLoad(server, true, loadSpec(clients), `${mode} ${clients}`);
    result.r = {
      normalConnected: r.normalConnected, placementsPerSec: r.placementsPerSec, diffMsgsPerSec: r.diffMsgsPerSec, diffBytesPerSec: r.diffBytesPerSec,
      serverCpuPercent: r.serverCpuPercent, serverUsPerMsg: r.serverUsPerMsg, serverProcesses: r.serverProcesses,
      generatorCpuPercent: r.generatorCpuPercent, servicesCpuPercent: r.servicesCpuPercent, otherCpuPercent: r.otherCpuPercent,
      deliveredPct: r.deliveredPct, rssIdleKiB: r.rssIdleKiB, connectMs: r.connectMs, p50: r.latency.p50, p99: r.latency.p99,
      notes: loadNotes(`${mode} ${clients}`, r),
    };
  } catch (error) {
    result.error = `${(error as Error).message}${server ? `\n${server.recentOutput()}` : ''}`;
  } finally {
    await server?.stop();
    if (cluster) await removeClusterRun(cluster);
  }
  console.log(JSON.stringify(result));
}

/** Starts one run through `flock LOCK` and reads its result line. */
function runLocked(mode: Mode, clients: number): Promise<RunResult> {
  const args = [values.lock!, process.execPath, 'build/bench/cluster/delivery.js', '--run', `${mode}:${clients}`, '--rate', String(RATE), '--seconds', String(SECONDS)];
  const child = spawn('flock', args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
  let result: RunResult | null = null;
  onLines(child.stdout!, (line) => {
    try {
      result = JSON.parse(line) as RunResult;
    } catch {
      console.error(line);
    }
  });
  return new Promise((resolve) => child.once('close', (code) =>
    resolve(result ?? { mode, clients, loadAvg: loadavg(), error: `run exited (${code}) without a result` })));
}

const n0 = (v: number) => (Number.isFinite(v) ? Math.round(v).toLocaleString('en-US') : 'n/a');
const n1 = (v: number) => (Number.isFinite(v) ? v.toFixed(1) : 'n/a');
const NAMES: Record<Mode, string> = { single: '1 process, SQLite', cluster1: '1 process, Redis + PostgreSQL', workers2: '`--workers 2`, Redis + PostgreSQL' };

function row({ mode, clients, loadAvg, r, error }: RunResult): string {
  const load = loadAvg.map((v) => v.toFixed(2)).join(' ');
  if (!r) return `| ${NAMES[mode]} | ${n0(clients)} | ${load} | failed: ${(error ?? '').split('\n')[0]!.replace(/\|/g, '\\|')} | | | | | | | | | | |`;
  return `| ${NAMES[mode]} | ${n0(r.normalConnected)} | ${load} | ${n0(r.placementsPerSec)} | ${n0(r.diffMsgsPerSec)} | ${n1(r.diffMsgsPerSec / r.normalConnected)} | ${n0(r.diffBytesPerSec / r.diffMsgsPerSec)} | ` +
    `${n0(r.serverCpuPercent)} (${r.serverProcesses}) | ${n1(r.serverUsPerMsg)} | ${n0(r.generatorCpuPercent)} | ${n0(r.servicesCpuPercent)} | ${n0(r.otherCpuPercent)} | ` +
    `${n0(r.p50)} / ${n0(r.p99)} | ${r.deliveredPct.toFixed(2)} |`;
}

async function main(): Promise<void> {
  if (values.run) {
    const [mode, clients] = values.run.split(':');
    if (!MODES.includes(mode as Mode) || !(Number(clients) > 0)) throw new Error(`--run MODE:CLIENTS, MODE one of ${MODES.join(', ')}`);
    return runOne(mode as Mode, Number(clients));
  }
  const modes = values.modes!.split(',') as Mode[];
  if (modes.some((mode) => !MODES.includes(mode))) throw new Error(`--modes: ${MODES.join(', ')}`);
  const results: RunResult[] = [];
  for (const clients of values.clients!.split(',').map(Number)) {
    for (let pair = 0; pair < Number(values.pairs); pair++) {
      for (const mode of pair % 2 === 0 ? modes : [...modes].reverse()) {
        const result = await runLocked(mode, clients);
        console.error(row(result));
        results.push(result);
      }
    }
  }
  console.log(`${TICK_HZ} Hz tick, ${RATE} placements/s, every bot watching all 100 chunks of \`place\`; ${SECONDS} s measured after 3 s of warm-up.\n`);
  console.log('| server | clients | load avg 1/5/15 min at start | placements/s | deliveries/s (DIFF messages read) | per client per s | bytes / delivery | server CPU % (processes) | server CPU µs / delivery | bot CPU % | Redis + PostgreSQL CPU % | other CPU % | delivery p50 / p99 ms | delivered % |');
  console.log('| --- | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
  for (const result of results) console.log(row(result));
  const notes = results.flatMap((result) => [...(result.r?.notes ?? []), ...(result.error ? [`${result.mode} ${result.clients}: ${result.error}`] : [])]);
  if (notes.length > 0) console.log(`\nNotes:\n${notes.map((note) => `- ${note}`).join('\n')}`);
}

await main();
process.exit(0);
