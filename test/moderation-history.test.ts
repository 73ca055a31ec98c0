// Rollback's and undo's reading of the history on a real SQLite storage: pixelsAt(T) equals a
// replay of every record up to T from an empty board, whether a snapshot lies before T, at it
// or after it, tiles included; undoTargets keeps only the named writer's trailing writes.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { undoTargets, pixelsAt } from '../src/app/moderation/rollback.js';
import { replay } from '../src/app/replay.js';
import { Board } from '../src/canvas/board.js';
import { openSqliteStorage } from '../src/storage/sqlite/open.js';
import type { PlacementRecord, StoredPlacement } from '../src/storage/storage.js';
import { mulberry32 } from './support/random.js';
import { pixel, T0, tile } from './storage/records.js';

const dir = mkdtempSync(join(tmpdir(), 'tessera-moderation-history-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));

const config = { id: 'b', title: 'b', width: 40, height: 24, chunkSize: 16, palette: ['#000000', '#111111', '#222222', '#333333'], background: 2, tileSize: 8 };

test('pixelsAt(T) is the replay of every record up to T, with snapshots before, at and after T', async () => {
  const storage = await openSqliteStorage(join(dir, 'a'));
  const random = mulberry32(3);
  const int = (n: number) => Math.floor(random() * n);
  const live = new Board(config, 0);
  const all: PlacementRecord[] = [];
  for (let step = 0; step < 30; step++) {
    const records: PlacementRecord[] = [];
    for (let i = 0; i < 20; i++) {
      const timeMs = T0 + step * 100;
      records.push(i === 0 && step % 7 === 3
        ? tile('b', int(5), int(3), 8, int(4), { timeMs })
        : pixel('b', int(40), int(24), int(4), { timeMs }));
    }
    const seqs = await storage.commit(records);
    records.forEach((record, i) => replay(live, { ...record, seq: seqs[i]! } as StoredPlacement));
    all.push(...records);
    if (step % 10 === 9) {
      await storage.saveSnapshot({ boardId: 'b', seq: seqs[seqs.length - 1]!, width: 40, height: 24, chunkSize: 16, chunks: [...live.writtenChunks()] });
    }
  }
  const rect = { x: 3, y: 2, width: 30, height: 19 };
  for (const at of [T0 - 1, T0, T0 + 450, T0 + 900, T0 + 950, T0 + 1999, T0 + 2900, T0 + 5000]) {
    const expected = new Board(config, 0);
    for (const record of all) if (record.timeMs <= at) replay(expected, { ...record, seq: 0 } as StoredPlacement);
    const got = await pixelsAt(storage, live, rect, at);
    for (let y = 0; y < rect.height; y++) {
      for (let x = 0; x < rect.width; x++) {
        assert.is(got[y * rect.width + x], expected.getPixel(rect.x + x, rect.y + y), `(${rect.x + x}, ${rect.y + y}) at T0+${at - T0}`);
      }
    }
  }
  const before = await pixelsAt(storage, live, rect, -1);
  assert.ok(before.every((color) => color === config.background));
  await storage.close();
});

test('undoTargets: the writer\'s trailing writes since T, back to the colour before the first of them', async () => {
  const storage = await openSqliteStorage(join(dir, 'b'));
  const board = new Board(config, 0);
  const at = (timeMs: number, actor: string, x: number, color: number, previousColor: number) => pixel('b', x, 0, color, { timeMs, actor, previousColor });
  const records = [
    at(T0, 'a', 0, 1, 2), // before T
    at(T0 + 10, 'a', 0, 3, 1), // a, a: back to 1
    at(T0 + 11, 'a', 0, 0, 3),
    at(T0 + 10, 'a', 1, 3, 2), // a then b: b's stays
    at(T0 + 12, 'b', 1, 1, 3),
    at(T0 + 13, 'b', 2, 1, 2), // b then a: back to b's 1
    at(T0 + 14, 'a', 2, 3, 1),
  ];
  const seqs = await storage.commit(records);
  records.forEach((record, i) => replay(board, { ...record, seq: seqs[i]! }));
  const targets = await undoTargets(storage, board, { actor: 'a' }, T0 + 5, T0 + 100);
  assert.equal([...targets].sort((p, q) => p[0] - q[0]), [[0, 1], [2, 1]]);
  const none = await undoTargets(storage, board, { actor: 'c' }, T0, T0 + 100);
  assert.is(none.size, 0);
  await storage.close();
});

test.run();
