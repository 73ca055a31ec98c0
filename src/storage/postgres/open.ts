// Opening PostgreSQL storage: a pool whose connections all work in one schema (search_path),
// the schema created or migrated, and — for a single server — a session advisory lock on the
// schema, held on a connection of its own, so that a second server on it is refused as a second
// server on a SQLite data directory is. Cluster members share a schema and take no such lock.
import pg from 'pg';
import { DataDirectoryInUseError } from '../errors.js';
import { newIpHashSecret } from '../ip-hash.js';
import { PostgresModerationStore } from './moderation-store.js';
import { PostgresStorage, type SchemaGuard } from './postgres-storage.js';
import { checkSchemaName, migrate } from './schema.js';

export const DEFAULT_SCHEMA = 'tessera';

export interface PostgresStorageOptions {
  /** The schema to keep everything in; default: the URL's ?schema=, else "tessera". */
  schema?: string;
  /** Refuse writes that would take the tables past about this many bytes (--max-database-mb). */
  maxDatabaseBytes?: number;
  /** Several processes share the schema (cluster mode): no exclusive lock. Default false. */
  shared?: boolean;
  /** Connections in the pool (default 8). */
  connections?: number;
}

export interface PostgresTarget {
  connectionString: string;
  schema: string;
}

/** The connection string without Tessera's own ?schema= parameter, and the schema it names. */
export function postgresTarget(url: string, schema?: string): PostgresTarget {
  const parsed = new URL(url);
  if (parsed.protocol !== 'postgres:' && parsed.protocol !== 'postgresql:') {
    throw new RangeError(`--database takes a postgres:// URL, not ${parsed.protocol}//…`);
  }
  const named = parsed.searchParams.get('schema');
  parsed.searchParams.delete('schema');
  return { connectionString: parsed.toString(), schema: checkSchemaName(schema ?? named ?? DEFAULT_SCHEMA) };
}

/** bigint (seqs, times, counts) as a JavaScript number: every value Tessera stores is below 2^53. */
const types = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    if (oid === pg.types.builtins.INT8) return Number;
    return pg.types.getTypeParser(oid, format);
  },
} as pg.CustomTypesConfig;

export function createPool(target: PostgresTarget, connections = 8): pg.Pool {
  const pool = new pg.Pool({
    connectionString: target.connectionString,
    options: `-c search_path=${target.schema}`,
    types,
    max: connections,
    // A database that does not answer fails a commit in bounded time (then: UNAVAILABLE), never hangs it.
    connectionTimeoutMillis: 5_000,
    query_timeout: 15_000,
    idleTimeoutMillis: 30_000,
  });
  // A pooled idle connection that breaks (the server restarted) is dropped; the next query opens another.
  pool.on('error', () => {});
  // One that breaks while in use fails its query, which reports it; the event must not end the process.
  pool.on('connect', (client) => client.on('error', () => {}));
  return pool;
}

/** Throws DataDirectoryInUseError or NewerSchemaError with a message meant for the operator. */
export async function openPostgresStorage(url: string, options: PostgresStorageOptions = {}): Promise<PostgresStorage> {
  const target = postgresTarget(url, options.schema);
  const where = describeTarget(target);
  const pool = createPool(target, options.connections);
  let guard: SchemaGuard | undefined;
  try {
    const client = await pool.connect().catch((error: Error) => {
      throw new Error(`cannot reach PostgreSQL for ${where} (${error.message}): start it, or check --database`);
    });
    try {
      await migrate(client, target.schema, newIpHashSecret(), where);
    } finally {
      client.release();
    }
    guard = options.shared ? sharedSchema : await lockSchema(target, where);
    const secret = (await pool.query<{ ip_hash_secret: Buffer }>('SELECT ip_hash_secret FROM state')).rows[0]!.ip_hash_secret;
    return new PostgresStorage(pool, guard, secret, options.maxDatabaseBytes);
  } catch (error) {
    await guard?.release();
    await pool.end();
    throw error;
  }
}

/**
 * For the admin CLI: the schema's moderation store, whether or not servers use the schema (it
 * takes no lock; a running server sees a new account at its first login). close() when done.
 */
export async function openPostgresModeration(url: string): Promise<{ store: PostgresModerationStore; where: string; close(): Promise<void> }> {
  const target = postgresTarget(url);
  const where = describeTarget(target);
  const pool = createPool(target, 1);
  try {
    const client = await pool.connect().catch((error: Error) => {
      throw new Error(`cannot reach PostgreSQL for ${where} (${error.message}): start it, or check --database`);
    });
    try {
      await migrate(client, target.schema, newIpHashSecret(), where);
    } finally {
      client.release();
    }
  } catch (error) {
    await pool.end();
    throw error;
  }
  return { store: new PostgresModerationStore(pool), where, close: () => pool.end() };
}

/** "database schema "s" at host:port/db", as messages name it. */
export function describeTarget(target: PostgresTarget): string {
  const url = new URL(target.connectionString);
  return `database schema "${target.schema}" at ${url.host}${url.pathname}`;
}

const sharedSchema: SchemaGuard = { check: async () => {}, release: async () => {} };

/** Holds pg_advisory_lock(schema) on a connection of its own for as long as the storage is open. */
async function lockSchema(target: PostgresTarget, where: string): Promise<SchemaGuard> {
  const key = `tessera-server:${target.schema}`;
  let client: pg.Client | null = null;
  let lost: Error | null = null;
  const acquire = async () => {
    const next = new pg.Client({ connectionString: target.connectionString, connectionTimeoutMillis: 5_000 });
    next.on('error', (error) => (lost = error));
    await next.connect();
    try {
      const got = (await next.query<{ got: boolean }>('SELECT pg_try_advisory_lock(hashtextextended($1, 0)) AS got', [key])).rows[0]!.got;
      if (!got) {
        const holder = await next.query<{ pid: number }>(`SELECT a.pid FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
          WHERE l.locktype = 'advisory' AND l.granted AND l.objid = (hashtextextended($1, 0) & 4294967295)::oid LIMIT 1`, [key]);
        const pid = holder.rows[0]?.pid;
        throw new DataDirectoryInUseError(
          `${where} is in use by another Tessera server${pid === undefined ? '' : ` (database backend pid ${pid})`}: ` +
          'stop it first, or use another schema');
      }
    } catch (error) {
      await next.end().catch(() => undefined);
      throw error;
    }
    client = next;
    lost = null;
  };
  await acquire();
  return {
    // The lock lives as long as its connection: if that broke (database restart), take it again
    // before writing — or refuse the write, if another server took the schema meanwhile.
    async check() {
      if (lost === null && client !== null) return;
      await client?.end().catch(() => undefined);
      client = null;
      await acquire();
    },
    async release() {
      const held = client;
      client = null;
      await held?.end().catch(() => undefined);
    },
  };
}
