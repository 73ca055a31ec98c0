// Every server setting, declared once: its default, what it means, and how a
// value is read. The same declaration drives the command-line flags, the
// environment variables, the JSON file's "server" section and --help.
//
//   port ↔ --port ↔ PORT ↔ {"server": {"port": …}}
//   maxConnectionsPerIp ↔ --max-connections-per-ip ↔ MAX_CONNECTIONS_PER_IP ↔ …
import type { LogLevel } from '../telemetry/log.js';
import { parseLogLevel } from '../telemetry/log.js';
import { addressOrRange, array, boolean, fail, integer, number, string } from './checks.js';

export interface ServerConfig {
  config: string;               // the boards' JSON file; '' = config/default.json
  host: string;
  port: number;                 // 0 = any free port
  logLevel: LogLevel;
  publicDir: string;
  maxConnections: number;       // over it: 503 and close
  maxConnectionsPerIp: number;  // over it: 503 and close
  connectionRatePerIp: number;  // new connections per second from one IP (token bucket refill) → 503
  connectionBurstPerIp: number; // ... and how many may come at once
  ipv6PrefixLength: number;     // per-IP limits count an IPv6 client by this prefix of its address
  headerTimeoutMs: number;      // a request head must arrive within this (slowloris) → 408
  bodyTimeoutMs: number;        // a request body must arrive within this → 408
  keepAliveTimeoutMs: number;   // idle keep-alive connections are closed after this
  maxHeaderBytes: number;       // → 431
  maxHeaderCount: number;       // → 431
  maxQueuedAnswerBytes: number; // HTTP answers all connections may queue; past it, pipelined requests wait
  allowedOrigins: string[];     // origins besides the server's own that may open WebSockets and write
  wsPingIntervalMs: number;     // keepalive ping to a silent peer
  wsIdleTimeoutMs: number;      // a peer silent this long is dropped
  wsCloseTimeoutMs: number;     // how long we wait for the peer's close frame
  wsMessageTimeoutMs: number;   // a data message must be whole this long after it began → 1008
  wsUnfinishedMessageBytes: number; // what unfinished messages of all connections may hold → 1013
  wsControlFrameRate: number;   // pings and pongs per second from one connection (token bucket refill) → 1008
  wsControlFrameBurst: number;  // ... and how many at once
  wsCompression: boolean;       // offer permessage-deflate on /ws (/echo always offers it)
  echo: boolean;                // serve the WebSocket echo endpoint /echo
  shutdownTimeoutMs: number;    // graceful shutdown deadline
  tickRateHz: number;           // broadcast ticks per second
  trustedProxies: string[];     // addresses or CIDR ranges whose X-Forwarded-For we believe
  maxSubscriptionsPerClient: number;
  slowClientHighWaterBytes: number; // a viewer with more unsent bytes than this skips diffs …
  slowClientHardLimitBytes: number; // … and is closed with 1013 past this …
  slowClientDeadlineMs: number;     // … or after this long behind
  dataDir: string;              // where the boards and their history are kept; '' = memory only
  snapshotIntervalMs: number;   // how often changed boards are snapshotted (0 = only at shutdown)
  historyRetentionDays: number; // placements older than this (and than the newest snapshot) are pruned; 0 = keep all
  maxDatabaseMb: number;        // the database may not grow past this (writes then refused as UNAVAILABLE); 0 = the disk's limit
  accountIdleTimeoutMs: number; // an account session unused this long expires (sliding)
  passwordCostLog2: number;     // scrypt N = 2^this for new password hashes
  database: string;             // postgres://… : PostgreSQL storage instead of SQLite in dataDir; '' = SQLite
  redis: string;                // redis://… : cluster mode (one canvas across processes); '' = single process
  workers: number;              // processes sharing the port (node:cluster); > 1 needs redis
}

/** Reads one value: a string from a flag or the environment, or a JSON value from the file. */
type Reader<T> = (value: unknown, where: string) => T;

interface Setting<T> {
  default: T;
  help: string;
  read: Reader<T>;
}

const MAX_INT = Number.MAX_SAFE_INTEGER;

// Text from a flag or the environment becomes the JSON value it spells.
const asNumber = (value: unknown): unknown => {
  if (typeof value !== 'string' || value.trim() === '') return value;
  const n = Number(value);
  return Number.isNaN(n) ? value : n;
};
const asBoolean = (value: unknown): unknown => (value === 'true' ? true : value === 'false' ? false : value);
const asList = (value: unknown): unknown =>
  typeof value === 'string' ? value.split(',').map((item) => item.trim()).filter((item) => item !== '') : value;

