// 5,000 connections from one IP: past the per-IP limits each is refused at accept with a
// complete 503 and closed, the server holds no more than the limit allows, and clients from
// other addresses (and, once the flood ends, from the same one) are served.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { connect, type Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { parseResponses } from '../support/raw.js';
import { startApp } from '../support/server.js';
import { assertServed, waitFor } from './support.js';

const FLOOD = 5000;
const BATCH = 250; // connections opened at once (well under the listen backlog)

interface Attempt {
  socket: Socket;
  received: Buffer[];
  closed: boolean;
}

/** Opens `count` connections from 127.0.0.1, `BATCH` at a time; none of them sends anything. */
async function flood(port: number, count: number): Promise<Attempt[]> {
  const attempts: Attempt[] = [];
  for (let start = 0; start < count; start += BATCH) {
    const batch = Array.from({ length: Math.min(BATCH, count - start) }, () => new Promise<Attempt>((resolve, reject) => {
      const socket = connect({ host: '127.0.0.1', port, localAddress: '127.0.0.1' });
      const attempt: Attempt = { socket, received: [], closed: false };
      socket.on('data', (chunk: Buffer) => attempt.received.push(chunk));
      socket.on('close', () => (attempt.closed = true));
      socket.once('connect', () => resolve(attempt));
      socket.once('error', reject);
    }));
    attempts.push(...(await Promise.all(batch)));
  }
  return attempts;
}

/** One GET /health from `localAddress`; everything the server sent before closing. */
function exchangeFrom(localAddress: string, port: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port, localAddress }, () => socket.write('GET /health HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n'));
    const chunks: Buffer[] = [];
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('close', () => resolve(Buffer.concat(chunks)));
    socket.once('error', reject);
  });
}

/** Waits until every refused attempt is closed; returns the refusals' reasons, counted, and the attempts still open. */
async function outcome(attempts: Attempt[], expectOpen: (open: number) => boolean): Promise<{ reasons: Map<string, number>; open: Attempt[] }> {
  await waitFor(() => expectOpen(attempts.filter((a) => !a.closed).length), 20_000, 'refused connections closed');
  const reasons = new Map<string, number>();
  for (const attempt of attempts.filter((a) => a.closed)) {
    const [response] = parseResponses(Buffer.concat(attempt.received));
    const reason = response?.status === 503 ? /503 Service Unavailable: ([\w-]+)/.exec(response.body.toString())?.[1] ?? '?' : `status ${response?.status}`;
    reasons.set(reason, (reasons.get(reason) ?? 0) + 1);
  }
  return { reasons, open: attempts.filter((a) => !a.closed) };
}

test('5,000 connections from one IP: 256 held (the per-IP limit), 4,744 refused with 503; others served', async () => {
  const server = await startApp(); // maxConnectionsPerIp 256; the tests' connection rate is unlimited
  const attempts: Attempt[] = [];
  try {
    const rssBefore = process.memoryUsage.rss();
    const started = performance.now();
    attempts.push(...(await flood(server.port, FLOOD)));
    const { reasons, open } = await outcome(attempts, (stillOpen) => stillOpen <= 256);
    assert.is(open.length, 256);
    assert.is(server.server.connectionCount, 256);
    assert.equal([...reasons], [['max-connections-per-ip', FLOOD - 256]]);
    assert.ok(performance.now() - started < 20_000);
    // 256 idle HTTP connections and 4,744 refusals cost little: a few KiB each.
    const growth = process.memoryUsage.rss() - rssBefore;
    assert.ok(growth < 64 * 2 ** 20, `RSS grew ${(growth / 2 ** 20).toFixed(0)} MiB`);
    // Another address is served at once; 127.0.0.1 is at its limit until its connections go.
    await assertServed(server.port, { localAddress: '127.0.0.2' });
    const [refused] = parseResponses(await exchangeFrom('127.0.0.1', server.port));
    assert.is(refused!.status, 503);
    for (const { socket } of open) socket.destroy();
    await waitFor(() => server.server.connectionCount === 0, 5000, 'the held connections closed');
    await assertServed(server.port, { localAddress: '127.0.0.1' });
  } finally {
    for (const { socket } of attempts) socket.destroy();
    await server.stop();
  }
});

test('5,000 connections from one IP at the default connection rate: a burst of 100, then 503 with Retry-After', async () => {
  const server = await startApp({ connectionRatePerIp: 20, connectionBurstPerIp: 100 }); // the defaults
  const attempts: Attempt[] = [];
  try {
    const started = performance.now();
    attempts.push(...(await flood(server.port, FLOOD)));
    // The bucket refills at 20 per second while the flood lasts: that many more get in.
    const allowed = (open: number) => open <= 100 + Math.ceil((performance.now() - started) / 50) + 1;
    const { reasons, open } = await outcome(attempts, allowed);
    assert.ok(open.length >= 100, `${open.length} held`);
    assert.equal([...reasons], [['connection-rate', FLOOD - open.length]]);
    const refused = attempts.find((a) => a.closed)!;
    assert.ok(Number(parseResponses(Buffer.concat(refused.received))[0]!.headers.get('retry-after')) >= 1);
    await assertServed(server.port, { localAddress: '127.0.0.2' });
  } finally {
    for (const { socket } of attempts) socket.destroy();
    await server.stop();
  }
});

test.run();
