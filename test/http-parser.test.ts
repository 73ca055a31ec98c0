import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  HttpRequestParser,
  type HttpEvent,
  type HttpParserLimits,
  type RequestHead,
} from '../src/net/http-parser.js';

// ---- helpers --------------------------------------------------------------------------------

const bytes = (text: string): Buffer => Buffer.from(text, 'latin1');

interface FeedOptions {
  limits?: Partial<HttpParserLimits>;
  /** Called on each 'head' before the next event is pulled (the place to call setBodyLimit). */
  onHead?: (parser: HttpRequestParser, head: RequestHead) => void;
}

/** Feeds the pieces one receive() each, pulling every available event after each. */
function feed(pieces: Buffer[], options: FeedOptions = {}): HttpEvent[] {
  const parser = new HttpRequestParser(options.limits);
  const events: HttpEvent[] = [];
  for (const piece of pieces) {
    parser.receive(piece);
    for (let event = parser.nextEvent(); event !== null; event = parser.nextEvent()) {
      events.push(event);
      if (event.kind === 'head') options.onHead?.(parser, event.head);
    }
  }
  return events;
}

/**
 * Events as comparable strings. Body data is merged across consecutive 'data' events,
 * since how the body is cut into events depends on how the bytes arrived.
 */
function normalise(events: HttpEvent[]): string[] {
  const out: string[] = [];
  for (const event of events) {
    if (event.kind === 'data') {
      const text = event.chunk.toString('latin1');
      if (out.length > 0 && out[out.length - 1]!.startsWith('data ')) out[out.length - 1] += text;
      else out.push('data ' + text);
    } else if (event.kind === 'head') {
      const { headers, ...rest } = event.head;
      out.push('head ' + JSON.stringify({ ...rest, headers: [...headers] }));
    } else if (event.kind === 'error') {
      out.push('error ' + event.status);
    } else {
      out.push('end');
    }
  }
  return out;
}

const whole = (stream: string, options?: FeedOptions): string[] => normalise(feed([bytes(stream)], options));

function byteAtATime(stream: string, options?: FeedOptions): string[] {
  const data = bytes(stream);
  const pieces: Buffer[] = [];
  for (let i = 0; i < data.length; i++) pieces.push(data.subarray(i, i + 1));
  return normalise(feed(pieces, options));
}

/** Asserts that every two-piece split and the byte-at-a-time feed match the whole feed. */
function assertSplitInvariant(stream: string, options?: FeedOptions): string[] {
  const expected = whole(stream, options);
  const data = bytes(stream);
  for (let cut = 1; cut < data.length; cut++) {
    const got = normalise(feed([data.subarray(0, cut), data.subarray(cut)], options));
    assert.equal(got, expected, `split at byte ${cut}`);
  }
  assert.equal(byteAtATime(stream, options), expected, 'one byte at a time');
  return expected;
}

/** The single request's head (the first event must be a head). */
function headOf(stream: string): RequestHead {
  const [first] = feed([bytes(stream)]);
  if (first?.kind !== 'head') throw new Error(`expected a head, got ${JSON.stringify(first)}`);
  return first.head;
}

/** Status of the first error event, or 0 if there was none. */
function errorStatus(stream: string, options?: FeedOptions): number {
  const error = feed([bytes(stream)], options).find((event) => event.kind === 'error');
  return error?.kind === 'error' ? error.status : 0;
}

function assertStatus(stream: string, status: number, options?: FeedOptions): void {
  assert.is(errorStatus(stream, options), status, JSON.stringify(stream));
  // Arriving one byte at a time must not change the verdict.
  const bytewise = byteAtATime(stream, options).find((line) => line.startsWith('error '));
  assert.is(bytewise ?? 'error 0', `error ${status}`, `${JSON.stringify(stream)} one byte at a time`);
}

const GET = 'GET / HTTP/1.1\r\nHost: example.com\r\n\r\n';
const req = (requestLine: string, ...fields: string[]): string =>
  requestLine + '\r\n' + fields.map((field) => field + '\r\n').join('') + '\r\n';

