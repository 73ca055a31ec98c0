// Issue 9 F9: per-IP limits key an IPv6 client by its /64 (ipv6PrefixLength), since one
// host usually holds a whole /64 and can rotate through it; IPv4 by the address, and
// IPv4-mapped IPv6 (::ffff:a.b.c.d) as the IPv4 address it is.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { connect, type Socket } from 'node:net';
import { ipKey } from '../../src/net/client-ip.js';
import { parseResponses, readUntilClose } from '../support/raw.js';
import { startApp, type RunningServer } from '../support/server.js';
import { assertServed } from './support.js';

function openV6(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '::1', port }, () => resolve(socket));
    socket.once('error', reject);
  });
}

async function exchangeV6(port: number, bytes: string): Promise<string> {
  const socket = await openV6(port);
  const done = readUntilClose(socket);
  socket.write(bytes);
  return (await done).toString('latin1');
}

test('ipKey: IPv4 by address, IPv4-mapped as IPv4, IPv6 by its prefix', () => {
  assert.is(ipKey('192.0.2.7', 64), '192.0.2.7');
  assert.is(ipKey('::ffff:192.0.2.7', 64), '192.0.2.7');
  assert.is(ipKey('::FFFF:192.0.2.7', 64), '192.0.2.7');
  assert.is(ipKey('2001:db8:1:2:aaaa:bbbb:cccc:dddd', 64), '2001:db8:1:2::/64');
  assert.is(ipKey('2001:db8:1:2::1', 64), ipKey('2001:DB8:1:2:ffff:ffff:ffff:ffff', 64), 'one /64');
  assert.is.not(ipKey('2001:db8:1:2::1', 64), ipKey('2001:db8:1:3::1', 64), 'the next /64');
  assert.is(ipKey('2001:db8:1:2::1', 48), '2001:db8:1::/48');
  assert.is(ipKey('2001:db8:1:2ff::1', 56), '2001:db8:1:200::/56');
  assert.is(ipKey('2001:db8::1', 128), '2001:db8::1/128');
  assert.is(ipKey('::1', 64), '::/64');
  assert.is(ipKey('fe80::1%eth0', 64), 'fe80::/64', 'zone index dropped');
  assert.is(ipKey('64:ff9b::192.0.2.7', 128), '64:ff9b::c000:207/128', 'embedded IPv4 tail');
  assert.is(ipKey('', 64), '', 'no address (a closed socket)');
});

test('F9: the per-IP connection limit counts connections from ::1 (503 past it)', async () => {
  const server = await startApp({ host: '::1', maxConnectionsPerIp: 2 });
  try {
    const a = await openV6(server.port);
    const b = await openV6(server.port);
    const refused = parseResponses(await exchangeV6(server.port, 'GET /health HTTP/1.1\r\nHost: a\r\n\r\n'));
    assert.is(refused[0]!.status, 503);
    assert.ok(refused[0]!.body.toString().includes('max-connections-per-ip'));
    const closed = Promise.all([readUntilClose(a), readUntilClose(b)]);
    a.destroy();
    b.destroy();
    await closed;
    await assertServed(server.port, { host: '::1' });
  } finally {
    await server.stop();
  }
});

/** POSTs one pixel to "place" from ::1 as a trusted proxy forwarding for `client`; resolves with the status. */
async function placeFor(server: RunningServer, client: string): Promise<number> {
  const body = '{"x":5,"y":5,"color":3}';
  const raw = await exchangeV6(server.port,
    `POST /api/boards/place/pixels HTTP/1.1\r\nHost: a\r\nX-Forwarded-For: ${client}\r\nContent-Type: application/json\r\n` +
    `Content-Length: ${body.length}\r\nConnection: close\r\n\r\n${body}`);
  return parseResponses(raw)[0]!.status;
}

test('F9: placements from addresses of one /64 share the per-IP bucket; another /64 has its own', async () => {
  // "place" allows 8 pixels per IP at once (a new session per request, so only the IP bucket binds).
  const server = await startApp({ host: '::1', trustedProxies: ['::1'] });
  try {
    const statuses: number[] = [];
    for (let host = 1; host <= 9; host++) statuses.push(await placeFor(server, `2001:db8:0:1::${host.toString(16)}`));
    assert.equal(statuses, [200, 200, 200, 200, 200, 200, 200, 200, 429]);
    assert.is(await placeFor(server, '2001:db8:0:2::1'), 200, 'the next /64');
    assert.is(await placeFor(server, '2001:db8:0:1:ffff::1'), 429, 'anywhere in the first /64');
    await assertServed(server.port, { host: '::1' });
  } finally {
    await server.stop();
  }
});

test('F9: ipv6PrefixLength 128 keys every IPv6 address on its own', async () => {
  const server = await startApp({ host: '::1', trustedProxies: ['::1'], ipv6PrefixLength: 128 });
  try {
    for (let host = 1; host <= 9; host++) assert.is(await placeFor(server, `2001:db8:0:1::${host}`), 200);
  } finally {
    await server.stop();
  }
});

test.run();
