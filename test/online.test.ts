// ONLINE: who counts as looking at a board, and every client hearing the counts
// that are true now, even when they went back to what was last broadcast.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { encodeSubscribe } from '../src/protocol/messages.js';
import { smallConfig, TestCanvasClient } from './support/canvas-client.js';
import { startApp, type RunningServer } from './support/server.js';

const FREE = 1;

let app: RunningServer;
test.before(async () => {
  app = await startApp({}, smallConfig());
});
test.after(() => app.stop());

const url = () => `${app.wsUrl}/ws`;
const counts = () => [...app.canvas!.broadcaster.onlineCounts()];

/** An ONLINE message where board `board` counts `count`; fails after a few housekeeping rounds (1 s each). */
function untilOnline(client: TestCanvasClient, board: number, count: number): Promise<unknown> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    client.next('online', (m) => m.entries.find((e) => e.board === board)?.count === count).finally(() => clearTimeout(timer)),
    new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no ONLINE with ${count} on board ${board}`)), 5_000);
    }),
  ]);
}

/** Waits until the server's own count is `count` (a message or a close takes a moment to arrive). */
async function untilServerCounts(board: number, count: number): Promise<void> {
  const giveUpAt = Date.now() + 5_000;
  while (counts()[board] !== count) {
    if (Date.now() > giveUpAt) throw new Error(`board ${board} counts ${counts()[board]}, not ${count}`);
    await new Promise((resolve) => setImmediate(resolve));
  }
}

test('a SUBSCRIBE of no chunk counts as looking at the board; the latest SUBSCRIBE decides which', async () => {
  const client = await TestCanvasClient.open(url());
  await client.next('hello');
  client.send(encodeSubscribe(FREE, []));
  await untilServerCounts(FREE, 1);
  client.send(encodeSubscribe(0, []));
  await untilServerCounts(0, 1);
  assert.is(counts()[FREE], 0, 'it looks at board 0 now');
  await client.close();
  await untilServerCounts(0, 0);
});

test('a newcomer hears the count when it returns to the last broadcast value', async () => {
  const first = await TestCanvasClient.open(url());
  await first.next('hello');
  first.send(encodeSubscribe(FREE, [0, 0]));
  await untilOnline(first, FREE, 1); // broadcast: 1
  await first.close();
  await untilServerCounts(FREE, 0);
  // Connects while the count is 0 (its first ONLINE says so), then makes it 1 again.
  const second = await TestCanvasClient.open(url());
  await second.next('hello');
  second.send(encodeSubscribe(FREE, [0, 0]));
  await untilOnline(second, FREE, 1);
  await second.close();
});

test.run();