// ---- basics ---------------------------------------------------------------------------------

test('simple GET: head, then end, then null', () => {
  const parser = new HttpRequestParser();
  parser.receive(bytes('GET /a/b?x=1 HTTP/1.1\r\nHost: example.com\r\n\r\n'));
  const head = parser.nextEvent();
  assert.equal(head, {
    kind: 'head',
    head: {
      method: 'GET',
      target: '/a/b?x=1',
      versionMinor: 1,
      headers: new Map([['host', 'example.com']]),
      contentLength: 0,
      chunked: false,
      keepAlive: true,
      upgrade: false,
      text: 'GET /a/b?x=1 HTTP/1.1\r\nHost: example.com\r\n',
    },
  });
  assert.equal(parser.nextEvent(), { kind: 'end' });
  assert.is(parser.nextEvent(), null);
  assert.is(parser.bufferedBytes, 0);
});

test('nextEvent returns null until the head is complete', () => {
  const parser = new HttpRequestParser();
  assert.is(parser.nextEvent(), null);
  parser.receive(bytes('GET / HTTP/1.1\r\nHost: x\r\n\r'));
  assert.is(parser.nextEvent(), null);
  assert.is(parser.bufferedBytes, 26);
  parser.receive(bytes('\n'));
  assert.is(parser.nextEvent()?.kind, 'head');
  assert.is(parser.nextEvent()?.kind, 'end');
});

test('HEAD request parses like GET, with no body', () => {
  const events = feed([bytes('HEAD /index.html HTTP/1.1\r\nHost: x\r\n\r\n')]);
  assert.is(events.length, 2);
  assert.is(events[0]?.kind === 'head' && events[0].head.method, 'HEAD');
  assert.is(events[1]?.kind, 'end');
});

test('headers: lower-cased names, repeated fields joined, OWS trimmed, latin1 values', () => {
  const head = headOf(
    req(
      'GET / HTTP/1.1',
      'Host: x',
      'Accept: text/html',
      'X-Empty:',
      'ACCEPT:  \t application/json \t ',
      'X-Tab: a\tb',
      'X-Latin1: caf\xe9 \x80\xff',
      'x-token: !#$%&\'*+-.^_`|~09azAZ',
    ),
  );
  assert.equal(
    [...head.headers],
    [
      ['host', 'x'],
      ['accept', 'text/html, application/json'],
      ['x-empty', ''],
      ['x-tab', 'a\tb'],
      ['x-latin1', 'caf\u00e9 \u0080\u00ff'],
      ['x-token', "!#$%&'*+-.^_`|~09azAZ"],
    ],
  );
});

test('request-target forms: origin, asterisk with OPTIONS, absolute', () => {
  assert.is(headOf(req('OPTIONS * HTTP/1.1', 'Host: x')).target, '*');
  assert.is(headOf(req('GET http://example.com/x?y HTTP/1.1', 'Host: x')).target, 'http://example.com/x?y');
  assert.is(headOf(req('GET HTTPS://example.com HTTP/1.1', 'Host: x')).target, 'HTTPS://example.com');
  assert.is(headOf(req('GET /%20~!$&\'()*+,;=:@? HTTP/1.1', 'Host: x')).target, "/%20~!$&'()*+,;=:@?");
});

test('HTTP/1.0: Host optional, no keep-alive by default', () => {
  const head = headOf(req('GET / HTTP/1.0'));
  assert.is(head.versionMinor, 0);
  assert.is(head.keepAlive, false);
});

