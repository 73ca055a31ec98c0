// Dropping a connection that holds thousands of queued writes (a stalled viewer) must not
// hold the event loop: destroyed with no error, Node fails each queued write with a new
// Error of its own (2.2–2.5 s for 200 stalled viewers: bench/hostile/teardown.ts).
// dropSocket fails them all with one shared error.
import { once } from 'node:events';
import { connect, createServer, type Socket } from 'node:net';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { SOCKET_DROPPED, dropSocket } from '../../src/net/drop-socket.js';

const FRAME = Buffer.alloc(80, 1);
const FILL = Buffer.alloc(64 * 1024, 1);

/** An accepted socket whose peer never reads, with the kernel's buffers full. */
async function stalled(): Promise<{ socket: Socket; close: () => void }> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const accepted = once(server, 'connection');
  const peer = connect((server.address() as { port: number }).port, '127.0.0.1');
  peer.pause();
  const [socket] = (await accepted) as [Socket];
  socket.on('error', () => {});
  let writes = 0;
  while (socket.writableLength === 0 && writes++ < 4096) socket.write(FILL);
  assert.ok(socket.writableLength > 0, 'the kernel refused more');
  return { socket, close: () => (peer.destroy(), server.close()) };
}

test('a dropped socket fails every queued write with one shared error, not a new Error each', async () => {
  const { socket, close } = await stalled();
  const errors: (Error | null | undefined)[] = [];
  for (let i = 0; i < 1000; i++) socket.write(FRAME, (error) => errors.push(error));
  const closed = new Promise((resolve) => socket.once('close', resolve)); // once() would reject on the 'error' first
  dropSocket(socket);
  await closed;
  close();
  assert.is(errors.length, 1000, 'every queued write was failed');
  assert.is(new Set(errors).size, 1, 'with one error object');
  assert.is(errors[0], SOCKET_DROPPED);
});

test.run();