const text: Reader<string> = (value, where) => string(value, where);
const whole = (min: number, max = MAX_INT): Reader<number> => (value, where) => integer(asNumber(value), where, min, max);
const onOff: Reader<boolean> = (value, where) => boolean(asBoolean(value), where);
const decimal = (min: number, max: number): Reader<number> => (value, where) => number(asNumber(value), where, min, max);
const strings = (item: Reader<string>): Reader<string[]> => (value, where) =>
  array(asList(value), where).map((entry, i) => item(entry, `${where}[${i}]`));
const logLevel: Reader<LogLevel> = (value, where) => {
  try {
    return parseLogLevel(string(value, where));
  } catch (error) {
    return fail(where, (error as Error).message);
  }
};

export const SETTINGS: { readonly [K in keyof ServerConfig]: Setting<ServerConfig[K]> } = {
  config: { default: '', help: 'the boards’ JSON file (default: config/default.json)', read: text },
  host: { default: '0.0.0.0', help: 'address to listen on', read: text },
  port: { default: 8080, help: 'TCP port (0: any free port)', read: whole(0, 65535) },
  logLevel: { default: 'info', help: 'debug, info, warn, error or silent', read: logLevel },
  publicDir: { default: 'build/public', help: 'the static files served at /', read: text },
  maxConnections: { default: 15_000, help: 'open connections in all (then 503)', read: whole(0) },
  maxConnectionsPerIp: { default: 256, help: 'open connections from one IP (then 503)', read: whole(0) },
  connectionRatePerIp: { default: 20, help: 'new connections per second from one IP (then 503)', read: whole(0) },
  connectionBurstPerIp: { default: 100, help: '… and how many may come at once', read: whole(0) },
  ipv6PrefixLength: { default: 64, help: 'per-IP limits count IPv6 clients by this prefix (a host holds a /64)', read: whole(1, 128) },
  headerTimeoutMs: { default: 10_000, help: 'a request head must arrive within this (then 408)', read: whole(0) },
  bodyTimeoutMs: { default: 30_000, help: 'a request body must arrive within this (then 408)', read: whole(0) },
  keepAliveTimeoutMs: { default: 5_000, help: 'an idle keep-alive connection is closed after this', read: whole(0) },
  maxHeaderBytes: { default: 16 * 1024, help: 'request head size (then 431)', read: whole(0) },
  maxHeaderCount: { default: 100, help: 'header fields in a request (then 431)', read: whole(0) },
  maxQueuedAnswerBytes: {
    default: 64 * 1024 * 1024,
    help: 'bytes of HTTP answers all connections may queue unread (past it, a connection with answers queued answers no more until they leave)',
    read: whole(0),
  },
  allowedOrigins: {
    default: [],
    help: 'origins besides the server’s own allowed to open WebSockets and write (e.g. http://localhost:5173)',
    read: strings(text),
  },
  wsPingIntervalMs: { default: 30_000, help: 'ping a WebSocket peer silent this long', read: whole(0) },
  wsIdleTimeoutMs: { default: 75_000, help: 'drop a WebSocket peer silent this long', read: whole(0) },
  wsCloseTimeoutMs: { default: 5_000, help: 'wait this long for the peer’s close frame', read: whole(0) },
  wsMessageTimeoutMs: {
    default: 30_000,
    help: 'a WebSocket message must be whole this long after it began, pings or not (then 1008)',
    read: whole(1),
  },
  wsUnfinishedMessageBytes: {
    default: 128 * 1024 * 1024,
    help: 'bytes all unfinished WebSocket messages together may hold (then 1013)',
    read: whole(0),
  },
  wsControlFrameRate: { default: 10, help: 'pings and pongs per second one WebSocket peer may send (then 1008)', read: whole(0) },
  wsControlFrameBurst: { default: 50, help: '… and how many at once', read: whole(1) },
  wsCompression: { default: true, help: 'offer permessage-deflate on /ws (true or false)', read: onOff },
  echo: { default: false, help: 'serve the WebSocket echo endpoint /echo (a bare --echo means true)', read: onOff },
  shutdownTimeoutMs: { default: 5_000, help: 'graceful shutdown deadline', read: whole(0) },
  tickRateHz: { default: 60, help: 'broadcast ticks per second', read: decimal(1, 1000) },
  trustedProxies: { default: [], help: 'IPs or CIDR ranges whose X-Forwarded-For is believed', read: strings(addressOrRange) },
  maxSubscriptionsPerClient: { default: 1024, help: 'chunks one viewer may watch', read: whole(1, 1 << 20) },
  slowClientHighWaterBytes: { default: 262_144, help: 'a viewer with more unsent bytes skips diffs', read: whole(0) },
  slowClientHardLimitBytes: { default: 4_194_304, help: '… and is closed with 1013 past this', read: whole(0) },
  slowClientDeadlineMs: { default: 30_000, help: '… or after this long behind', read: whole(0) },
  dataDir: { default: 'data', help: 'the boards and their history (SQLite); "" keeps them in memory only', read: text },
  snapshotIntervalMs: { default: 300_000, help: 'snapshot changed boards this often (0: only at shutdown)', read: whole(0) },
  maxDatabaseMb: { default: 0, help: 'cap on the database’s size in MiB; writes past it are refused (0: the disk is the limit)', read: whole(0) },
  accountIdleTimeoutMs: { default: 86_400_000, help: 'an account session unused this long expires (sliding; default 24 h)', read: whole(1000) },
  passwordCostLog2: { default: 15, help: 'scrypt cost of new password hashes: N = 2^this (r = 8, p = 1)', read: whole(10, 20) },
  historyRetentionDays: { default: 0, help: 'prune placements older than this many days that a snapshot covers (0: keep all)', read: whole(0) },
  database: {
    default: '',
    help: 'postgres://user@host:port/db[?schema=name]: keep the boards in PostgreSQL (schema "tessera" unless named) instead of SQLite in --data-dir',
    read: (value, where) => postgresUrl(text(value, where), where),
  },
  redis: { default: '', help: 'redis://host:port[?prefix=tessera:]: cluster mode, one canvas across processes (needs --database)', read: (value, where) => redisUrl(text(value, where), where) },
  workers: { default: 1, help: 'processes sharing the port on this machine (more than 1 needs --redis)', read: whole(1, 256) },
};