test('keepAlive rules for HTTP/1.1 and HTTP/1.0', () => {
  const cases: [string, string | null, boolean][] = [
    ['1.1', null, true],
    ['1.1', 'keep-alive', true],
    ['1.1', 'close', false],
    ['1.1', 'Keep-Alive, CLOSE', false],
    ['1.1', 'upgrade', true],
    ['1.0', null, false],
    ['1.0', 'keep-alive', true],
    ['1.0', 'Keep-Alive', true],
    ['1.0', 'foo, , keep-alive', true],
    ['1.0', 'close', false],
    ['1.0', 'keep-alive-ish', false],
  ];
  for (const [version, connection, keepAlive] of cases) {
    const fields = ['Host: x'];
    if (connection !== null) fields.push('Connection: ' + connection);
    const head = headOf(req(`GET / HTTP/${version}`, ...fields));
    assert.is(head.keepAlive, keepAlive, `HTTP/${version} Connection: ${connection}`);
  }
});

test('empty lines before the request line are ignored', () => {
  const events = whole('\r\n\r\n' + GET);
  assert.equal(events, whole(GET));
  assertSplitInvariant('\r\n' + GET + '\r\n' + GET);
});

// ---- bodies and pipelining -------------------------------------------------------------------

const PIPELINE =
  'GET /first HTTP/1.1\r\nHost: x\r\n\r\n' +
  'POST /second HTTP/1.1\r\nHost: x\r\nContent-Length: 11\r\n\r\nhello world' +
  'GET /third HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n';

test('pipelined GET, POST with body, GET in one receive', () => {
  const events = whole(PIPELINE);
  assert.is(events.length, 7);
  assert.match(events[0]!, '"target":"/first"');
  assert.is(events[1], 'end');
  assert.match(events[2]!, '"target":"/second"');
  assert.match(events[2]!, '"contentLength":11');
  assert.is(events[3], 'data hello world');
  assert.is(events[4], 'end');
  assert.match(events[5]!, '"target":"/third"');
  assert.match(events[5]!, '"keepAlive":false');
  assert.is(events[6], 'end');
});

test('pull model: the caller may stop pulling and resume later', () => {
  const parser = new HttpRequestParser();
  parser.receive(bytes(PIPELINE));
  assert.is(parser.nextEvent()?.kind, 'head');
  assert.is(parser.nextEvent()?.kind, 'end');
  // ... the caller answers /first asynchronously; meanwhile more bytes arrive.
  parser.receive(bytes(GET));
  const firstRequestBytes = 'GET /first HTTP/1.1\r\nHost: x\r\n\r\n'.length;
  assert.is(parser.bufferedBytes, PIPELINE.length - firstRequestBytes + GET.length);
  const targets: string[] = [];
  for (let event = parser.nextEvent(); event; event = parser.nextEvent()) {
    if (event.kind === 'head') targets.push(event.head.target);
  }
  assert.equal(targets, ['/second', '/third', '/']);
  assert.is(parser.bufferedBytes, 0);
});

test('body data is not copied: data events are views of the received buffer', () => {
  const input = bytes('POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello');
  const parser = new HttpRequestParser();
  parser.receive(input);
  parser.nextEvent();
  const data = parser.nextEvent();
  assert.ok(data?.kind === 'data');
  if (data?.kind === 'data') {
    assert.is(data.chunk.toString(), 'hello');
    assert.is(data.chunk.buffer, input.buffer);
  }
});

test('body split over receives comes out as several data events', () => {
  const parser = new HttpRequestParser();
  parser.receive(bytes('POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nabc'));
  assert.is(parser.nextEvent()?.kind, 'head');
  assert.equal(parser.nextEvent(), { kind: 'data', chunk: bytes('abc') });
  assert.is(parser.nextEvent(), null);
  parser.receive(bytes('defghij' + GET));
  assert.equal(parser.nextEvent(), { kind: 'data', chunk: bytes('defghij') });
  assert.is(parser.nextEvent()?.kind, 'end');
  assert.is(parser.nextEvent()?.kind, 'head');
});

const CHUNKED_POST =
  'POST /upload HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n' +
  '5\r\nhello\r\n' +
  'B;name=value;flag\r\n world, hi!\r\n' +
  'a ; x="quoted ; string"\r\n0123456789\r\n' +
  '000000000000001\r\n.\r\n' +
  '0;last\r\nX-Checksum: abc\r\nX-Other:  def \r\n\r\n';

