// The cluster's log on Redis: one stream of committed writes (XADD by the process that committed
// them, XREAD by every process), on two connections — one for commands, one that blocks reading.
// Commands fail at once while Redis is away (no offline queue): a write that cannot be logged is
// refused, never held. ioredis reconnects by itself; `onReconnect` lets the cluster resync then.
import { Redis } from 'ioredis';

/** Entries kept in the stream: far more than a process needs to catch up live (older ones are in PostgreSQL). */
const STREAM_LENGTH = 100_000;
const READ_COUNT = 1_000;
const READ_BLOCK_MS = 1_000;

export interface RedisTarget {
  url: string;
  /** Prepended to every key: deployments (and test runs) sharing a Redis never see each other's. */
  prefix: string;
}

/** The URL without Tessera's own ?prefix= parameter, and the prefix (default "tessera:"). */
export function redisTarget(url: string): RedisTarget {
  const parsed = new URL(url);
  const prefix = parsed.searchParams.get('prefix') ?? 'tessera:';
  parsed.searchParams.delete('prefix');
  return { url: parsed.toString(), prefix };
}

export function connectRedis(target: RedisTarget): Redis {
  const redis = new Redis(target.url, {
    keyPrefix: target.prefix,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    connectTimeout: 2_000,
    // Back again within a second of Redis returning.
    retryStrategy: (times) => Math.min(50 * times, 1_000),
    lazyConnect: true,
  });
  redis.on('error', () => {}); // reported through status and failed commands, not as an exception
  return redis;
}

export class RedisLog {
  readonly commands: Redis;
  private readonly reader: Redis;
  private readonly stream = 'log';
  private lastId = '0-0';
  private reading = false;
  private stopped = false;

  /** host:port, for messages (never the URL: it may hold a password). */
  readonly where: string;

  constructor(target: RedisTarget) {
    const url = new URL(target.url);
    this.where = `${url.hostname}:${url.port || 6379}`;
    this.commands = connectRedis(target);
    this.reader = connectRedis(target);
  }

  get up(): boolean {
    return this.commands.status === 'ready' && this.reader.status === 'ready';
  }

  async connect(): Promise<void> {
    await Promise.all([this.commands.connect(), this.reader.connect()]);
  }

  /** Calls back whenever both connections are ready again after a loss. */
  onReconnect(callback: () => void): void {
    let lost = false;
    for (const connection of [this.commands, this.reader]) {
      connection.on('close', () => (lost = true));
      connection.on('ready', () => {
        if (lost && this.up) {
          lost = false;
          callback();
        }
      });
    }
  }

  /** From now on, read only entries added after this moment's newest one. */
  async markPosition(): Promise<void> {
    const newest = await this.commands.xrevrange(this.stream, '+', '-', 'COUNT', 1);
    this.lastId = newest[0]?.[0] ?? '0-0';
  }

  append(entry: string): Promise<unknown> {
    return this.commands.xadd(this.stream, 'MAXLEN', '~', STREAM_LENGTH, '*', 'e', entry);
  }

  /** Reads entries in the stream's order until stopped, handing each to `deliver`; waits out lost connections. */
  follow(deliver: (entry: string) => void, waitForRedis: () => Promise<void>): void {
    if (this.reading) return;
    this.reading = true;
    void (async () => {
      while (!this.stopped) {
        try {
          const result = await this.reader.xread('COUNT', READ_COUNT, 'BLOCK', READ_BLOCK_MS, 'STREAMS', this.stream, this.lastId);
          for (const [, entries] of result ?? []) {
            for (const [id, fields] of entries) {
              this.lastId = id;
              const at = fields.indexOf('e');
              if (at !== -1 && at + 1 < fields.length) deliver(fields[at + 1]!);
            }
          }
        } catch {
          if (!this.stopped) await waitForRedis();
        }
      }
    })();
  }

  async close(): Promise<void> {
    this.stopped = true;
    this.commands.disconnect();
    this.reader.disconnect();
  }
}
