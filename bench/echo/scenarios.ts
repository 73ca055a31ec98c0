// Runner side of each scenario: which servers it compares, what it reports, and how one
// server is measured (generator child on core 1, server on core 0).
import { setTimeout as sleep } from 'node:timers/promises';
import { ECHO_PATH, LOCAL_ADDRESSES, type ScenarioName, type Settings } from './config.js';
import { runGenerator, type GeneratorEvent } from './generator-process.js';
import { ServerCpuWindow, type RunningServer } from './server-process.js';

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
  title: string;
  baselines: string[]; // server names compared with ours
  metrics: MetricDef[];
  measure(server: RunningServer, settings: Settings): Promise<Measurement>;
}

const GENERATOR = 'build/bench/echo/generator.js';
const HTTP_GENERATOR = 'build/bench/echo/http-load.js';
const cpuMetrics: MetricDef[] = [
  { key: 'serverCpu', label: 'server CPU % (core 0)', digits: 0 },
  { key: 'generatorCpu', label: 'generator CPU % (core 1)', digits: 0 },
  { key: 'otherCpu', label: 'other CPU % (softirq, other processes)', digits: 0 },
];

/** CPU columns of a measurement: server, generator and the rest of the machine. */
function cpuValues(cpu: ServerCpuWindow, generatorCpu: number) {
  return { serverCpu: cpu.percent, generatorCpu, otherCpu: cpu.otherPercent(generatorCpu) };
}

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
  const cpu = new ServerCpuWindow(server);
  const target = { host: server.host, port: server.port, path: ECHO_PATH };
  const args = [name, JSON.stringify({ ...config, target, localAddresses: LOCAL_ADDRESSES })];
  const result = await runGenerator(GENERATOR, args, (e) => cpu.onEvent(e.event), timeoutMs);
  return { result, cpu: cpuValues(cpu, num(result, 'generatorCpuPercent')) };
}

export const scenarios: Record<ScenarioName, Scenario> = {
  throughput: {
    title: 'throughput',
    baselines: ['ws', 'bare-net'],
    metrics: [{ key: 'messagesPerSec', label: 'echoed msg/s (64 B, 50 conns × 8 in flight)', better: 'higher', digits: 0 }, ...cpuMetrics],
    async measure(server, settings) {
      const cfg = settings.throughput;
      const { result, cpu } = await runWs('throughput', server, cfg, cfg.warmupMs + cfg.durationMs + 60_000);
      const values = { messagesPerSec: num(result, 'messagesPerSec'), ...cpu };
      return { values, notes: problems(result) };
    },
  },

  latency: {
    title: 'latency',
    baselines: ['ws', 'bare-net'],
    metrics: [
      { key: 'p50Ms', label: 'RTT p50 ms (5,000 conns × 10 msg/s)', better: 'lower', digits: 2 },
      { key: 'p99Ms', label: 'RTT p99 ms', better: 'lower', digits: 2 },
      { key: 'maxMs', label: 'RTT max ms', better: 'lower', digits: 1 },
      { key: 'sentPerSec', label: 'msg/s sent (target 50,000)', digits: 0 },
      ...cpuMetrics,
    ],
    async measure(server, settings) {
      const cfg = settings.latency;
      const { result, cpu } = await runWs('latency', server, cfg, cfg.warmupMs + cfg.durationMs + 180_000);
      const values: Record<string, number> = { ...cpu };
      for (const key of ['p50Ms', 'p99Ms', 'maxMs', 'sentPerSec']) values[key] = num(result, key);
      const notes = problems(result);
      if (num(result, 'sendsQueued') > 0) notes.push(`${result.sendsQueued} sends found the previous message still queued`);
      return { values, notes };
    },
  },

  connections: {
    title: 'connections',
    baselines: ['ws'],
    metrics: [
      { key: 'handshakesPerSec', label: 'handshakes/s (10,000 conns, 500 in flight)', better: 'higher', digits: 0 },
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
      const cpu = new ServerCpuWindow(server);
      const target = { host: server.host, port: server.port, path: ECHO_PATH };
      const args = ['connections', JSON.stringify({ ...cfg, target, localAddresses: LOCAL_ADDRESSES })];
      const result = await runGenerator(
        GENERATOR,
        args,
        async (e, child) => {
          cpu.onEvent(e.event);
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
        ...cpuValues(cpu, num(result, 'generatorCpuPercent')),
      };
      const notes = problems(result);
      if (connections < cfg.connections) notes.unshift(`only ${connections} of ${cfg.connections} connected`);
      return { values, notes };
    },
  },

  http: {
    title: 'http',
    baselines: ['node-http'],
    metrics: [
      { key: 'requestsPerSec', label: 'GET /health req/s (50 conns, autocannon mean)', better: 'higher', digits: 0 },
      { key: 'latencyP99Ms', label: 'latency p99 ms (autocannon, 1 ms resolution)', better: 'lower', digits: 0 },
      ...cpuMetrics,
    ],
    async measure(server, settings) {
      const cfg = settings.http;
      const cpu = new ServerCpuWindow(server);
      const url = `http://${server.host}:${server.port}/health`;
      const timeoutMs = (cfg.warmupS + cfg.durationS) * 1000 + 60_000;
      const result = await runGenerator(HTTP_GENERATOR, [JSON.stringify({ ...cfg, url })], (e) => cpu.onEvent(e.event), timeoutMs);
      const values = {
        requestsPerSec: num(result, 'requestsPerSec'),
        latencyP99Ms: num(result, 'latencyP99Ms'),
        ...cpuValues(cpu, num(result, 'generatorCpuPercent')),
      };
      const notes: string[] = [];
      for (const key of ['errors', 'timeouts', 'non2xx']) if (num(result, key) > 0) notes.push(`${result[key]} ${key}`);
      return { values, notes };
    },
  },
};