test('chunked body with extensions and trailers', () => {
  const events = whole(CHUNKED_POST + GET);
  assert.match(events[0]!, '"chunked":true');
  assert.match(events[0]!, '"contentLength":0');
  assert.is(events[1], 'data hello world, hi!0123456789.');
  assert.is(events[2], 'end');
  assert.match(events[3]!, '"method":"GET"');
  assert.is(events[4], 'end');
  assert.is(events.length, 5);
});

test('chunked body without trailers, hex digits in both cases', () => {
  const stream =
    'POST / HTTP/1.1\r\nHost: x\r\ntransfer-encoding: CHUNKED\r\n\r\n' +
    'A\r\n' + 'x'.repeat(10) + '\r\nf\r\n' + 'y'.repeat(15) + '\r\n0\r\n\r\n';
  const events = whole(stream);
  assert.is(events[1], 'data ' + 'x'.repeat(10) + 'y'.repeat(15));
  assert.is(events[2], 'end');
});

test('a mixed stream gives identical events however it is split', () => {
  const stream =
    PIPELINE.replace('Connection: close', 'Connection: keep-alive') +
    '\r\n' +
    CHUNKED_POST +
    'HEAD /h HTTP/1.0\r\nConnection: keep-alive\r\n\r\n' +
    'PUT /p HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc';
  const expected = assertSplitInvariant(stream);
  assert.is(expected.filter((line) => line === 'end').length, 6);
});

test('errors are the same however the stream is split', () => {
  assertSplitInvariant(GET + 'POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 2, 3\r\n\r\n');
  assertSplitInvariant(GET + 'POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhelloX\r\n');
  assertSplitInvariant('POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\nBad Trailer: x\r\n\r\n');
});

// ---- body limits ---------------------------------------------------------------------------

const setLimit = (limit: number): FeedOptions => ({ onHead: (parser) => parser.setBodyLimit(limit) });
const post = (length: number, body: string): string =>
  `POST / HTTP/1.1\r\nHost: x\r\nContent-Length: ${length}\r\n\r\n${body}`;
const chunked = (body: string): string => `POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n${body}`;

test('Content-Length over the body limit: 413 as the first event after head', () => {
  const events = whole(post(11, 'hello world'), setLimit(10));
  assert.equal(events.slice(1), ['error 413']);
  assert.equal(whole(post(10, 'helloworld'), setLimit(10)).slice(1), ['data helloworld', 'end']);
  // Without setBodyLimit the limit is 1 MiB.
  assert.equal(whole(post(1024 * 1024 + 1, '')).slice(1), ['error 413']);
  assert.equal(whole(post(1024 * 1024, '')).length, 1); // head, then waiting for the body
});

test('413 waits until the event after head, so the caller can raise the limit', () => {
  const parser = new HttpRequestParser();
  parser.receive(bytes(post(2_000_000, 'abc')));
  assert.is(parser.nextEvent()?.kind, 'head');
  parser.setBodyLimit(5_000_000);
  assert.equal(parser.nextEvent(), { kind: 'data', chunk: bytes('abc') });
});

test('the body limit is reset for each request', () => {
  let requests = 0;
  const events = whole(post(3, 'abc') + post(20, 'x'.repeat(20)), {
    onHead: (parser) => {
      if (requests++ === 0) parser.setBodyLimit(5);
    },
  });
  assert.equal(events.slice(1), ['data abc', 'end', events[3]!, 'data ' + 'x'.repeat(20), 'end']);
});

