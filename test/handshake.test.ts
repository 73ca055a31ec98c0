// The opening handshake's decisions, unit by unit (RFC 6455 §4.2).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { acceptKeyFor, isValidKey, selectProtocol } from '../src/websocket/handshake.js';
import type { RequestHead } from '../src/net/http-parser.js';
import { OriginPolicy } from '../src/net/origin.js';

test('Sec-WebSocket-Accept of the RFC 6455 §1.3 example', () => {
  assert.is(acceptKeyFor('dGhlIHNhbXBsZSBub25jZQ=='), 's3pPLMBiTxaQ9kYGzzhZRbK+xOo=');
});

test('a key must be the base64 of exactly 16 bytes', () => {
  assert.ok(isValidKey('dGhlIHNhbXBsZSBub25jZQ=='));
  assert.not.ok(isValidKey('dGhlIHNhbXBsZSBub25jZQ='), 'short padding');
  assert.not.ok(isValidKey('dGhlIHNhbXBsZSBub25jZQ'), 'no padding');
  assert.not.ok(isValidKey('dGhlIHNhbXBsZSBub25jZR=='), 'non-canonical last character');
  assert.not.ok(isValidKey('dGhlIHNhbXBsZSBub25j*Q=='), 'not base64');
  assert.not.ok(isValidKey('c2hvcnQ='), '5 bytes');
  assert.not.ok(isValidKey('AAAAAAAAAAAAAAAAAAAAAAAAAA=='), '19 bytes');
});

/** A request head with these header fields (the origin rule reads Host, Origin's partner, and X-Forwarded-Proto). */
function headWith(fields: Record<string, string>): RequestHead {
  return {
    method: 'GET', target: '/ws', versionMinor: 1, contentLength: 0, chunked: false, keepAlive: true, upgrade: true,
    headers: new Map(Object.entries(fields).map(([name, value]) => [name.toLowerCase(), value])),
    text: '',
  };
}

test('origin: the own origin as Host names it, default ports implied; no localhost exception', () => {
  const policy = new OriginPolicy([], []);
  const allows = (origin: string, host: string) => policy.allows(origin, headWith({ Host: host }), '127.0.0.1');
  assert.ok(allows('http://canvas.example:8080', 'canvas.example:8080'));
  assert.ok(allows('http://canvas.example', 'canvas.example:80'));
  assert.ok(allows('http://canvas.example', 'Canvas.Example'));
  assert.ok(allows('http://[::1]:9', '[::1]:9'));
  assert.not.ok(allows('http://localhost:3000', 'canvas.example'));
  assert.not.ok(allows('http://127.0.0.1', 'canvas.example'));
  assert.not.ok(allows('http://canvas.example:8080', 'canvas.example'));
  assert.not.ok(allows('http://canvas.example:80', 'canvas.example:8080'));
  assert.not.ok(allows('https://canvas.example', 'canvas.example'), 'https needs a trusted proxy that says so');
  assert.not.ok(allows('http://canvas.example.evil.com', 'canvas.example'));
  assert.not.ok(allows('null', 'canvas.example'));
  assert.not.ok(allows('file://', 'canvas.example'));
  assert.not.ok(policy.allows('http://canvas.example', headWith({}), '127.0.0.1'), 'no Host');
});

test('origin: allowedOrigins adds to the own origin, compared as browsers write origins', () => {
  const policy = new OriginPolicy(['https://friends.example', 'HTTP://Localhost:5173/'], []);
  const allows = (origin: string) => policy.allows(origin, headWith({ Host: 'x' }), '127.0.0.1');
  assert.ok(allows('https://friends.example'));
  assert.ok(allows('http://localhost:5173'));
  assert.ok(allows('http://x'));
  assert.not.ok(allows('http://localhost'));
  assert.not.ok(allows('http://friends.example'));
});

test('origin: https is the own origin only through a trusted proxy whose X-Forwarded-Proto says https', () => {
  const policy = new OriginPolicy([], ['10.0.0.0/8']);
  const https = (from: string, proto?: string) =>
    policy.allows('https://canvas.example', headWith({ Host: 'canvas.example', ...(proto ? { 'X-Forwarded-Proto': proto } : {}) }), from);
  assert.ok(https('10.1.2.3', 'https'));
  assert.ok(https('::ffff:10.1.2.3', 'HTTPS'));
  assert.ok(https('10.1.2.3', 'http, https'), 'the last entry is our proxy’s');
  assert.not.ok(https('10.1.2.3', 'https, http'));
  assert.not.ok(https('10.1.2.3'));
  assert.not.ok(https('192.168.1.1', 'https'), 'not a trusted proxy');
});

test('subprotocol: our first preference among those offered, else none', () => {
  assert.is(selectProtocol('chat, tessera.v1', ['tessera.v1', 'chat']), 'tessera.v1');
  assert.is(selectProtocol('chat', ['tessera.v1']), null);
  assert.is(selectProtocol(undefined, ['tessera.v1']), null);
  assert.is(selectProtocol('a,b', []), null);
});

test.run();
