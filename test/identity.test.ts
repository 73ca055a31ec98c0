// Who a request is: cookies, the session cookie, and the client IP behind
// trusted proxies (and not behind a client's own X-Forwarded-For).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { clientIp } from '../src/net/client-ip.js';
import { parseCookies, serializeCookie } from '../src/net/cookies.js';
import { SESSION_COOKIE, isValidSessionId, newSessionId, sessionFor } from '../src/net/session.js';

const entries = (map: Map<string, string>) => [...map];

/**
 * A header that counts the characters read through it: how a test bounds a parser's work
 * without a clock. It counts the reads these parsers make (indexOf, lastIndexOf, slice,
 * charCodeAt); `scanned` staying 0 would mean they read it some other way.
 */
class CountingHeader extends String {
  scanned = 0;

  override indexOf(search: string, position = 0): number {
    const found = super.indexOf(search, position);
    this.scanned += (found === -1 ? this.length : found + search.length) - position;
    return found;
  }

  override lastIndexOf(search: string, position = this.length): number {
    const found = super.lastIndexOf(search, position);
    this.scanned += Math.min(position, this.length - 1) - found;
    return found;
  }

  override slice(start?: number, end?: number): string {
    const part = super.slice(start, end);
    this.scanned += part.length;
    return part;
  }

  override charCodeAt(index: number): number {
    this.scanned++;
    return super.charCodeAt(index);
  }

  /** As the string parameter the parsers take. */
  get text(): string {
    return this as unknown as string;
  }
}

// ---- cookies ----

test('parseCookies: name=value pairs, spaces tolerated', () => {
  assert.equal(entries(parseCookies('a=1; b=2')), [['a', '1'], ['b', '2']]);
  assert.equal(entries(parseCookies('a=1;b=2')), [['a', '1'], ['b', '2']]);
  assert.equal(entries(parseCookies('  a = 1 ;\tb=2 ;  ')), [['a', '1'], ['b', '2']]);
  assert.equal(entries(parseCookies('a=')), [['a', '']], 'an empty value is a value');
  assert.equal(entries(parseCookies('token=abc==; x=y=z')), [['token', 'abc=='], ['x', 'y=z']], 'only the first "=" splits');
  assert.equal(entries(parseCookies('q="quoted value"')), [['q', 'quoted value']]);
  assert.equal(entries(parseCookies('%41=%42')), [['%41', '%42']], 'nothing is decoded');
  assert.is(parseCookies(undefined).size, 0);
  assert.is(parseCookies('').size, 0);
});

test('parseCookies: malformed pairs are skipped, the rest kept', () => {
  assert.equal(entries(parseCookies('junk; a=1; =nameless; b c=2; d=ok')), [['a', '1'], ['d', 'ok']]);
  assert.equal(entries(parseCookies('a=1\u0000x; b=2')), [['b', '2']], 'control characters in a value');
  assert.equal(entries(parseCookies('é=1; b=2')), [['b', '2']], 'non-token name');
  assert.equal(entries(parseCookies(';;;a=1;;;')), [['a', '1']]);
});

test('parseCookies: the first occurrence of a name wins', () => {
  assert.equal(entries(parseCookies('a=first; b=2; a=second')), [['a', 'first'], ['b', '2']]);
});

test('parseCookies: at most 50 cookies, and hostile headers cost linear time', () => {
  const many = Array.from({ length: 80 }, (_, i) => `c${i}=${i}`).join('; ');
  const parsed = parseCookies(many);
  assert.is(parsed.size, 50);
  assert.is(parsed.get('c49'), '49');
  assert.not.ok(parsed.has('c50'));
  // Rescanning for "=" from every ";" would read "a;a;…" ~n²/4 times over.
  const cases: [string, (cookies: Map<string, string>) => boolean][] = [
    ['a;'.repeat(200_000) + 'b=1', (cookies) => cookies.get('b') === '1'],
    ['x'.repeat(400_000), (cookies) => cookies.size === 0],
    ['='.repeat(400_000), (cookies) => cookies.size === 0],
  ];
  for (const [text, check] of cases) {
    const header = new CountingHeader(text);
    assert.ok(check(parseCookies(header.text)), text.slice(0, 8));
    assert.ok(header.scanned > 0 && header.scanned <= 3 * text.length, `${text.slice(0, 8)}…: read ${header.scanned} characters of ${text.length}`);
  }
});

