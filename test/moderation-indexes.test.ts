// The in-memory moderation state the placement path reads: bans by account, session, IP, IPv6
// /64 and CIDR range with expiry; region locks over pixels, strokes and tiles; board windows;
// and the scrypt password hashes.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { BanIndex } from '../src/moderation/ban-index.js';
import { parseIpTarget } from '../src/moderation/ip-bans.js';
import { BoardStates, LockIndex } from '../src/moderation/lock-index.js';
import { hashPassword, verifyPassword } from '../src/moderation/passwords.js';
import { parseBoards } from '../src/config/boards.js';
import { RatePolicy } from '../src/ratelimit/policy.js';
import { ipKey } from '../src/net/client-ip.js';
import { mulberry32 } from './support/random.js';
import { guestActor } from '../src/placement/actor.js';
import type { BanRecord, LockRecord } from '../src/storage/moderation.js';

const T0 = 1_700_000_000_000;
let nextId = 1;
const ban = (kind: BanRecord['kind'], target: string, expiresMs: number | null = null): BanRecord =>
  ({ id: nextId++, kind, target, reason: 'r', createdMs: T0, expiresMs, createdBy: 'user:1', liftedMs: null });
const writer = (ip: string, session = 'S'.repeat(22), actor?: string) => ({ session, ip: ipKey(ip, 64), ...(actor ? { actor } : {}) });

test('IP targets: addresses, IPv4 ranges, IPv6 addresses stand for their /64, wider IPv6 ranges', () => {
  assert.equal(parseIpTarget('203.0.113.7', 64), { key: '203.0.113.7', range: null, text: '203.0.113.7' });
  assert.is(parseIpTarget('203.0.113.77/24', 64)!.text, '203.0.113.0/24');
  assert.is(parseIpTarget('2001:db8:1:2:3:4:5:6', 64)!.key, '2001:db8:1:2::/64');
  assert.is(parseIpTarget('2001:db8:1:2::/96', 64)!.key, '2001:db8:1:2::/64');
  assert.is(parseIpTarget('2001:db8:ff::/48', 64)!.text, '2001:db8:ff::/48');
  for (const bad of ['', 'x', '1.2.3.4/33', '1.2.3.4/-1', '::/129', '1.2.3']) assert.is(parseIpTarget(bad, 64), null, bad);
});

test('bans find a writer by guest session, account, address, /64 and range; expired bans do not count', () => {
  const index = new BanIndex(64);
  assert.ok(index.empty);
  const session = 'A'.repeat(22);
  index.replace([
    ban('session', guestActor(session)),
    ban('user', '7'),
    ban('ip', '198.51.100.9'),
    ban('ip', '2001:db8:1:2::1'),
    ban('ip', '10.0.0.0/8'),
    ban('ip', '2001:db8:ff::/48'),
    ban('ip', '192.0.2.1', T0 + 1000),
  ]);
  assert.ok(index.find(writer('1.1.1.1', session), T0), 'guest session');
  assert.ok(index.find(writer('1.1.1.1', 'B'.repeat(22), 'user:7'), T0), 'account');
  assert.not.ok(index.find(writer('1.1.1.1', 'B'.repeat(22), 'user:8'), T0));
  assert.ok(index.find(writer('198.51.100.9'), T0), 'address');
  assert.not.ok(index.find(writer('198.51.100.10'), T0));
  assert.ok(index.find(writer('2001:db8:1:2:ffff::99'), T0), 'another address of the banned /64');
  assert.not.ok(index.find(writer('2001:db8:1:3::1'), T0));
  assert.ok(index.find(writer('10.200.3.4'), T0), 'IPv4 range');
  assert.ok(index.find(writer('2001:db8:ff:1234::1'), T0), 'IPv6 range');
  assert.not.ok(index.find(writer('2001:db8:fe::1'), T0));
  assert.ok(index.find(writer('192.0.2.1'), T0 + 999), 'before expiry');
  assert.not.ok(index.find(writer('192.0.2.1'), T0 + 1000), 'at expiry');
  assert.ok(index.expire(T0 + 1000));
  assert.is(index.list().length, 6);
  const id = index.list()[0]!.id;
  index.remove(id);
  assert.not.ok(index.find(writer('1.1.1.1', session), T0), 'lifted');
});

