// Scenario parameters, shared by the runner (parent) and the load generators (children).
import type { Target } from './ws-load-client.js';

export const SCENARIOS = ['throughput', 'latency', 'connections', 'http'] as const;
export type ScenarioName = (typeof SCENARIOS)[number];

/** Source addresses for client sockets: each has its own ephemeral port range. */
export const LOCAL_ADDRESSES = ['127.0.0.1', '127.0.0.2', '127.0.0.3', '127.0.0.4'];
export const ECHO_PATH = '/echo';

export interface ThroughputConfig {
  connections: number;
  inFlight: number; // messages outstanding per connection
  payloadBytes: number;
  warmupMs: number;
  durationMs: number;
}

export interface LatencyConfig {
  connections: number;
  concurrency: number; // handshakes in flight while connecting
  periodMs: number; // each connection sends one message per period
  payloadBytes: number; // ≥ 8: starts with the send time (float64)
  warmupMs: number;
  durationMs: number;
  drainMs: number; // wait this long at most for echoes of the last messages
}

export interface ConnectionsConfig {
  connections: number;
  concurrency: number;
  idleMs: number; // idle time before the "after" RSS reading
}

export interface HttpConfig {
  connections: number;
  pipelining: number;
  warmupS: number;
  durationS: number;
}

export interface Settings {
  throughput: ThroughputConfig;
  latency: LatencyConfig;
  connections: ConnectionsConfig;
  http: HttpConfig;
}

/** `latencyPeriodMs`: each latency connection sends one message per period (100 ms: 50,000 msg/s in all). */
export function settings(quick: boolean, latencyPeriodMs = 100): Settings {
  const warmupMs = quick ? 500 : 2000;
  const durationMs = quick ? 2000 : 10_000;
  return {
    throughput: { connections: 50, inFlight: 8, payloadBytes: 64, warmupMs, durationMs },
    latency: { connections: 5000, concurrency: 200, periodMs: latencyPeriodMs, payloadBytes: 64, warmupMs, durationMs, drainMs: 3000 },
    connections: { connections: 10_000, concurrency: 500, idleMs: quick ? 1000 : 3000 },
    http: { connections: 50, pipelining: 1, warmupS: quick ? 1 : 2, durationS: quick ? 2 : 10 },
  };
}

/** What a WebSocket load generator child receives as its JSON argument. */
export type GeneratorArgs<C> = C & { target: Target; localAddresses: string[] };

/** The line a server's preloaded bench hook prints on stderr after a SIGUSR2-triggered GC. */
export const GC_ACK = 'bench-hooks: gc requested';
/** The hook's answer to `loop-delay` on stdin: this prefix, then {"p99Ms","maxMs"} JSON. */
export const LOOP_DELAY_REPORT = 'bench-hooks: loop delay ';

export const HANDSHAKE_TIMEOUT_MS = 10_000;
export const CLOSE_TIMEOUT_MS = 5_000;