/** Settings whose environment variable is not derived from the name (the names every tool uses). */
const ENV_NAMES: { readonly [key: string]: string } = { database: 'DATABASE_URL', redis: 'REDIS_URL' };

function postgresUrl(value: string, where: string): string {
  if (value !== '' && !/^postgres(ql)?:\/\//.test(value)) fail(where, `must be a postgres:// URL (or empty for SQLite), got ${JSON.stringify(value)}`);
  return value;
}

function redisUrl(value: string, where: string): string {
  if (value !== '' && !/^rediss?:\/\//.test(value)) fail(where, `must be a redis:// URL (or empty for a single process), got ${JSON.stringify(value)}`);
  return value;
}

export const SETTING_KEYS = Object.keys(SETTINGS) as (keyof ServerConfig)[];

export const defaultConfig: Readonly<ServerConfig> = Object.fromEntries(
  SETTING_KEYS.map((key) => [key, SETTINGS[key].default]),
) as unknown as ServerConfig;

export const flagName = (key: string): string => key.replace(/[A-Z]/g, (c) => '-' + c.toLowerCase());
export const envName = (key: string): string => ENV_NAMES[key] ?? flagName(key).replace(/-/g, '_').toUpperCase();

/** An on/off setting: as a flag, `--name` alone means true. */
export const isSwitch = (key: keyof ServerConfig): boolean => typeof SETTINGS[key].default === 'boolean';

export function readSetting<K extends keyof ServerConfig>(key: K, value: unknown, where: string): ServerConfig[K] {
  return SETTINGS[key].read(value, where);
}

/** The rules that tie settings together, checked once all sources are merged. */
export function checkConsistent(config: ServerConfig, where: (key: keyof ServerConfig) => string): void {
  if (config.slowClientHardLimitBytes < config.slowClientHighWaterBytes) {
    fail(where('slowClientHardLimitBytes'),
      `${config.slowClientHardLimitBytes} is below slowClientHighWaterBytes (${config.slowClientHighWaterBytes})`);
  }
  if (config.workers > 1 && config.redis === '') {
    fail(where('workers'), `${config.workers} workers need --redis (REDIS_URL): without it each process would show a canvas of its own`);
  }
  if (config.redis !== '' && config.database === '') {
    fail(where('redis'), 'cluster mode needs --database (DATABASE_URL), a postgres:// URL: the processes share one durable store');
  }
}

export function usage(): string {
  const lines = [
    'Usage: node build/src/main.js [--flag value]...',
    '',
    'Every setting is a flag, an environment variable, or a key of the JSON file’s "server" section;',
    'flags win over the environment, the environment over the file, the file over the defaults.',
    '',
  ];
  for (const key of SETTING_KEYS) {
    const { default: value, help } = SETTINGS[key];
    const shown = value === null || value === '' || (Array.isArray(value) && value.length === 0) ? '' : ` (default ${String(value)})`;
    lines.push(`  --${flagName(key)}, ${envName(key)}${shown}`, `      ${help}`);
  }
  return lines.join('\n');
}