test('range edges: /0 and /1 of IPv4, ::/0, an IPv4 range never covers IPv6 nor the other way', () => {
  const index = new BanIndex(64);
  index.replace([ban('ip', '128.0.0.0/1')]);
  assert.ok(index.find(writer('200.1.2.3'), T0));
  assert.not.ok(index.find(writer('127.255.255.255'), T0));
  assert.not.ok(index.find(writer('8000::1'), T0), 'not IPv6');
  index.replace([ban('ip', '0.0.0.0/0')]);
  assert.ok(index.find(writer('1.2.3.4'), T0));
  assert.not.ok(index.find(writer('2001:db8::1'), T0));
  index.replace([ban('ip', '::/0')]);
  assert.ok(index.find(writer('2001:db8::1'), T0));
  assert.not.ok(index.find(writer('1.2.3.4'), T0));
  index.replace([ban('ip', '2001:db8:8000::/33')]);
  assert.ok(index.find(writer('2001:db8:ffff:1::1'), T0));
  assert.not.ok(index.find(writer('2001:db8:7fff:1::1'), T0));
  assert.is(parseIpTarget('2001:db8:8000::/33', 64)!.text, '2001:db8:8000::/33');
  assert.is(parseIpTarget('10.1.2.3/8', 64)!.text, '10.0.0.0/8');
});

test('of two bans on one name the longer one counts', () => {
  const index = new BanIndex(64);
  index.replace([ban('ip', '192.0.2.5', T0 + 10), ban('ip', '192.0.2.5', null), ban('ip', '192.0.2.5', T0 + 5)]);
  assert.ok(index.find(writer('192.0.2.5'), T0 + 1_000_000));
});

test('locks cover pixels, stroke pixels and overlapping tiles; boards honour open and the window', () => {
  const locks = new LockIndex(2);
  const lock: LockRecord = { id: 1, boardId: 'a', x: 10, y: 20, width: 5, height: 3, reason: '', createdMs: T0, createdBy: 'user:1' };
  locks.add(0, lock);
  const pixel = (x: number, y: number) => ({ kind: 'pixel' as const, x, y, color: 1 });
  assert.ok(locks.covers(0, pixel(10, 20), 0));
  assert.ok(locks.covers(0, pixel(14, 22), 0));
  assert.not.ok(locks.covers(0, pixel(15, 22), 0));
  assert.not.ok(locks.covers(0, pixel(14, 23), 0));
  assert.not.ok(locks.covers(1, pixel(10, 20), 0), 'another board');
  const stroke = Uint8Array.of(0, 1, 0, 1, 3, 0, 12, 0, 21, 3);
  assert.ok(locks.covers(0, { kind: 'batch', pixels: stroke, count: 2 }, 0));
  assert.not.ok(locks.covers(0, { kind: 'batch', pixels: stroke, count: 1 }, 0));
  assert.ok(locks.covers(0, { kind: 'tile', tx: 1, ty: 2, colors: new Uint8Array(64) }, 8), 'tile (8..15, 16..23)');
  assert.not.ok(locks.covers(0, { kind: 'tile', tx: 0, ty: 2, colors: new Uint8Array(64) }, 8), 'tile (0..7, 16..23)');
  locks.remove(0, 1);
  assert.not.ok(locks.covers(0, pixel(10, 20), 0));

  const states = new BoardStates(['a']);
  assert.ok(states.writable(0, T0));
  states.set(0, { boardId: 'a', open: true, opensAtMs: T0, closesAtMs: T0 + 100, buckets: null });
  assert.equal([T0 - 1, T0, T0 + 99, T0 + 100].map((t) => states.writable(0, t)), [false, true, true, false]);
  states.set(0, { boardId: 'a', open: false, opensAtMs: null, closesAtMs: null, buckets: null });
  assert.not.ok(states.writable(0, T0));
});

