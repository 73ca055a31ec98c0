// Runner side of each scenario: which servers it compares, what it reports, and how one
// server is measured (generator child on core 1, server on core 0).
import type { ChildProcess } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { ECHO_PATH, LOCAL_ADDRESSES, type ScenarioName, type Settings } from './config.js';
import { runGenerator, type GeneratorEvent } from './generator-process.js';
import { CpuWindow } from './cpu-window.js';
import type { RunningServer } from './server-process.js';

export interface MetricDef {
  key: string;
  label: string;
  /** Which way is better; metrics without one (CPU use) get no ratio. */
  better?: 'higher' | 'lower';
  digits: number;
}

export interface Measurement {
  values: Record<string, number>;
  notes: string[];
}

export interface Scenario {
  baselines: string[]; // server names compared with ours
  /** The load, in words, for the report. */
  describe(settings: Settings): string;
  metrics: MetricDef[];
  measure(server: RunningServer, settings: Settings): Promise<Measurement>;
}

const GENERATOR = 'build/bench/echo/generator.js';
const HTTP_GENERATOR = 'build/bench/echo/http-load.js';
const cpuMetrics: MetricDef[] = [
  { key: 'serverCpu', label: 'server CPU % (core 0)', digits: 0 },
  { key: 'generatorCpu', label: 'generator CPU % (core 1)', digits: 0 },
  { key: 'otherCpu', label: 'other processes CPU % (should be ~0)', digits: 0 },
];

/** Server cost per operation: comparable even when the generator, not the server, is the limit. */
const perOp = (what: string): MetricDef => ({ key: 'serverUsPerOp', label: `server CPU µs per ${what}`, better: 'lower', digits: 1 });

/** CPU columns of a measurement (server, generator, everything else) for `opsPerSec` operations. */
function cpuValues(cpu: CpuWindow, generatorCpu: number, opsPerSec: number) {
  const serverUsPerOp = (cpu.serverPercent / 100) * (1e6 / opsPerSec);
  return { serverCpu: cpu.serverPercent, serverUsPerOp, generatorCpu, otherCpu: cpu.otherPercent };
}

/** A generator event handler that feeds the CPU window. */
const tracking = (cpu: CpuWindow) => (e: GeneratorEvent, child: ChildProcess) => cpu.onEvent(e.event, child.pid!);

const count = (n: number) => Math.round(n).toLocaleString('en-US');
const seconds = (ms: number) => `${ms / 1000} s`;
const num = (event: GeneratorEvent, key: string) => Number(event[key] ?? NaN);

/** Notes for anything that went wrong in a WebSocket generator run. */
function problems(r: GeneratorEvent): string[] {
  const notes: string[] = [];
  if (num(r, 'failedHandshakes') > 0) notes.push(`${r.failedHandshakes} failed handshakes ${JSON.stringify(r.handshakeErrors)}`);
  for (const key of ['dropped', 'droppedWhileIdle', 'malformed', 'lost']) {
    if (num(r, key) > 0) notes.push(`${r[key]} ${key}`);
  }
  return notes;
}

async function runWs(name: ScenarioName, server: RunningServer, config: object, timeoutMs: number) {
  const cpu = new CpuWindow(server.pid);
  const target = { host: server.host, port: server.port, path: ECHO_PATH };
  const args = [name, JSON.stringify({ ...config, target, localAddresses: LOCAL_ADDRESSES })];
  const result = await runGenerator(GENERATOR, args, tracking(cpu), timeoutMs);
  return { result, cpu };
}