test('chunked body over the body limit: 413 as soon as a chunk size would exceed it', () => {
  assert.equal(whole(chunked('6\r\naaaaaa\r\n4\r\nbbbb\r\n0\r\n\r\n'), setLimit(10)).slice(1), [
    'data aaaaaabbbb',
    'end',
  ]);
  assert.equal(whole(chunked('6\r\naaaaaa\r\n5\r\nbbbbb\r\n0\r\n\r\n'), setLimit(10)).slice(1), [
    'data aaaaaa',
    'error 413',
  ]);
  // The oversized chunk is refused from its size line alone.
  assert.equal(whole(chunked('b\r\n'), setLimit(10)).slice(1), ['error 413']);
  assert.equal(whole(chunked('fffffffffffffff\r\n')).slice(1), ['error 413']);
});

// ---- header limits ---------------------------------------------------------------------------

test('431 as soon as an unterminated head passes maxHeaderBytes (20 KiB fed, no CRLFCRLF)', () => {
  const parser = new HttpRequestParser();
  const piece = bytes('a'.repeat(1024));
  parser.receive(bytes('GET / HTTP/1.1\r\nHost: x\r\nX-Big: '));
  let errorAt = -1;
  for (let i = 0; i < 20; i++) {
    parser.receive(piece);
    const event = parser.nextEvent();
    if (event !== null) {
      assert.equal(event.kind === 'error' && event.status, 431);
      errorAt = i;
      break;
    }
    assert.ok(parser.bufferedBytes <= 16384);
  }
  assert.is(errorAt, 15); // 31 + 16 KiB > 16384
  assert.is(parser.bufferedBytes, 0);
  assert.is(parser.nextEvent(), null);
});

test('431 for a 20 KiB unterminated head in one receive, and byte by byte', () => {
  const big = 'GET / HTTP/1.1\r\nHost: x\r\nX-Big: ' + 'a'.repeat(20 * 1024);
  assert.equal(whole(big), ['error 431']);
  assert.equal(byteAtATime(big), ['error 431']);
});

test('maxHeaderBytes boundary: the whole header section, blank line included', () => {
  const prefix = 'GET / HTTP/1.1\r\nHost: x\r\nX: ';
  const headOfSize = (size: number): string => prefix + 'a'.repeat(size - prefix.length - 4) + '\r\n\r\n';
  assert.is(bytes(headOfSize(16384)).length, 16384);
  assert.is(whole(headOfSize(16384))[1], 'end');
  assert.equal(whole(headOfSize(16385)), ['error 431']);
  assert.equal(byteAtATime(headOfSize(16385)), ['error 431']);
  const limits = { maxHeaderBytes: 100 };
  assert.is(whole(headOfSize(100), { limits })[1], 'end');
  assert.equal(whole(headOfSize(101), { limits }), ['error 431']);
  // Leading empty lines count toward the limit.
  assert.equal(whole('\r\n' + headOfSize(99), { limits }), ['error 431']);
  assert.is(whole('\r\n' + headOfSize(98), { limits })[1], 'end');
  assert.equal(whole('\r\n'.repeat(60), { limits }), ['error 431']);
});

test('maxHeaderCount: more than the limit of header lines is 431', () => {
  const fields = (count: number): string[] => ['Host: x', ...Array.from({ length: count - 1 }, (_, i) => `X-${i}: ${i}`)];
  assert.is(whole(req('GET / HTTP/1.1', ...fields(100)))[1], 'end');
  assertStatus(req('GET / HTTP/1.1', ...fields(101)), 431);
  assertStatus(req('GET / HTTP/1.1', ...fields(3)), 431, { limits: { maxHeaderCount: 2 } });
});

// ---- error rules ---------------------------------------------------------------------------

