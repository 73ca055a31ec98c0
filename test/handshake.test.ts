// The opening handshake's decisions, unit by unit (RFC 6455 §4.2).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { acceptKeyFor, isValidKey, selectProtocol } from '../src/websocket/handshake.js';
import { isOriginAllowed } from '../src/net/origin.js';

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

test('origin: same host or localhost by default; an explicit list replaces that', () => {
  assert.ok(isOriginAllowed('http://canvas.example:8080', 'canvas.example:8080', null));
  assert.ok(isOriginAllowed('http://localhost:3000', 'canvas.example', null));
  assert.ok(isOriginAllowed('http://127.0.0.1', 'canvas.example', null));
  assert.not.ok(isOriginAllowed('http://canvas.example.evil.com', 'canvas.example', null));
  assert.not.ok(isOriginAllowed('null', 'canvas.example', null));
  assert.not.ok(isOriginAllowed('file://', 'canvas.example', null));
  assert.ok(isOriginAllowed('https://friends.example', 'x', ['https://friends.example']));
  assert.not.ok(isOriginAllowed('http://localhost', 'x', ['https://friends.example']));
});

test('subprotocol: our first preference among those offered, else none', () => {
  assert.is(selectProtocol('chat, tessera.v1', ['tessera.v1', 'chat']), 'tessera.v1');
  assert.is(selectProtocol('chat', ['tessera.v1']), null);
  assert.is(selectProtocol(undefined, ['tessera.v1']), null);
  assert.is(selectProtocol('a,b', []), null);
});

test.run();