export const scenarios: Record<ScenarioName, Scenario> = {
  throughput: {
    baselines: ['ws', 'bare-net'],
    describe: ({ throughput: c }) =>
      `${c.connections} connections × ${c.inFlight} binary ${c.payloadBytes} B messages in flight; ${seconds(c.warmupMs)} warm-up, ${seconds(c.durationMs)} measured`,
    metrics: [{ key: 'messagesPerSec', label: 'echoed msg/s', better: 'higher', digits: 0 }, perOp('message'), ...cpuMetrics],
    async measure(server, settings) {
      const cfg = settings.throughput;
      const { result, cpu } = await runWs('throughput', server, cfg, cfg.warmupMs + cfg.durationMs + 60_000);
      const rate = num(result, 'messagesPerSec');
      const values = { messagesPerSec: rate, ...cpuValues(cpu, num(result, 'generatorCpuPercent'), rate) };
      return { values, notes: problems(result) };
    },
  },

  latency: {
    baselines: ['ws', 'bare-net'],
    describe: ({ latency: c }) =>
      `${count(c.connections)} connections, each sending one ${c.payloadBytes} B message every ${c.periodMs} ms, phases spread evenly ` +
      `(${count((c.connections * 1000) / c.periodMs)} msg/s); ${seconds(c.warmupMs)} warm-up, ${seconds(c.durationMs)} measured`,
    metrics: [
      { key: 'p50Ms', label: 'RTT p50 ms', better: 'lower', digits: 2 },
      { key: 'p99Ms', label: 'RTT p99 ms', better: 'lower', digits: 2 },
      { key: 'maxMs', label: 'RTT max ms', better: 'lower', digits: 1 },
      { key: 'sentPerSec', label: 'msg/s sent', digits: 0 },
      perOp('message'),
      ...cpuMetrics,
    ],
    async measure(server, settings) {
      const cfg = settings.latency;
      const { result, cpu } = await runWs('latency', server, cfg, cfg.warmupMs + cfg.durationMs + 180_000);
      const values: Record<string, number> = cpuValues(cpu, num(result, 'generatorCpuPercent'), num(result, 'sentPerSec'));
      for (const key of ['p50Ms', 'p99Ms', 'maxMs', 'sentPerSec']) values[key] = num(result, key);
      const notes = problems(result);
      if (num(result, 'sendsQueued') > 0) notes.push(`${result.sendsQueued} sends found the previous message still queued`);
      return { values, notes };
    },
  },

  connections: {
    baselines: ['ws'],
    describe: ({ connections: c }) =>
      `${count(c.connections)} connections opened with ${c.concurrency} handshakes in flight, then ${seconds(c.idleMs)} idle; RSS read after a forced GC`,
    metrics: [
      { key: 'handshakesPerSec', label: 'handshakes/s over the ramp', better: 'higher', digits: 0 },
      perOp('handshake'),
      { key: 'kibPerConnection', label: 'server RSS KiB per idle connection', better: 'lower', digits: 1 },
      { key: 'rssBeforeMiB', label: 'server RSS MiB before', digits: 1 },
      { key: 'rssAfterMiB', label: 'server RSS MiB with all connected', digits: 1 },
      { key: 'serverCpu', label: 'server CPU % during ramp', digits: 0 },
      { key: 'generatorCpu', label: 'generator CPU % during ramp', digits: 0 },
      { key: 'otherCpu', label: 'other CPU % during ramp', digits: 0 },
    ],
    async measure(server, settings) {
      const cfg = settings.connections;
      await server.gc();
      const before = server.rssKiB();
      let after = NaN;
      const cpu = new CpuWindow(server.pid);
      const target = { host: server.host, port: server.port, path: ECHO_PATH };
      const args = ['connections', JSON.stringify({ ...cfg, target, localAddresses: LOCAL_ADDRESSES })];
      const result = await runGenerator(
        GENERATOR,
        args,
        async (e, child) => {
          cpu.onEvent(e.event, child.pid!);
          if (e.event !== 'ready') return;
          await sleep(cfg.idleMs); // the idle period itself, not a synchronisation
          await server.gc();
          after = server.rssKiB();
          child.stdin!.write('close\n');
        },
        cfg.idleMs + 300_000,
      );
      const connections = num(result, 'connections');
      const values = {
        handshakesPerSec: num(result, 'handshakesPerSec'),
        kibPerConnection: (after - before) / connections,
        rssBeforeMiB: before / 1024,
        rssAfterMiB: after / 1024,
        ...cpuValues(cpu, num(result, 'generatorCpuPercent'), num(result, 'handshakesPerSec')),
      };
      const notes = problems(result);
      if (connections < cfg.connections) notes.unshift(`only ${connections} of ${cfg.connections} connected`);
      return { values, notes };
    },
  },

  http: {
    baselines: ['node-http'],
    describe: ({ http: c }) =>
      `autocannon, ${c.connections} connections, pipelining ${c.pipelining}, GET /health; ${c.warmupS} s warm-up run, ${c.durationS} s measured`,
    metrics: [
      { key: 'requestsPerSec', label: 'req/s (autocannon mean)', better: 'higher', digits: 0 },
      { key: 'latencyP99Ms', label: 'latency p99 ms (autocannon, 1 ms resolution)', better: 'lower', digits: 0 },
      perOp('request'),
      ...cpuMetrics,
    ],
    async measure(server, settings) {
      const cfg = settings.http;
      const cpu = new CpuWindow(server.pid);
      const url = `http://${server.host}:${server.port}/health`;
      const timeoutMs = (cfg.warmupS + cfg.durationS) * 1000 + 60_000;
      const result = await runGenerator(HTTP_GENERATOR, [JSON.stringify({ ...cfg, url })], tracking(cpu), timeoutMs);
      const values = {
        requestsPerSec: num(result, 'requestsPerSec'),
        latencyP99Ms: num(result, 'latencyP99Ms'),
        ...cpuValues(cpu, num(result, 'generatorCpuPercent'), num(result, 'requestsPerSec')),
      };
      const notes: string[] = [];
      for (const key of ['errors', 'timeouts', 'non2xx']) if (num(result, key) > 0) notes.push(`${result[key]} ${key}`);
      return { values, notes };
    },
  },
};
