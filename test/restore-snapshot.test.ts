// A server that had to replay history at start-up snapshots its boards when it stops, even if
// nothing was placed meanwhile, so the next start loads the snapshot instead of replaying the
// same records again (start-up time stays bounded by the snapshot interval).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseAppConfig } from '../src/config/load.js';
import { openSqliteStorage } from '../src/storage/sqlite/open.js';
import type { PixelRecord } from '../src/storage/storage.js';
import { startApp } from './support/server.js';

const CONFIG = parseAppConfig({
  server: {},
  boards: [{ id: 'free', title: 'Free', width: 64, height: 64, chunkSize: 32, palette: ['#FFFFFF', '#000000'], background: 0,
    policy: { strokes: false, maxBatch: 1, tileWrites: false, buckets: [{ key: 'ip', capacity: 100, refillPerSecond: 100, unit: 'pixel' }] } }],
});

test('records replayed at start-up are snapshotted at shutdown; the next start replays none', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'tessera-restore-'));
  try {
    const storage = await openSqliteStorage(dataDir);
    const records: PixelRecord[] = Array.from({ length: 50 }, (_, i) => ({
      kind: 'pixel', boardId: 'free', x: i, y: 3, color: 1, previousColor: 0, actor: 'guest:x', ipHash: storage.hashIp('10.0.0.1'), timeMs: 1_700_000_000_000 + i, source: 'http',
    }));
    await storage.commit(records);
    await storage.close();

    const first = await startApp({ dataDir }, CONFIG);
    assert.is(first.canvas!.boards[0]!.getPixel(49, 3), 1, 'replayed');
    await first.stop(); // nothing placed while it ran

    const reopened = await openSqliteStorage(dataDir);
    const snapshot = await reopened.latestSnapshot('free');
    const lastSeq = await reopened.lastSeq();
    await reopened.close();
    assert.ok(snapshot !== null, 'a snapshot was saved at shutdown');
    assert.is(snapshot!.seq, lastSeq, 'it includes every record');

    const second = await startApp({ dataDir }, CONFIG);
    assert.is(second.canvas!.boards[0]!.getPixel(49, 3), 1, 'the snapshot holds the pixels');
    await second.stop();
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
});

test.run();
