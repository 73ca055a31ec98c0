// Server configuration from command-line flags and environment variables.
// Flags win over the environment; both win over the defaults below.
import type { LogLevel } from './telemetry/log.js';
import { parseLogLevel } from './telemetry/log.js';

export interface ServerConfig {
  config: string;               // the boards' JSON configuration; '' = config/default.json
  host: string;
  port: number;                 // 0 = any free port
  logLevel: LogLevel;
  publicDir: string;
  maxConnections: number;       // over it: 503 and close
  maxConnectionsPerIp: number;  // over it: 503 and close
  connectionRatePerIp: number;  // new connections per second from one IP (token bucket refill) → 503
  connectionBurstPerIp: number; // ... and how many may come at once
  headerTimeoutMs: number;      // a request head must arrive within this (slowloris) → 408
  bodyTimeoutMs: number;        // a request body must arrive within this → 408
  keepAliveTimeoutMs: number;   // idle keep-alive connections are closed after this
  maxHeaderBytes: number;       // → 431
  maxHeaderCount: number;       // → 431
  allowedOrigins: string[] | null; // WebSocket/CSRF Origin allow-list; null = same host or localhost
  wsPingIntervalMs: number;     // keepalive ping to a silent peer
  wsIdleTimeoutMs: number;      // a peer silent this long is dropped
  wsCloseTimeoutMs: number;     // how long we wait for the peer's close frame
  shutdownTimeoutMs: number;    // graceful shutdown deadline
}

export const defaultConfig: ServerConfig = {
  config: '',
  host: '0.0.0.0',
  port: 8080,
  logLevel: 'info',
  publicDir: 'build/public',
  maxConnections: 15_000,
  maxConnectionsPerIp: 256,
  connectionRatePerIp: 20,
  connectionBurstPerIp: 100,
  headerTimeoutMs: 10_000,
  bodyTimeoutMs: 30_000,
  keepAliveTimeoutMs: 5_000,
  maxHeaderBytes: 16 * 1024,
  maxHeaderCount: 100,
  allowedOrigins: null,
  wsPingIntervalMs: 30_000,
  wsIdleTimeoutMs: 75_000,
  wsCloseTimeoutMs: 5_000,
  shutdownTimeoutMs: 5_000,
};

// Each setting's flag is its kebab-case name; its environment variable the
// SCREAMING_SNAKE_CASE one (port ↔ --port ↔ PORT, maxConnectionsPerIp ↔
// --max-connections-per-ip ↔ MAX_CONNECTIONS_PER_IP).
const flagName = (key: string) => key.replace(/[A-Z]/g, (c) => '-' + c.toLowerCase());
const envName = (key: string) => flagName(key).replace(/-/g, '_').toUpperCase();

function parseValue(key: keyof ServerConfig, raw: string): ServerConfig[keyof ServerConfig] {
  const current = defaultConfig[key];
  if (key === 'logLevel') return parseLogLevel(raw);
  if (key === 'allowedOrigins') return raw.split(',').map((s) => s.trim()).filter(Boolean);
  if (typeof current === 'number') {
    const n = Number(raw);
    if (raw.trim() === '' || !Number.isInteger(n) || n < 0) throw new Error(`--${flagName(key)} needs a whole number ≥ 0, got "${raw}"`);
    if (key === 'port' && n > 65535) throw new Error(`--port must be ≤ 65535, got ${n}`);
    return n;
  }
  return raw;
}

export function loadConfig(argv: string[], env: NodeJS.ProcessEnv): ServerConfig {
  const config: ServerConfig = { ...defaultConfig };
  const keys = Object.keys(defaultConfig) as (keyof ServerConfig)[];
  const set = (key: keyof ServerConfig, raw: string) => {
    (config as unknown as Record<string, unknown>)[key] = parseValue(key, raw);
  };
  for (const key of keys) {
    const value = env[envName(key)];
    if (value !== undefined) set(key, value);
  }
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (!arg.startsWith('--')) throw new Error(`unexpected argument "${arg}"`);
    const eq = arg.indexOf('=');
    const name = arg.slice(2, eq === -1 ? undefined : eq);
    const key = keys.find((k) => flagName(k) === name);
    if (!key) throw new Error(`unknown flag --${name}`);
    const value = eq === -1 ? argv[++i] : arg.slice(eq + 1);
    if (value === undefined) throw new Error(`--${name} needs a value`);
    set(key, value);
  }
  return config;
}

export function usage(): string {
  const lines = ['Usage: node build/src/main.js [--flag value]...', '', 'flag (environment variable) default'];
  for (const [key, value] of Object.entries(defaultConfig)) {
    const shown = value === null ? 'same host or localhost' : value === '' ? 'config/default.json' : String(value);
    lines.push(`  --${flagName(key)} (${envName(key)}) ${shown}`);
  }
  return lines.join('\n');
}