test('request line errors: 400 malformed, 505 unsupported version', () => {
  const cases: [string, number][] = [
    ['GET  / HTTP/1.1', 400],
    [' GET / HTTP/1.1', 400],
    ['GET / HTTP/1.1 ', 400],
    ['GET\t/\tHTTP/1.1', 400],
    ['GET /', 400],
    ['GET / ', 400],
    ['GET', 400],
    ['G(T / HTTP/1.1', 400],
    ['GÉT / HTTP/1.1', 400],
    ['GET /a\x7fb HTTP/1.1', 400],
    ['GET /caf\xe9 HTTP/1.1', 400],
    ['GET /a\x00 HTTP/1.1', 400],
    ['GET a/b HTTP/1.1', 400],
    ['GET * HTTP/1.1', 400],
    ['GET *x HTTP/1.1', 400],
    ['GET http:// HTTP/1.1', 400],
    ['GET ftp://example.com/ HTTP/1.1', 400],
    ['CONNECT example.com:443 HTTP/1.1', 400],
    ['GET / http/1.1', 400],
    ['GET / HTTP/1.10', 400],
    ['GET / HTTP/1', 400],
    ['GET / HTTP/1.x', 400],
    ['GET / HTTP 1.1', 400],
    ['GET / HTTP/2.0', 505],
    ['GET / HTTP/1.2', 505],
    ['GET / HTTP/0.9', 505],
    ['GET / HTTP/3.1', 505],
  ];
  for (const [line, status] of cases) assertStatus(req(line, 'Host: x'), status);
});

test('bare LF or bare CR anywhere in the head is 400', () => {
  assertStatus('GET / HTTP/1.1\nHost: x\n\n', 400);
  assertStatus('GET / HTTP/1.1\r\nHost: x\nX: y\r\n\r\n', 400);
  assertStatus('GET / HTTP/1.1\r\nHost: x\rX: y\r\n\r\n', 400);
  assertStatus('GET / HTTP/1.1\r\nHost: x\r\r\n\r\n', 400);
  assertStatus('GET / HTTP/1.1\r\nHost: x\r\n\n\r\n\r\n', 400);
  assertStatus('GET / HTTP/1.1\r\nHost: x\r\n\r\r\n', 400);
  assertStatus('\nGET / HTTP/1.1\r\nHost: x\r\n\r\n', 400);
  assertStatus('\r\rGET / HTTP/1.1\r\nHost: x\r\n\r\n', 400);
  // Detected early, without waiting for a terminator that never comes.
  assert.equal(whole('GET / HTTP/1.1\nHost: x\n'), ['error 400']);
  assert.equal(whole('GET / HTTP/1.1\r\nHost: x\rX'), ['error 400']);
});

test('header line syntax errors are 400', () => {
  const cases = [
    'X: a\r\n  folded', // obs-fold
    'X: a\r\n\tfolded',
    'Host : x', // whitespace before colon
    'X-A\t: b',
    ': no-name',
    'no colon at all',
    'X(A): b',
    'X\x01: b',
    'X-\xe9: b',
    'X: a\x00b',
    'X: a\x1bb',
    'X: a\x7fb',
    'X: a\x0bb',
  ];
  for (const line of cases) assertStatus(req('GET / HTTP/1.1', 'Host: x', line), 400);
  // Whitespace before the first header line is folding too.
  assertStatus('GET / HTTP/1.1\r\n Host: x\r\n\r\n', 400);
});

test('Host: exactly one in HTTP/1.1, at most one in HTTP/1.0', () => {
  assertStatus(req('GET / HTTP/1.1'), 400);
  assertStatus(req('GET / HTTP/1.1', 'Host: a', 'Host: a'), 400);
  assertStatus(req('GET / HTTP/1.0', 'Host: a', 'host: b'), 400);
  assert.is(headOf(req('GET / HTTP/1.0', 'Host: a')).headers.get('host'), 'a');
  assert.is(headOf(req('GET / HTTP/1.1', 'Host:')).headers.get('host'), '');
});

