// The moderation store contract: what every engine's ModerationStore must do, written once
// against the interface (src/storage/moderation.ts) and run per engine
// (test/moderation-store.test.ts: SQLite; test/moderation-store-postgres.test.ts: PostgreSQL).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { UsernameTakenError, type ModerationStore, type NewAuditEntry } from '../../src/storage/moderation.js';

export interface ModerationHarness {
  engine: string;
  /** Opens the store of a data directory ('' when the engine keeps it in memory). */
  open(dataDir: string): Promise<{ store: ModerationStore; close(): Promise<void> }>;
  /** Whether what was stored is there again after close and open. */
  durable: boolean;
  /** After each test: drops what the test made outside its directory (a PostgreSQL schema). */
  cleanup?(): Promise<void>;
}

const T0 = 1_700_000_000_000;
const audit = (action: string, params: unknown = {}): NewAuditEntry => ({ timeMs: T0, actor: 'user:1', username: 'root', action, params, result: { ok: true } });
const user = (username: string) => ({ username, role: 'user' as const, passwordHash: 'scrypt$x', createdMs: T0, guestActor: null });

export function registerModerationContract(harness: ModerationHarness): void {
  const test = suite(`moderation store (${harness.engine})`);
  const dirs: string[] = [];
  const dir = () => {
    if (!harness.durable) return '';
    const made = mkdtempSync(join(tmpdir(), 'tessera-moderation-'));
    dirs.push(made);
    return made;
  };
  test.after.each(async () => {
    await harness.cleanup?.();
    dirs.splice(0).forEach((made) => rmSync(made, { recursive: true, force: true }));
  });

  test('users: created with ids, found by name whatever its case, a taken name refused', async () => {
    const { store, close } = await harness.open(dir());
    const alice = await store.createUser({ ...user('Alice'), guestActor: 'guest:abcdefghijklmnop' }, audit('create-user'));
    const bob = await store.createUser(user('bob'), null);
    assert.ok(bob.id > alice.id);
    assert.equal(await store.userByName('ALICE'), alice);
    assert.is(await store.userByName('carol'), null);
    const refused = await store.createUser(user('alice'), null).then(() => null, (error: unknown) => error);
    assert.instance(refused, UsernameTakenError);
    assert.equal((await store.loadUsers()).map((u) => u.username), ['Alice', 'bob']);
    assert.ok(await store.setRole(bob.id, 'moderator', audit('role')));
    assert.not.ok(await store.setRole(999, 'admin', audit('role')));
    assert.is((await store.userByName('bob'))!.role, 'moderator');
    assert.ok(await store.setPassword(bob.id, 'scrypt$y'));
    assert.is((await store.userByName('bob'))!.passwordHash, 'scrypt$y');
    // One audit entry per audited change that happened; none for the refused role change.
    assert.equal((await store.audit({ limit: 10 })).map((e) => e.action), ['role', 'create-user']);
    await close();
  });

  test('sessions: stored, loaded while unexpired, slid, deleted, pruned', async () => {
    const { store, close } = await harness.open(dir());
    const { id } = await store.createUser(user('carol'), null);
    await store.createSession({ idHash: 'a'.repeat(64), userId: id, createdMs: T0, expiresMs: T0 + 1000 });
    await store.createSession({ idHash: 'b'.repeat(64), userId: id, createdMs: T0, expiresMs: T0 + 5000 });
    assert.equal((await store.loadSessions(T0 + 2000)).map((s) => s.idHash), ['b'.repeat(64)]);
    await store.touchSession('a'.repeat(64), T0 + 9000);
    assert.is((await store.loadSessions(T0 + 2000)).length, 2);
    await store.deleteSession('b'.repeat(64));
    assert.is(await store.pruneSessions(T0 + 10_000), 1);
    assert.equal(await store.loadSessions(T0), []);
    await close();
  });

  test('bans: added with their audit entry, lifted once, expired ones not loaded', async () => {
    const { store, close } = await harness.open(dir());
    const forever = await store.addBan({ kind: 'ip', target: '10.0.0.0/8', reason: 'raid', createdMs: T0, expiresMs: null, createdBy: 'user:1' }, audit('ban'));
    const brief = await store.addBan({ kind: 'session', target: 'guest:abcdefghijklmnop', reason: 'bot', createdMs: T0, expiresMs: T0 + 60_000, createdBy: 'user:1' }, audit('ban'));
    assert.equal((await store.loadBans(T0)).map((b) => b.id), [forever.id, brief.id]);
    assert.equal((await store.loadBans(T0 + 60_000)).map((b) => b.id), [forever.id]);
    const lifted = await store.liftBan(forever.id, T0 + 5, audit('unban'));
    assert.is(lifted!.liftedMs, T0 + 5);
    assert.is(await store.liftBan(forever.id, T0 + 6, audit('unban')), null);
    assert.equal((await store.loadBans(T0)).map((b) => b.id), [brief.id]);
    const entries = await store.audit({ limit: 10 });
    assert.equal(entries.map((e) => e.action), ['unban', 'ban', 'ban']);
    assert.equal((entries[2]!.result as { ban: unknown }).ban, forever);
    await close();
  });

  test('locks and board settings: added, removed, replaced', async () => {
    const { store, close } = await harness.open(dir());
    const lock = await store.addLock({ boardId: 'place', x: 1, y: 2, width: 3, height: 4, reason: 'logo', createdMs: T0, createdBy: 'user:1' }, audit('lock'));
    assert.equal(await store.loadLocks(), [lock]);
    assert.equal(await store.removeLock(lock.id, audit('unlock')), lock);
    assert.is(await store.removeLock(lock.id, audit('unlock')), null);
    assert.equal(await store.loadLocks(), []);
    const buckets = [{ key: 'session', capacity: 1, refillPerSecond: 0.1, unit: 'pixel' }];
    await store.saveBoardSettings({ boardId: 'place', open: false, opensAtMs: T0, closesAtMs: T0 + 1, buckets }, audit('settings'));
    await store.saveBoardSettings({ boardId: 'place', open: true, opensAtMs: null, closesAtMs: T0 + 2, buckets: null }, audit('settings'));
    assert.equal(await store.loadBoardSettings(), [{ boardId: 'place', open: true, opensAtMs: null, closesAtMs: T0 + 2, buckets: null }]);
    assert.equal((await store.audit({ limit: 10 })).map((e) => e.action), ['settings', 'settings', 'unlock', 'lock']);
    await close();
  });

  test('reports: a queue, newest first in pages, closed once', async () => {
    const { store, close } = await harness.open(dir());
    const made = [];
    for (let i = 0; i < 5; i++) made.push(await store.addReport({ boardId: 'place', x: i, y: 0, width: 1, height: 1, reason: 'spam', reporter: 'guest:x', createdMs: T0 + i }));
    assert.is(await store.openReportCount(), 5);
    const first = await store.reports('open', { limit: 2 });
    assert.equal(first.map((r) => r.x), [4, 3]);
    assert.equal((await store.reports('open', { limit: 2, before: first[1]!.id })).map((r) => r.x), [2, 1]);
    const closed = await store.closeReport(made[0]!.id, 'dismissed', 'user:1', T0 + 9, audit('report'));
    assert.equal([closed!.status, closed!.handledBy, closed!.handledMs], ['dismissed', 'user:1', T0 + 9]);
    assert.is(await store.closeReport(made[0]!.id, 'resolved', 'user:1', T0 + 9, audit('report')), null);
    assert.is(await store.openReportCount(), 4);
    assert.equal((await store.reports('dismissed', { limit: 10 })).map((r) => r.id), [made[0]!.id]);
    assert.is((await store.reports(null, { limit: 10 })).length, 5);
    await close();
  });

  test('audit: appended entries keep their parameters and results, paged newest first', async () => {
    const { store, close } = await harness.open(dir());
    for (let i = 0; i < 7; i++) await store.appendAudit({ ...audit('rollback', { i }), result: { pixels: i * 10 } });
    const page = await store.audit({ limit: 3 });
    assert.equal(page.map((e) => (e.params as { i: number }).i), [6, 5, 4]);
    assert.equal(page[0]!.result, { pixels: 60 });
    const next = await store.audit({ limit: 10, before: page[2]!.id });
    assert.equal(next.map((e) => (e.params as { i: number }).i), [3, 2, 1, 0]);
    await close();
  });

  if (harness.durable) {
    test('everything is there again after close and open', async () => {
      const dataDir = dir();
      let { store, close } = await harness.open(dataDir);
      const u = await store.createUser(user('dave'), null);
      await store.createSession({ idHash: 'c'.repeat(64), userId: u.id, createdMs: T0, expiresMs: T0 + 10 });
      const ban = await store.addBan({ kind: 'user', target: String(u.id), reason: 'r', createdMs: T0, expiresMs: null, createdBy: 'user:1' }, audit('ban'));
      const lock = await store.addLock({ boardId: 'b', x: 0, y: 0, width: 1, height: 1, reason: '', createdMs: T0, createdBy: 'user:1' }, audit('lock'));
      await store.saveBoardSettings({ boardId: 'b', open: false, opensAtMs: null, closesAtMs: null, buckets: null }, audit('settings'));
      await close();
      ({ store, close } = await harness.open(dataDir));
      assert.equal((await store.loadUsers()).map((x) => x.username), ['dave']);
      assert.is((await store.loadSessions(T0)).length, 1);
      assert.equal(await store.loadBans(T0), [ban]);
      assert.equal(await store.loadLocks(), [lock]);
      assert.is((await store.loadBoardSettings())[0]!.open, false);
      assert.is((await store.audit({ limit: 10 })).length, 3);
      await close();
    });
  }

  test.run();
}