test('serializeCookie: attributes in a Set-Cookie value', () => {
  assert.is(serializeCookie('a', 'b', {}), 'a=b');
  assert.is(
    serializeCookie('sid', 'xyz', { httpOnly: true, sameSite: 'Lax', path: '/', maxAgeSeconds: 3600 }),
    'sid=xyz; Path=/; Max-Age=3600; HttpOnly; SameSite=Lax',
  );
  assert.is(serializeCookie('a', 'b', { secure: true, sameSite: 'None' }), 'a=b; Secure; SameSite=None');
  assert.is(serializeCookie('a', 'b', { maxAgeSeconds: 0 }), 'a=b; Max-Age=0', 'Max-Age=0 deletes');
});

test('serializeCookie: refuses anything that could break or inject into the header', () => {
  assert.throws(() => serializeCookie('a', 'b\r\nSet-Cookie: evil=1', {}), TypeError);
  assert.throws(() => serializeCookie('a', 'b; Domain=evil.example', {}), TypeError);
  assert.throws(() => serializeCookie('a b', 'c', {}), TypeError);
  assert.throws(() => serializeCookie('', 'c', {}), TypeError);
  assert.throws(() => serializeCookie('a', 'b', { path: '/; Domain=evil' }), TypeError);
  assert.throws(() => serializeCookie('a', 'b', { maxAgeSeconds: 1.5 }), TypeError);
  assert.throws(() => serializeCookie('a', 'b', { sameSite: 'None' }), TypeError, 'SameSite=None needs Secure');
});

// ---- sessions ----

test('newSessionId: 22 base64url characters, never the same twice', () => {
  const ids = new Set<string>();
  for (let i = 0; i < 1000; i++) {
    const id = newSessionId();
    assert.ok(/^[A-Za-z0-9_-]{22}$/.test(id), id);
    assert.ok(isValidSessionId(id));
    ids.add(id);
  }
  assert.is(ids.size, 1000);
});

test('isValidSessionId: exactly 22 base64url characters', () => {
  assert.ok(isValidSessionId('AAAAAAAAAAAAAAAAAAAAAA'));
  assert.ok(isValidSessionId('abcdefghij-_0123456789'));
  assert.not.ok(isValidSessionId(''));
  assert.not.ok(isValidSessionId('A'.repeat(21)));
  assert.not.ok(isValidSessionId('A'.repeat(23)));
  assert.not.ok(isValidSessionId('A'.repeat(21) + '+'), 'standard base64');
  assert.not.ok(isValidSessionId('A'.repeat(21) + '/'));
  assert.not.ok(isValidSessionId('A'.repeat(20) + '=='), 'padding');
  assert.not.ok(isValidSessionId('A'.repeat(21) + 'é'));
});

test('sessionFor: a valid session cookie is kept, with nothing to set', () => {
  const id = newSessionId();
  assert.equal(sessionFor(`${SESSION_COOKIE}=${id}`), { id, setCookie: null });
  assert.equal(sessionFor(`theme=dark; ${SESSION_COOKIE}=${id}; other=1`), { id, setCookie: null });
});

test('sessionFor: no cookie, or an invalid one, gets a new session and its Set-Cookie', () => {
  for (const header of [undefined, '', 'theme=dark', `${SESSION_COOKIE}=`, `${SESSION_COOKIE}=short`, `${SESSION_COOKIE}=${'A'.repeat(21)}+`, `${SESSION_COOKIE}=${'A'.repeat(40)}`]) {
    const { id, setCookie } = sessionFor(header);
    assert.ok(isValidSessionId(id), String(header));
    assert.is(setCookie, `${SESSION_COOKIE}=${id}; Path=/; Max-Age=31536000; HttpOnly; SameSite=Lax`);
  }
  assert.is.not(sessionFor(undefined).id, sessionFor(undefined).id);
});

// ---- client IP ----

const PROXY = '10.0.0.1';

test('clientIp: with no trusted proxies the socket address is the client, X-Forwarded-For is ignored', () => {
  assert.is(clientIp('203.0.113.5', undefined, []), '203.0.113.5');
  assert.is(clientIp('203.0.113.5', '1.2.3.4', []), '203.0.113.5');
});

test('clientIp: an untrusted peer cannot pick its address with X-Forwarded-For', () => {
  assert.is(clientIp('203.0.113.5', '198.51.100.9', [PROXY]), '203.0.113.5');
  assert.is(clientIp('203.0.113.5', `198.51.100.9, ${PROXY}`, [PROXY]), '203.0.113.5', 'not even by naming our proxy');
});