test('Content-Length: digits only, repeated values must agree', () => {
  for (const value of ['+5', '-1', '0x5', '5 5', '5a', '', '1e3', '5,', ',5', '5, 6', '\xa05']) {
    assertStatus(req('POST / HTTP/1.1', 'Host: x', 'Content-Length: ' + value), 400);
  }
  assertStatus(req('POST / HTTP/1.1', 'Host: x', 'Content-Length: 5', 'Content-Length: 6'), 400);
  assertStatus(req('POST / HTTP/1.1', 'Host: x', 'Content-Length: 9007199254740992'), 400);
  assertStatus(req('POST / HTTP/1.1', 'Host: x', 'Content-Length: 99999999999999999999999'), 400);

  const repeated = headOf(req('POST / HTTP/1.1', 'Host: x', 'Content-Length: 5', 'Content-Length: 5, 5'));
  assert.is(repeated.contentLength, 5);
  assert.is(repeated.headers.get('content-length'), '5, 5, 5');
  assert.is(headOf(req('POST / HTTP/1.1', 'Host: x', 'Content-Length: 007')).contentLength, 7);
  const max = headOf(req('POST / HTTP/1.1', 'Host: x', 'Content-Length: 9007199254740991'));
  assert.is(max.contentLength, Number.MAX_SAFE_INTEGER);
});

test('Transfer-Encoding: smuggling and HTTP/1.0 are 400, other codings 501', () => {
  assertStatus(req('POST / HTTP/1.1', 'Host: x', 'Transfer-Encoding: chunked', 'Content-Length: 5'), 400);
  assertStatus(req('POST / HTTP/1.1', 'Host: x', 'Content-Length: 5', 'Transfer-Encoding: gzip'), 400);
  assertStatus(req('POST / HTTP/1.0', 'Transfer-Encoding: chunked'), 400);
  assertStatus(req('POST / HTTP/1.1', 'Host: x', 'Transfer-Encoding:'), 400);
  for (const value of ['gzip', 'chunked, chunked', 'gzip, chunked', 'chunked, gzip', 'identity', 'chunked;q=1', 'chunkedx']) {
    assertStatus(req('POST / HTTP/1.1', 'Host: x', 'Transfer-Encoding: ' + value), 501);
  }
  assertStatus(req('POST / HTTP/1.1', 'Host: x', 'Transfer-Encoding: chunked', 'Transfer-Encoding: chunked'), 501);
  assert.is(headOf(req('POST / HTTP/1.1', 'Host: x', 'Transfer-Encoding:  Chunked ')).chunked, true);
});

test('chunked framing errors are 400', () => {
  const cases = [
    'z\r\n', // not hex
    '\r\n', // no size
    '-5\r\nhello\r\n',
    '0x5\r\nhello\r\n',
    '1234567890abcdef\r\n', // 16 hex digits
    '0000000000000005\r\nhello\r\n', // also 16 digits
    '5 \r\nhello\r\n', // whitespace without an extension
    '5;a\x01b\r\nhello\r\n', // control character in an extension
    '5\nhello\r\n', // bare LF
    '5\r\nhelloX\r\n', // data longer than announced
    '5\r\nhello\n0\r\n\r\n', // bare LF after data
    '5\r\nhello\r\r0\r\n\r\n',
    '5;' + 'x'.repeat(5000), // size line over 4096 bytes, never terminated
    '0\r\nBad Name: x\r\n\r\n',
    '0\r\nX: a\r\n folded\r\n\r\n',
    '0\r\nX: a\x00\r\n\r\n',
    '0\r\nX: a\n\r\n',
  ];
  for (const body of cases) assertStatus(chunked(body), 400);
  assert.is(whole(chunked('000000000000005\r\nhello\r\n0\r\n\r\n'))[1], 'data hello');
  const longExtension = '5;' + 'x'.repeat(4092) + '\r\nhello\r\n0\r\n\r\n'; // line of exactly 4096
  assert.is(whole(chunked(longExtension))[1], 'data hello');
  assertStatus(chunked('5;' + 'x'.repeat(4093) + '\r\nhello\r\n0\r\n\r\n'), 400);
});

