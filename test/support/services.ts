// The external services some tests need (PostgreSQL, Redis), found in one place: their URLs
// (DATABASE_URL / REDIS_URL, else the machine's defaults) and whether they answer. Outside CI a
// missing service skips those tests with one clear line; under CI (env CI set) it fails the run.
import { Socket } from 'node:net';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import pg from 'pg';

export const DATABASE_URL = process.env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/test';
export const REDIS_URL = process.env.REDIS_URL || 'redis://127.0.0.1:6379';
const PROBE_TIMEOUT_MS = 3_000;

export type Service = 'PostgreSQL' | 'Redis';

/** Why the service does not answer, or null when it does. */
async function unreachable(service: Service): Promise<string | null> {
  try {
    if (service === 'PostgreSQL') {
      const client = new pg.Client({ connectionString: DATABASE_URL, connectionTimeoutMillis: PROBE_TIMEOUT_MS });
      client.on('error', () => {});
      try {
        await client.connect();
        await client.query('SELECT 1');
      } finally {
        await client.end().catch(() => undefined);
      }
    } else {
      await redisPing(new URL(REDIS_URL));
    }
    return null;
  } catch (error) {
    return (error as Error).message || String(error);
  }
}

/** PING over a plain socket: +PONG (or -NOAUTH, which still says a Redis is there) within the timeout. */
function redisPing(url: URL): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = new Socket();
    const timer = setTimeout(() => socket.destroy(new Error(`no answer within ${PROBE_TIMEOUT_MS} ms`)), PROBE_TIMEOUT_MS);
    socket.once('error', (error) => (clearTimeout(timer), reject(error)));
    socket.once('data', (data) => {
      clearTimeout(timer);
      socket.destroy();
      if (/^(\+PONG|-NOAUTH)/.test(data.toString('latin1'))) resolve();
      else reject(new Error(`unexpected answer ${JSON.stringify(data.toString('latin1').slice(0, 40))}`));
    });
    socket.connect(Number(url.port || 6379), url.hostname || '127.0.0.1', () => socket.write('PING\r\n'));
  });
}

const urlOf = (service: Service) => (service === 'PostgreSQL' ? DATABASE_URL : REDIS_URL);

/**
 * Resolves true when every service answers. Otherwise: outside CI prints
 * "skipped: WHAT (SERVICE unreachable at URL: why)" and resolves false; under CI registers a
 * failing test saying so (the run fails) and resolves false.
 */
export async function servicesFor(what: string, ...services: Service[]): Promise<boolean> {
  for (const service of services) {
    const why = await unreachable(service);
    if (why === null) continue;
    const message = `${service} unreachable at ${urlOf(service)}: ${why}`;
    if (process.env.CI) {
      const test = suite(what);
      test(`${service} is reachable (required under CI)`, () => assert.unreachable(message));
      test.run();
    } else {
      console.log(`skipped: ${what} (${message})`);
    }
    return false;
  }
  return true;
}