test('clientIp: behind a trusted proxy, the rightmost untrusted entry is the client', () => {
  assert.is(clientIp(PROXY, '203.0.113.5', [PROXY]), '203.0.113.5');
  // The client prepended a spoofed entry; our proxy appended the real peer.
  assert.is(clientIp(PROXY, '6.6.6.6, 203.0.113.5', [PROXY]), '203.0.113.5');
  assert.is(clientIp(PROXY, '6.6.6.6,7.7.7.7 ,  203.0.113.5', [PROXY]), '203.0.113.5');
  // Two proxies: the CDN edge, then ours.
  assert.is(clientIp(PROXY, '6.6.6.6, 203.0.113.5, 10.0.0.2', [PROXY, '10.0.0.2']), '203.0.113.5');
  assert.is(clientIp(PROXY, '6.6.6.6, 203.0.113.5, 10.0.0.2', [PROXY]), '10.0.0.2', 'an untrusted hop ends the walk');
});

test('clientIp: a trusted proxy without X-Forwarded-For, or with only trusted hops, is the last hop we know', () => {
  assert.is(clientIp(PROXY, undefined, [PROXY]), PROXY);
  assert.is(clientIp(PROXY, '10.0.0.2', [PROXY, '10.0.0.2']), '10.0.0.2');
});

test('clientIp: a malformed entry stops the walk at the last trusted hop', () => {
  for (const header of ['', ' ', 'unknown', '203.0.113.5, garbage', '203.0.113.5,', '203.0.113.5, 1.2.3', '203.0.113.5, 1.2.3.4:99999', '203.0.113.5, [::1', '203.0.113.5, 10.0.0.1/8']) {
    assert.is(clientIp(PROXY, header, [PROXY]), PROXY, JSON.stringify(header));
  }
  assert.is(clientIp(PROXY, '203.0.113.5, junk, 10.0.0.2', [PROXY, '10.0.0.2']), '10.0.0.2');
});

test('clientIp: IPv6, ports and IPv4-mapped addresses', () => {
  assert.is(clientIp(PROXY, '2001:DB8::1', [PROXY]), '2001:db8::1');
  assert.is(clientIp(PROXY, '[2001:db8::1]:4711', [PROXY]), '2001:db8::1');
  assert.is(clientIp(PROXY, '[2001:db8::1]', [PROXY]), '2001:db8::1');
  assert.is(clientIp(PROXY, '203.0.113.5:4711', [PROXY]), '203.0.113.5');
  // Dual-stack sockets report IPv4 peers as ::ffff:a.b.c.d.
  assert.is(clientIp('::ffff:203.0.113.5', undefined, []), '203.0.113.5');
  assert.is(clientIp('::FFFF:10.0.0.1', '::ffff:203.0.113.5', [PROXY]), '203.0.113.5');
  assert.is(clientIp(PROXY, '203.0.113.5', ['::ffff:10.0.0.1']), '203.0.113.5');
  assert.is(clientIp('::1', '203.0.113.5', ['::1']), '203.0.113.5');
  assert.is(clientIp('0:0:0:0:0:0:0:1', '203.0.113.5', ['::1']), '203.0.113.5', 'the same address written out in full');
});

test('clientIp: trusted proxies may be CIDR ranges, as the config allows', () => {
  const trusted = ['10.0.0.0/8', 'fd00::/8'];
  assert.is(clientIp('10.1.2.3', '203.0.113.5, 10.9.9.9', trusted), '203.0.113.5');
  assert.is(clientIp('fd12::1', '2001:db8::7, fdff::2', trusted), '2001:db8::7');
  assert.is(clientIp('11.0.0.1', '203.0.113.5', trusted), '11.0.0.1', 'outside the range');
  assert.is(clientIp('10.0.0.1', '203.0.113.5', ['::ffff:10.0.0.0/104']), '203.0.113.5');
  assert.is(clientIp('10.0.0.1', '203.0.113.5', ['not an address', '10.0.0.0/99']), '10.0.0.1', 'invalid entries match nothing');
});

test('clientIp: a long forged chain costs only the trusted hops', () => {
  const text = Array.from({ length: 100_000 }, (_, i) => `6.6.${(i >> 8) & 255}.${i & 255}`).join(', ') + ', 203.0.113.5';
  const header = new CountingHeader(text);
  assert.is(clientIp(PROXY, header.text, [PROXY]), '203.0.113.5');
  // The last entry or two, not the 1.4 MB of claims left of them.
  assert.ok(header.scanned > 0 && header.scanned <= 64, `read ${header.scanned} of ${text.length} characters`);
});

test.run();