test('trailers count toward the header limits: 431', () => {
  const head = chunked('');
  const headBytes = bytes(head).length;
  const limits = { maxHeaderBytes: headBytes + 20 };
  // 'X: 123456789012345\r\n' is 20 bytes; the final CRLF makes 22 > 20.
  assertStatus(head + '0\r\nX: 123456789012345\r\n\r\n', 431, { limits });
  assert.is(whole(head + '0\r\nX: 1234567890123\r\n\r\n', { limits })[1], 'end');
  assertStatus(head + '0\r\nX: ' + 'a'.repeat(100), 431, { limits }); // unterminated
  // Head has 2 field lines; two trailers make 4 > 3.
  assertStatus(head + '0\r\nA: 1\r\nB: 2\r\n\r\n', 431, { limits: { maxHeaderCount: 3 } });
  assert.is(whole(head + '0\r\nA: 1\r\n\r\n', { limits: { maxHeaderCount: 3 } })[1], 'end');
});

test('after an error the parser is dead', () => {
  const parser = new HttpRequestParser();
  parser.receive(bytes('GET / HTTP/9.9\r\nHost: x\r\n\r\n' + GET));
  assert.equal(parser.nextEvent(), { kind: 'error', status: 505, message: 'HTTP version not supported' });
  assert.is(parser.nextEvent(), null);
  parser.receive(bytes(GET));
  assert.is(parser.nextEvent(), null);
  assert.is(parser.bufferedBytes, 0);
});

// ---- upgrade ---------------------------------------------------------------------------------

const UPGRADE =
  'GET /ws HTTP/1.1\r\nHost: x\r\nConnection: keep-alive, Upgrade\r\nUpgrade: websocket\r\n' +
  'Sec-WebSocket-Version: 13\r\n\r\n';

test('upgrade: head and end, then null forever; takeRemaining returns the rest', () => {
  const parser = new HttpRequestParser();
  parser.receive(bytes(UPGRADE + '\x81\x05hello'));
  const head = parser.nextEvent();
  assert.ok(head?.kind === 'head' && head.head.upgrade);
  assert.equal(parser.nextEvent(), { kind: 'end' });
  assert.is(parser.nextEvent(), null);
  parser.receive(bytes('GET / HTTP/1.1\r\nHost: x\r\n\r\n')); // not HTTP any more
  assert.is(parser.nextEvent(), null);
  assert.is(parser.takeRemaining().toString('latin1'), '\x81\x05hello' + GET.replace('example.com', 'x'));
  assert.is(parser.bufferedBytes, 0);
  parser.receive(bytes('more'));
  assert.is(parser.nextEvent(), null);
  assert.is(parser.takeRemaining().length, 0);
});

test('upgrade: the remaining bytes are the same however the stream is split', () => {
  const data = bytes(UPGRADE + 'frame bytes');
  for (let cut = 1; cut < data.length; cut++) {
    const parser = new HttpRequestParser();
    const kinds: string[] = [];
    for (const piece of [data.subarray(0, cut), data.subarray(cut)]) {
      parser.receive(piece);
      for (let event = parser.nextEvent(); event; event = parser.nextEvent()) kinds.push(event.kind);
    }
    assert.equal(kinds, ['head', 'end'], `split at ${cut}`);
    assert.is(parser.takeRemaining().toString(), 'frame bytes', `split at ${cut}`);
  }
});

test('upgrade needs both the Connection token and the Upgrade header', () => {
  assert.is(headOf(req('GET / HTTP/1.1', 'Host: x', 'Upgrade: websocket')).upgrade, false);
  assert.is(headOf(req('GET / HTTP/1.1', 'Host: x', 'Connection: upgrade')).upgrade, false);
  assert.is(headOf(req('GET / HTTP/1.1', 'Host: x', 'Connection: UPGRADE', 'Upgrade: websocket')).upgrade, true);
  // Without upgrade the parser carries on with the next request.
  const events = whole(req('GET / HTTP/1.1', 'Host: x', 'Upgrade: websocket') + GET);
  assert.equal(events.slice(1), ['end', events[2]!, 'end']);
});

test.run();
