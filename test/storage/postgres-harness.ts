// The storage contract's harness for PostgreSQL: each "data directory" is a schema of its own,
// named from the directory's path (the temp directories are unique, so runs never share one,
// and a child process finds the same schema); every schema made is dropped after each test.
import { createHash } from 'node:crypto';
import pg from 'pg';
import { restoreBackup } from '../../src/storage/postgres/backup.js';
import { writeBackup } from '../../src/storage/postgres/backup.js';
import { createPool, describeTarget, openPostgresStorage, postgresTarget } from '../../src/storage/postgres/open.js';
import { migrate, quoteIdent } from '../../src/storage/postgres/schema.js';
import { newIpHashSecret } from '../../src/storage/ip-hash.js';
import type { StorageHarness } from './harnesses.js';
import { DATABASE_URL } from '../support/services.js';

const made = new Set<string>();

export function schemaFor(dataDir: string): string {
  return `tessera_t_${createHash('sha256').update(dataDir).digest('hex').slice(0, 24)}`;
}

const targetOf = (dataDir: string) => postgresTarget(DATABASE_URL, schemaFor(dataDir));

async function withPool<T>(dataDir: string, work: (pool: pg.Pool) => Promise<T>): Promise<T> {
  const pool = createPool(targetOf(dataDir), 2);
  try {
    return await work(pool);
  } finally {
    await pool.end();
  }
}

export const postgresHarness: StorageHarness = {
  engine: 'postgres',
  where: (dataDir) => describeTarget(targetOf(dataDir)),
  open(dataDir) {
    made.add(schemaFor(dataDir));
    return openPostgresStorage(DATABASE_URL, { schema: schemaFor(dataDir) });
  },
  async openWithRoomFor(dataDir, bytes) {
    const probe = await postgresHarness.open(dataDir);
    const { bytes: now } = await probe.stats();
    await probe.close();
    return openPostgresStorage(DATABASE_URL, { schema: schemaFor(dataDir), maxDatabaseBytes: now + bytes });
  },
  markNewerSchema: (dataDir) => withPool(dataDir, async (pool) => {
    await pool.query('UPDATE state SET schema_version = 999');
  }),
  backupFromOutside: (dataDir, toFile) => withPool(dataDir, (pool) => writeBackup(pool, toFile)),
  restoreBackup: (backupFile, dataDir) => {
    made.add(schemaFor(dataDir));
    return withPool(dataDir, async (pool) => {
      const client = await pool.connect();
      try {
        await migrate(client, schemaFor(dataDir), newIpHashSecret(), postgresHarness.where(dataDir));
        await restoreBackup(client, backupFile);
      } finally {
        client.release();
      }
    });
  },
  /** The invariants the engine keeps beside its rows: counts, the newest seq, snapshots within it. */
  integrityCheck: (dataDir) => withPool(dataDir, async (pool) => {
    const { rows: [row] } = await pool.query<{ counted: number; placements: number; last_seq: number; max_seq: number; future: number }>(`
      SELECT (SELECT count(*) FROM placements) AS counted, placements, last_seq,
        (SELECT coalesce(max(seq), 0) FROM placements) AS max_seq,
        (SELECT count(*) FROM snapshots WHERE seq > state.last_seq) AS future FROM state`);
    const complaints: string[] = [];
    if (row!.counted !== row!.placements) complaints.push(`${row!.counted} rows but a count of ${row!.placements}`);
    if (row!.max_seq > row!.last_seq) complaints.push(`seq ${row!.max_seq} stored beyond last_seq ${row!.last_seq}`);
    if (row!.future > 0) complaints.push(`${row!.future} snapshots beyond last_seq`);
    return complaints.length === 0 ? 'ok' : complaints.join('; ');
  }),
  async cleanup() {
    if (made.size === 0) return;
    const client = new pg.Client({ connectionString: DATABASE_URL });
    await client.connect();
    try {
      for (const schema of made) await client.query(`DROP SCHEMA IF EXISTS ${quoteIdent(schema)} CASCADE`);
    } finally {
      await client.end();
    }
    made.clear();
  },
};