test('locks: the cell grid never changes the answer (every pixel of a board against the rectangles, as locks come and go)', () => {
  const random = mulberry32(11);
  const int = (n: number) => Math.floor(random() * n);
  const locks = new LockIndex(1);
  const held: LockRecord[] = [];
  for (let round = 0; round < 12; round++) {
    if (round % 3 === 2) locks.remove(0, held.splice(int(held.length), 1)[0]!.id);
    else {
      const lock: LockRecord = { id: round + 1, boardId: 'a', x: int(190), y: int(190), width: 1 + int(45), height: 1 + int(45), reason: '', createdMs: T0, createdBy: 'user:1' };
      held.push(lock);
      locks.add(0, lock);
    }
    for (let y = 0; y < 240; y++) {
      for (let x = 0; x < 240; x++) {
        const expected = held.some((l) => x >= l.x && y >= l.y && x < l.x + l.width && y < l.y + l.height);
        if (locks.covers(0, { kind: 'pixel', x, y, color: 1 }, 0) !== expected) assert.unreachable(`(${x}, ${y}) in round ${round}`);
      }
    }
  }
});

test('rate buckets per role: a bucket with roles counts only those; an account\'s session bucket is the account\'s', () => {
  const policy = new RatePolicy([
    { key: 'session', capacity: 1, refillPerSecond: 0.001, unit: 'pixel', roles: ['guest'] },
    { key: 'session', capacity: 2, refillPerSecond: 0.001, unit: 'pixel', roles: ['user'] },
  ]);
  const guest = { session: 'g1', ip: '1.1.1.1' };
  assert.equal([policy.consume(guest, 1, T0).allowed, policy.consume(guest, 1, T0).allowed], [true, false]);
  const user = (session: string) => ({ session, ip: '1.1.1.1', role: 'user', actor: 'user:5' });
  assert.equal([policy.consume(user('a'), 1, T0).allowed, policy.consume(user('b'), 1, T0).allowed, policy.consume(user('c'), 1, T0).allowed], [true, true, false]);
  assert.is(policy.quota(user('d'), T0).capacity, 2);
  assert.ok(policy.consume({ session: 'm', ip: '1.1.1.1', role: 'moderator', actor: 'user:6' }, 1, T0).allowed, 'no bucket counts moderators');
  const board = (roles: unknown) => [{ id: 'b', title: 'b', width: 8, height: 8, chunkSize: 8, palette: ['#000000', '#FFFFFF'], background: 0,
    policy: { strokes: false, maxBatch: 1, buckets: [{ key: 'ip', capacity: 1, refillPerSecond: 1, unit: 'pixel', roles }] } }];
  assert.equal(parseBoards(board(['guest', 'admin']), 'boards')[0]!.policy.buckets[0]!.roles, ['guest', 'admin']);
  assert.throws(() => parseBoards(board(['pirate']), 'boards'));
});

test('passwords: scrypt with a salt per hash, verified only by the same password; malformed hashes never match', async () => {
  const one = await hashPassword('correct horse', 10);
  const two = await hashPassword('correct horse', 10);
  assert.match(one, /^scrypt\$10\$8\$1\$[\w-]{22}\$[\w-]{43}$/);
  assert.is.not(one, two);
  assert.ok(await verifyPassword('correct horse', one));
  assert.not.ok(await verifyPassword('correct horsf', one));
  for (const bad of ['', 'scrypt$10$8$1$x', 'bcrypt$10$8$1$AAAA$AAAA', 'scrypt$99$8$1$AAAA$' + 'A'.repeat(43), one.slice(0, -2)]) {
    assert.not.ok(await verifyPassword('correct horse', bad), bad);
  }
});

test.run();
