// The SQLite engine's checkpoint thread (src/storage/sqlite/checkpointer.ts), on a real database.
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Checkpointer } from '../src/storage/sqlite/checkpointer.js';

let dir = '';
test.before.each(() => {
  dir = mkdtempSync(join(tmpdir(), 'tessera-checkpoint-'));
});
test.after.each(() => rmSync(dir, { recursive: true, force: true }));

function walDatabase(file: string) {
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('wal_autocheckpoint = 0');
  db.exec('CREATE TABLE t (v BLOB)');
  const insert = db.prepare('INSERT INTO t (v) VALUES (?)');
  return { db, write: (rows: number) => db.transaction(() => { for (let i = 0; i < rows; i++) insert.run(Buffer.alloc(1000)); })() };
}

test('copies the whole log into the database; the next write starts the log over', async () => {
  const file = join(dir, 'test.db');
  const { db, write } = walDatabase(file);
  const checkpointer = new Checkpointer(file, 4096, (error) => assert.unreachable(error.message));
  try {
    write(500);
    const walBytes = statSync(`${file}-wal`).size;
    const result = await checkpointer.checkpoint();
    assert.ok(result.log > 100);
    assert.is(result.checkpointed, result.log);
    write(10);
    const after = await checkpointer.checkpoint();
    assert.ok(after.log < 20, `the log restarted (${after.log} frames)`);
    assert.is(statSync(`${file}-wal`).size, walBytes, 'reused, not grown');
    assert.is(db.prepare('SELECT count(*) FROM t').pluck().get(), 510);
  } finally {
    await checkpointer.stop();
    db.close();
  }
});

test('a cycle restarts a log grown past its limit: the next write starts it over', async () => {
  const file = join(dir, 'test.db');
  const { db, write } = walDatabase(file);
  const checkpointer = new Checkpointer(file, 4096, (error) => assert.unreachable(error.message), 256 * 1024);
  try {
    write(10);
    assert.is(await checkpointer.cycle(), 'checkpointed', 'a short log is only copied');
    write(500);
    assert.is(await checkpointer.cycle(), 'restarted');
    assert.is(checkpointer.restarting, null, 'commits may go on');
    write(1);
    assert.ok((await checkpointer.checkpoint()).log < 10);
  } finally {
    await checkpointer.stop();
    db.close();
  }
});

test('reports a thread that cannot work', async () => {
  const failed = await new Promise<Error>((resolve) => new Checkpointer(join(dir, 'missing', 'test.db'), 4096, resolve));
  assert.match(failed.message, /does not exist/);
});

test.run();
