// The one comma-list splitter (RFC 9110 §5.6.1) behind Connection,
// Transfer-Encoding, Content-Length, Sec-WebSocket-Protocol, If-None-Match
// and Accept-Encoding.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { listHasToken, listItems, splitList } from '../src/net/header-lists.js';

test('splitList keeps empty elements and trims only OWS', () => {
  assert.equal(splitList('a, ,b'), ['a', '', 'b']);
  assert.equal(splitList(''), ['']);
  assert.equal(splitList(' \ta\t , b '), ['a', 'b']);
  assert.equal(splitList('5,'), ['5', '']);
  assert.equal(splitList('\xa05'), ['\xa05'], 'a no-break space is not OWS');
});

test('listItems drops empty elements and keeps case', () => {
  assert.equal(listItems('chat, , Tessera.v1,'), ['chat', 'Tessera.v1']);
  assert.equal(listItems(' , '), []);
  assert.equal(listItems('"abc", W/"def"'), ['"abc"', 'W/"def"']);
});

test('listHasToken compares case-insensitively, whole elements only', () => {
  assert.ok(listHasToken('keep-alive, Upgrade', 'upgrade'));
  assert.ok(listHasToken('UPGRADE', 'upgrade'));
  assert.not.ok(listHasToken('upgrades', 'upgrade'));
  assert.not.ok(listHasToken('up grade', 'upgrade'));
  assert.not.ok(listHasToken(undefined, 'upgrade'));
  assert.not.ok(listHasToken('', 'close'));
});

test.run();
