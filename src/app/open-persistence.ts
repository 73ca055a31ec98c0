// Opens what makes the canvas outlive the process (persistence.ts): SQLite in the data directory
// by default, PostgreSQL with --database, a cluster member with --redis, or nothing with
// --data-dir '' (the canvas then lives in memory only). The networked engines are loaded only
// when asked for.
import type { Clock } from '../clock.js';
import type { BoardDefinition } from '../config/boards.js';
import type { ServerConfig } from '../config/settings.js';
import type { ClusterLink } from '../cluster/cluster-link.js';
import { inMemoryCommit } from '../placement/commit.js';
import { DurableCommit } from '../placement/durable-commit.js';
import type { ModerationStore } from '../storage/moderation.js';
import type { PostgresStorage } from '../storage/postgres/postgres-storage.js';
import { openMemoryModerationStore } from '../storage/sqlite/moderation-open.js';
import { openSqliteStorage } from '../storage/sqlite/open.js';
import type { SqliteStorage } from '../storage/sqlite/sqlite-storage.js';
import type { Logger } from '../telemetry/log.js';
import type { Registry } from '../telemetry/metrics.js';
import { DurablePersistence, type Persistence } from './persistence.js';

/** `boards`: their rate-limit buckets are shared through Redis in cluster mode. */
export async function openPersistence(
  config: ServerConfig, log: Logger, clock: Clock, registry: Registry, boards: readonly BoardDefinition[] = [],
): Promise<Persistence> {
  const cap = config.maxDatabaseMb > 0 ? { maxDatabaseBytes: config.maxDatabaseMb * 1024 * 1024 } : {};
  let storage: SqliteStorage | PostgresStorage;
  if (config.database !== '') {
    // Loaded only when asked for: the embedded default never loads pg or ioredis.
    const { openPostgresStorage } = await import('../storage/postgres/open.js');
    // Cluster members share the schema; a single server holds it as it would a data directory.
    storage = await openPostgresStorage(config.database, { ...cap, shared: config.redis !== '' });
  } else if (config.dataDir === '') {
    return inMemory();
  } else {
    storage = await openSqliteStorage(config.dataDir, cap);
  }
  const metrics = {
    commits: registry.counter('tessera_storage_commits_total', 'Group commits (one transaction each)', ['result']),
    records: registry.counter('tessera_storage_records_total', 'Placement records committed'),
    commitSeconds: registry.counter('tessera_storage_commit_seconds_total', 'Time from a group commit’s start to its durability'),
    snapshots: registry.counter('tessera_storage_snapshots_total', 'Board snapshots saved'),
  };
  // Cluster mode: the commit stage also logs to Redis, and the cluster applies writes in its order.
  let cluster: ClusterLink | null = null;
  if (config.redis !== '') {
    const writes = registry.counter('tessera_cluster_writes_total', 'Writes applied in the cluster order, by where this process first had them', ['source']);
    const { ClusterLink } = await import('../cluster/cluster-link.js');
    cluster = new ClusterLink(config.redis, storage as PostgresStorage, log, (seq) => (commit.lastCommittedSeq = seq),
      (source, count) => writes.inc({ source }, count), new Map(boards.map((board) => [board.id, board.policy.buckets])));
  }
  const commit: DurableCommit = new DurableCommit(storage, clock, await storage.lastSeq(), {
    committed(records, ms) {
      metrics.commits.inc({ result: 'ok' });
      metrics.records.inc(undefined, records);
      metrics.commitSeconds.inc(undefined, ms / 1000);
    },
    failed(error) {
      metrics.commits.inc({ result: 'failed' });
      log.error('commit failed: its writes were refused', { error: String(error) });
    },
  }, setImmediate, cluster);
  const persistence = new DurablePersistence(storage, moderationStoreFor(storage), commit, config, log, clock, () => metrics.snapshots.inc());
  if (cluster === null) return persistence;
  const { ClusterPersistence } = await import('./cluster-persistence.js');
  return new ClusterPersistence(persistence, cluster);
}

/**
 * Where accounts, bans, locks and the audit log live: beside the placements, in the same engine —
 * the data directory's SQLite database, or the PostgreSQL schema (shared by a cluster's members).
 */
function moderationStoreFor(storage: SqliteStorage | PostgresStorage): ModerationStore {
  return storage.moderation();
}

const inMemory = (): Persistence => ({
  storage: null,
  moderation: openMemoryModerationStore(),
  commit: inMemoryCommit,
  restore: async () => ({ snapshotChunks: 0, replayed: 0, ms: 0 }),
  ready: () => true,
  appliedSeq: () => 0,
  start: () => {},
  close: async () => {},
});
