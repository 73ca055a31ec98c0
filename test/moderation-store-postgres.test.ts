// The moderation store contract (test/storage/moderation-contract.ts) on PostgreSQL: each test's
// "data directory" is a schema of its own (postgres-harness.ts), dropped after the test. And a
// schema backup carries the moderation tables: restored, they hold the same rows, and new rows
// get ids past the restored ones.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { PostgresStorage } from '../src/storage/postgres/postgres-storage.js';
import { postgresHarness } from './storage/postgres-harness.js';
import { registerModerationContract } from './storage/moderation-contract.js';
import { servicesFor } from './support/services.js';

const open = async (dataDir: string) => (await postgresHarness.open(dataDir)) as PostgresStorage;

if (await servicesFor('moderation store contract (postgres)', 'PostgreSQL')) {
  registerModerationContract({
    engine: 'postgres',
    durable: true,
    async open(dataDir) {
      // Through postgresHarness, so that the schema is remembered and dropped by its cleanup.
      const storage = await open(dataDir);
      return { store: storage.moderation(), close: () => storage.close() };
    },
    cleanup: () => postgresHarness.cleanup!(),
  });

  const backups = suite('moderation store (postgres): backup and restore');
  const dir = mkdtempSync(join(tmpdir(), 'tessera-moderation-backup-'));
  backups.after(async () => {
    await postgresHarness.cleanup!();
    rmSync(dir, { recursive: true, force: true });
  });

  backups('users, sessions, bans, locks, settings, reports and the audit come back; new ids follow them', async () => {
    const audit = { timeMs: 1, actor: 'user:1', username: 'root', action: 'x', params: { a: [1, 2] }, result: { ok: true } };
    const source = await open(join(dir, 'source'));
    const store = source.moderation();
    const user = await store.createUser({ username: 'root', role: 'admin', passwordHash: 'scrypt$x', createdMs: 1, guestActor: null }, audit);
    await store.createSession({ idHash: 'a'.repeat(64), userId: user.id, createdMs: 1, expiresMs: 10 });
    const ban = await store.addBan({ kind: 'ip', target: '10.0.0.0/8', reason: 'raid', createdMs: 1, expiresMs: null, createdBy: 'user:1' }, audit);
    const lock = await store.addLock({ boardId: 'b', x: 1, y: 2, width: 3, height: 4, reason: '', createdMs: 1, createdBy: 'user:1' }, audit);
    const buckets = [{ key: 'session', capacity: 1, refillPerSecond: 1, unit: 'pixel' }];
    await store.saveBoardSettings({ boardId: 'b', open: false, opensAtMs: 5, closesAtMs: null, buckets }, audit);
    const report = await store.addReport({ boardId: 'b', x: 0, y: 0, width: 1, height: 1, reason: 'spam', reporter: 'guest:x', createdMs: 1 });
    const file = join(dir, 'backup.jsonl');
    await source.backup(file);
    const entries = await store.audit({ limit: 10 });
    await source.close();

    await postgresHarness.restoreBackup(file, join(dir, 'restored'));
    const restored = await open(join(dir, 'restored'));
    try {
      const copy = restored.moderation();
      assert.equal(await copy.loadUsers(), [user]);
      assert.is((await copy.loadSessions(0)).length, 1);
      assert.equal(await copy.loadBans(0), [ban]);
      assert.equal(await copy.loadLocks(), [lock]);
      assert.equal(await copy.loadBoardSettings(), [{ boardId: 'b', open: false, opensAtMs: 5, closesAtMs: null, buckets }]);
      assert.equal(await copy.reports(null, { limit: 10 }), [report]);
      assert.equal(await copy.audit({ limit: 10 }), entries);
      const next = await copy.addBan({ kind: 'session', target: 'guest:y', reason: 'r', createdMs: 2, expiresMs: null, createdBy: 'user:1' }, audit);
      assert.ok(next.id > ban.id, `a new ban's id ${next.id} follows the restored ${ban.id}`);
      assert.ok((await copy.createUser({ username: 'other', role: 'user', passwordHash: 'scrypt$y', createdMs: 2, guestActor: null }, null)).id > user.id);
    } finally {
      await restored.close();
    }
  });

  backups.run();
}
