// Issue 9: a server-wide budget for queued HTTP answers. Each connection queues at most 1 MiB
// (or 64 answers) for a peer that does not read; many such connections together are held to
// --max-queued-answer-bytes: past it, a connection with answers of its own still queued
// answers (and reads) no more requests until they leave. A connection with nothing queued is
// answered as ever, so clients that read are served whatever the non-readers do.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Socket } from 'node:net';
import { jsonResponse } from '../../src/net/response.js';
import { openSocket, parseResponses } from '../support/raw.js';
import { startWithRoutes } from '../support/server.js';
import { assertServed, waitFor } from './support.js';
import { settledMemory } from '../support/heap.js';

const ANSWER_BYTES = 256 * 1024;
const BUDGET = 1024 * 1024;
const FLOODS = 8;
const REQUEST = 'GET /big HTTP/1.1\r\nHost: a\r\n\r\n';

/** Bytes of live ArrayBuffers (Buffers) in this process, server and clients, after collecting garbage. */
async function arrayBufferBytes(): Promise<number> {
  return (await settledMemory()).arrayBuffers;
}

test('non-reading pipeliners hold no more than the server-wide budget (+ one answer each); readers are served', async () => {
  let answered = 0;
  const server = await startWithRoutes((router) => {
    // A fresh buffer per answer, as an uncached answer is: what is queued is what is held.
    router.http('GET', '/big', () => {
      answered++;
      return { status: 200, headers: { 'Content-Type': 'application/octet-stream' }, body: Buffer.alloc(ANSWER_BYTES, answered & 0xff) };
    });
    router.http('GET', '/health', () => jsonResponse(200, { status: 'ok' }));
  }, { maxQueuedAnswerBytes: BUDGET });
  const queued = () => Number(/^tessera_http_queued_answer_bytes (\d+)$/m.exec(server.server.registry.render())?.[1]);
  const floods: Socket[] = [];
  try {
    const before = await arrayBufferBytes();
    for (let i = 0; i < FLOODS; i++) {
      const socket = await openSocket(server.port);
      socket.pause(); // never reads: the kernel's buffers fill, then the server's queue
      socket.on('error', () => {});
      socket.write(REQUEST.repeat(400));
      floods.push(socket);
    }
    // The attack reaches the budget, then every flood waits: nothing more is answered.
    await waitFor(() => queued() > BUDGET, 20_000, 'the budget spent');
    let last = -1;
    let quiet = 0;
    await waitFor(() => {
      quiet = answered === last ? quiet + 1 : 0;
      last = answered;
      return quiet >= 20;
    }, 20_000, 'the floods waiting');
    const held = (await arrayBufferBytes()) - before;
    const bound = BUDGET + FLOODS * ANSWER_BYTES;
    assert.ok(queued() <= bound, `${queued()} bytes queued, more than ${bound}`);
    // Measured, not counted: before the budget each connection held 1 MiB + an answer (~10 MiB in all).
    assert.ok(held <= bound + 1024 * 1024, `${(held / 2 ** 20).toFixed(1)} MiB of buffers held (bound ${(bound / 2 ** 20).toFixed(1)} MiB + 1)`);
    assert.ok(answered < FLOODS * 400, 'most pipelined requests wait unanswered');

    // A client that reads is answered meanwhile, pipelining too: one answer at a time while the budget is spent.
    const reader = await openSocket(server.port);
    const chunks: Buffer[] = [];
    let bytes = 0;
    const all = new Promise<void>((resolve) => {
      reader.on('data', (chunk: Buffer) => {
        chunks.push(chunk);
        bytes += chunk.length;
        if (bytes >= 10 * ANSWER_BYTES) {
          try {
            if (parseResponses(Buffer.concat(chunks)).length === 10) resolve();
          } catch { /* incomplete */ }
        }
      });
    });
    reader.write(REQUEST.repeat(10));
    await all;
    assert.ok(parseResponses(Buffer.concat(chunks)).every((r) => r.status === 200 && r.body.length === ANSWER_BYTES));
    reader.destroy();
    await assertServed(server.port);

    for (const socket of floods) socket.destroy();
    await waitFor(() => queued() === 0, 10_000, 'the closed connections uncounted');
  } finally {
    for (const socket of floods) socket.destroy();
    await server.stop();
  }
});

test.run();
